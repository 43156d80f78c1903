/**
 * Go regexp semantics for var-transforms: RE2 patterns (`(?P<name>…)` groups) and
 * `ReplaceAllString` templates (`$1`, `${1}`, `$name`, `${name}`, `$$`). RE2 has no
 * backreferences or lookaround, so a valid RE2 pattern means the same thing as a JS RegExp
 * once named groups are spelled the JS way.
 */

export function goRegExp(pattern: string): RegExp {
  const js = pattern.replace(/\(\?P</g, '(?<');
  if (/\\[1-9]|\(\?<?[=!]/.test(js)) throw new SyntaxError('backreferences and lookaround are not RE2');
  return new RegExp(js, 'g');
}

/** Expands a Go replacement template for one match (Regexp.Expand). */
function expand(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      i++;
      continue;
    }
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(rest);
    const bare = braced ? undefined : /^[A-Za-z0-9_]+/.exec(rest);
    const name = braced ? braced[1] : bare?.[0];
    if (name === undefined) {
      out += '$';
      continue;
    }
    i += braced ? (braced[0] as string).length : name.length;
    const n = /^[0-9]+$/.test(name) ? Number(name) : undefined;
    out += (n !== undefined ? m[n] : m.groups?.[name]) ?? '';
  }
  return out;
}

/** `regexp.MustCompile(match).ReplaceAllString(from, replace)`. */
export function goReplaceAll(from: string, re: RegExp, replace: string): string {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  let out = '';
  let last = 0;
  for (let m = g.exec(from); m !== null; m = g.exec(from)) {
    out += from.slice(last, m.index) + expand(replace, m);
    last = m.index + m[0].length;
    if (m[0].length === 0) {
      if (g.lastIndex < from.length) out += from[g.lastIndex];
      g.lastIndex++;
      last = g.lastIndex;
    }
  }
  return out + from.slice(Math.min(last, from.length));
}
