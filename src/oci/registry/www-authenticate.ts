/** One challenge of a `WWW-Authenticate` header. */
export interface Challenge {
  /** Lowercased: `basic` or `bearer`. */
  readonly scheme: string;
  /** Parameters with lowercased names: `realm`, `service`, `scope`, `error`. */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses `Bearer realm="https://auth/token",service="reg",scope="repository:a:pull,push"` (RFC 7235
 * auth-params; quoted strings may hold commas and `\"`). Several challenges may follow one another.
 */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const out: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const s = header;
  const skipWs = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const token = () => {
    const start = i;
    while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z/]/.test(s[i] as string)) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skipWs();
    while (s[i] === ',') {
      i++;
      skipWs();
    }
    if (i >= s.length) break;
    const word = token();
    if (!word) {
      i++;
      continue;
    }
    skipWs();
    if (s[i] === '=' && out.length > 0) {
      // A parameter of the current challenge.
      i++;
      skipWs();
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        i++;
      } else {
        const start = i;
        while (i < s.length && s[i] !== ',' && s[i] !== ' ') i++;
        value = s.slice(start, i);
      }
      (out[out.length - 1] as { params: Record<string, string> }).params[word.toLowerCase()] = value;
    } else {
      out.push({ scheme: word.toLowerCase(), params: {} });
    }
  }
  return out;
}
