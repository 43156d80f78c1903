import { compareVersions, isValidVersion } from '../../apk/index.js';
import { LupineError } from '../../core/index.js';

/** A package of the build's repositories, as far as versioned SCA depends need it. */
export interface ProviderPackage {
  readonly name: string;
  readonly version: string;
  /** `provides` entries as in the index, e.g. `so:libz.so.1=1`, `so-ver:libz.so.1=1.3-r0`. */
  readonly provides: readonly string[];
  /** Build time (seconds); newer candidates are considered first. */
  readonly buildTime?: number;
}

/**
 * What melange asks its resolver and build environment for versioned depends
 * (`so-ver:libX.so.N>=V`, `pc:name>=V`): the repository packages, and name → version of the
 * packages installed in the build guest (`@CURRENT@` marks a package of this build).
 */
export interface ProviderContext {
  readonly index: readonly ProviderPackage[];
  readonly installed: Readonly<Record<string, string>>;
}

const providedName = (p: string) => {
  const i = p.search(/[=<>~]/);
  return i < 0 ? p : p.slice(0, i);
};

/**
 * melange's determineProviderVersion: the version to put after `>=` for a dependency resolved
 * through `resolve` (`so:libX.so.1`, `pc:name`) and versioned by `versioned` (`so-ver:…`,
 * `pc:…`), or '' for an unversioned depend. Without a provider context (as in `melange scan`)
 * nothing is versioned.
 */
export function determineProviderVersion(
  ctx: ProviderContext | undefined,
  selfVersion: string,
  resolve: string,
  versioned: string,
): string {
  if (ctx === undefined) return '';
  const candidates = ctx.index
    .filter((p) => p.name === resolve || p.provides.some((x) => providedName(x) === resolve))
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (b.p.buildTime ?? 0) - (a.p.buildTime ?? 0) || a.i - b.i)
    .map((x) => x.p);
  // "nothing provides": a package of this build provides it (it is not in the index yet).
  if (candidates.length === 0) return selfVersion;
  for (const c of candidates) {
    const installed = ctx.installed[c.name];
    if (installed === undefined) continue;
    if (installed === '@CURRENT@') return selfVersion;
    if (compareVersions(c.version, installed) < 0) {
      throw new LupineError(
        'RESOLVE_UNSATISFIABLE',
        `could not find suitable package providing ${versioned}>=${installed} (found ${versioned}=${c.version} instead)`,
        { details: { dependency: versioned, installed, found: c.version } },
      );
    }
    const published = c.provides.some((x) => {
      const eq = x.indexOf('=');
      if (eq < 0 || x.slice(0, eq) !== versioned) return false;
      const v = x.slice(eq + 1);
      return v !== '' && isValidVersion(v);
    });
    return published ? installed : '';
  }
  return '';
}
