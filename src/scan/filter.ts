/** What a user asks to leave out of a report, and when a scan fails (pure). */
import type { Finding } from './match.js';
import { SEVERITIES, type Severity, severityRank } from './severity.js';

export interface FindingFilter {
  /** Keep only findings with a fix available. */
  readonly onlyFixed?: boolean;
  /** Drop findings whose vulnerability or one of its aliases is listed. */
  readonly ignore?: readonly string[];
}

export function filterFindings(findings: readonly Finding[], filter: FindingFilter): Finding[] {
  const ignore = new Set((filter.ignore ?? []).map((id) => id.toUpperCase()));
  return findings.filter((f) => {
    if (filter.onlyFixed && f.state !== 'fixed') return false;
    if (ignore.size > 0 && [f.vulnerability, ...f.aliases].some((id) => ignore.has(id.toUpperCase()))) return false;
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
