/**
 * melange's `${{name}}` substitution. Names use `[A-Za-z0-9._-]` with optional spaces inside the
 * braces. `replaceKnown` is the parse-time phase (unknown names stay literal, for the compile
 * phase); `substitute` is the compile-time phase, where an unknown name is an error.
 */

const VAR = /\$\{\{\s*([A-Za-z0-9._-]+)\s*\}\}/g;

export type VarMap = Readonly<Record<string, string>>;

/** Replaces the names `vars` knows and leaves the rest as written. */
export function replaceKnown(text: string, vars: VarMap): string {
  if (!text.includes('${{')) return text;
  return text.replace(VAR, (whole, name: string) => (Object.hasOwn(vars, name) ? (vars[name] as string) : whole));
}

export interface Substituted {
  readonly value: string;
  /** Names that had no value, in order of appearance (deduplicated). */
  readonly unknown: readonly string[];
}

/** Replaces every `${{name}}`; the names without a value are returned (and replaced by ''). */
export function substitute(text: string, vars: VarMap): Substituted {
  if (!text.includes('${{')) return { value: text, unknown: [] };
  const unknown: string[] = [];
  const value = text.replace(VAR, (_whole, name: string) => {
    if (Object.hasOwn(vars, name)) return vars[name] as string;
    if (!unknown.includes(name)) unknown.push(name);
    return '';
  });
  return { value, unknown };
}

/** The 0-based line of `text` on which `${{name` first appears (for positions inside block scalars). */
export function lineOfName(text: string, name: string): number {
  const re = new RegExp(`\\$\\{\\{\\s*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\}\\}`);
  const m = re.exec(text);
  if (!m) return 0;
  return text.slice(0, m.index).split('\n').length - 1;
}
