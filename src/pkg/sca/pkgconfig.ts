/**
 * A pkg-config (.pc) file as chainguard-dev/go-pkgconfig (melange's parser) reads it: `key=value`
 * variables (expanded with `${var}` in later values), `Key: value` properties (keys are
 * case-insensitive), and the dependency lists `Requires`, `Requires.private`,
 * `Requires.internal` and `Provides` (identifiers with optional `op version`, separated by
 * spaces or commas). A line that is none of these makes the file unparsable (undefined).
 */
export interface PkgConfigDependency {
  readonly identifier: string;
  readonly operator?: string;
  readonly version?: string;
}

export interface PkgConfigFile {
  readonly name: string;
  readonly version: string;
  readonly vars: Readonly<Record<string, string>>;
  readonly requires: readonly PkgConfigDependency[];
  readonly requiresPrivate: readonly PkgConfigDependency[];
  readonly requiresInternal: readonly PkgConfigDependency[];
  readonly provides: readonly PkgConfigDependency[];
}

const VARIABLE = /^([A-Za-z0-9_.]+)\s*=(.*)$/s;
const DEPLIST = /^(Requires\.private|Requires\.internal|Requires|Provides)\s*:(.*)$/s;
const PROPERTY = /^([A-Za-z0-9_.]+)\s*:(.*)$/s;
const DEPENDENCY = /([^\s,<>=!]+)(?:\s*(<=|>=|!=|<|>|=)\s*([^\s,<>=!]+))?/g;

function parseDependencies(value: string): PkgConfigDependency[] {
  const out: PkgConfigDependency[] = [];
  for (const m of value.matchAll(DEPENDENCY)) {
    const [, identifier, operator, version] = m;
    out.push(
      operator && version
        ? { identifier: identifier as string, operator, version }
        : { identifier: identifier as string },
    );
  }
  return out;
}

export function parsePkgConfig(text: string): PkgConfigFile | undefined {
  const vars: Record<string, string> = {};
  const expand = (v: string) =>
    v.replace(/\$\{([^}]*)\}/g, (all, k: string) => (k in vars ? (vars[k] as string) : all));
  let name = '';
  let version = '';
  const lists: Record<string, PkgConfigDependency[]> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let m = VARIABLE.exec(line);
    if (m) {
      vars[m[1] as string] = expand((m[2] as string).trim());
      continue;
    }
    m = DEPLIST.exec(line);
    if (m) {
      lists[(m[1] as string).toUpperCase()] = parseDependencies(m[2] as string);
      continue;
    }
    m = PROPERTY.exec(line);
    if (m) {
      const key = (m[1] as string).toUpperCase();
      const value = expand((m[2] as string).trim());
      if (key === 'NAME') name = value;
      else if (key === 'VERSION') version = value;
      continue;
    }
    return undefined;
  }
  return {
    name,
    version,
    vars,
    requires: lists.REQUIRES ?? [],
    requiresPrivate: lists['REQUIRES.PRIVATE'] ?? [],
    requiresInternal: lists['REQUIRES.INTERNAL'] ?? [],
    provides: lists.PROVIDES ?? [],
  };
}
