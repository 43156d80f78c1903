/** What a user asks to leave out of a report, and when a scan fails (pure). */
import type { Finding } from './match.js';
import { SEVERITIES, type Severity, severityRank } from './severity.js';

export interface FindingFilter {
  /** Keep only findings with a fix available. */
  readonly onlyFixed?: boolean;
  /**
   * Drop findings whose vulnerability or one of its aliases is listed: `ID` for every package,
   * `ID:PACKAGE` for that package only.
   */
  readonly ignore?: readonly string[];
}

/** Whether an `--ignore` list hides this id for this package. */
export function ignoreMatcher(ignore: readonly string[]): (ids: readonly string[], pkg: string) => boolean {
  const everywhere = new Set<string>();
  const perPackage = new Set<string>();
  for (const raw of ignore) {
    // Ids hold no colon except the separator (CVE-…, GHSA-…, CGA-…, DLA-…); a package name may.
    const i = raw.indexOf(':');
    if (i < 0) everywhere.add(raw.toUpperCase());
    else perPackage.add(`${raw.slice(0, i).toUpperCase()}\0${raw.slice(i + 1)}`);
  }
  if (everywhere.size === 0 && perPackage.size === 0) return () => false;
  return (ids, pkg) =>
    ids.some((id) => everywhere.has(id.toUpperCase()) || perPackage.has(`${id.toUpperCase()}\0${pkg}`));
}

/**
 * The `--ignore` entries that match none of these findings or resolutions (a typo, or an id this
 * target does not have), in the order given.
 */
export function unusedIgnores(
  ignore: readonly string[],
  items: ReadonlyArray<{
    readonly vulnerability: string;
    readonly aliases: readonly string[];
    readonly package: { readonly name: string };
  }>,
): string[] {
  return ignore.filter((entry) => {
    const hides = ignoreMatcher([entry]);
    return !items.some((f) => hides([f.vulnerability, ...f.aliases], f.package.name));
  });
}

export function filterFindings(findings: readonly Finding[], filter: FindingFilter): Finding[] {
  const ignored = ignoreMatcher(filter.ignore ?? []);
  return findings.filter((f) => {
    if (filter.onlyFixed && f.state !== 'fixed') return false;
    if (ignored([f.vulnerability, ...f.aliases], f.package.name)) return false;
    return true;
  });
}

/** Findings at or above the threshold (e.g. `--fail-on high`: High and Critical). */
export function findingsAtOrAbove(findings: readonly Finding[], threshold: Severity): Finding[] {
  const min = severityRank(threshold);
  return findings.filter((f) => severityRank(f.severity) >= min);
}

export interface ScanSummary {
  readonly total: number;
  /** Findings with a fix available. */
  readonly fixable: number;
  /** Distinct vulnerabilities. */
  readonly vulnerabilities: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
}

export function summarize(findings: readonly Finding[]): ScanSummary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) bySeverity[f.severity]++;
  return {
    total: findings.length,
    fixable: findings.filter((f) => f.state === 'fixed').length,
    vulnerabilities: new Set(findings.map((f) => f.vulnerability)).size,
    bySeverity,
  };
}
