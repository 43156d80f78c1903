/** One scan, start to end, as a pure step: a read target's packages and an advisory set → a report. */
import type { AdvisorySet } from './advisory-set.js';
import { type FindingFilter, filterFindings } from './filter.js';
import { match, type ScanDistro } from './match.js';
import type { ScanReport } from './report.js';
import type { ScanInput } from './target-inventory.js';

export interface ScanReportOptions {
  readonly target: string;
  readonly targetKind: ScanReport['targetKind'];
  /** Overrides the distro the target says (`--distro`). */
  readonly distro?: ScanDistro;
  readonly filter?: FindingFilter;
  /** Seconds since the epoch. */
  readonly created: number;
  readonly toolVersion: string;
}

export function scanReport(input: ScanInput, advisories: AdvisorySet, options: ScanReportOptions): ScanReport {
  const distro = options.distro ?? input.distro;
  const result = match(input.packages, advisories, distro);
  const findings = filterFindings(result.findings, options.filter ?? {});
  const ignored = new Set((options.filter?.ignore ?? []).map((id) => id.toUpperCase()));
  const resolutions = result.resolutions.filter(
    (r) => ![r.vulnerability, ...r.aliases].some((id) => ignored.has(id.toUpperCase())),
  );
  return {
    target: options.target,
    targetKind: options.targetKind,
    location: input.location,
    distro,
    packages: new Set(input.packages.map((p) => `${p.name}\0${p.version}\0${p.arch}`)).size,
    advisories: advisories.size,
    findings,
    hidden: result.findings.length - findings.length,
    resolutions,
    created: options.created,
    toolVersion: options.toolVersion,
  };
}
