/** One scan, start to end, as a pure step: a read target's packages and an advisory set → a report. */
import type { AdvisorySet } from './advisory-set.js';
import { type FindingFilter, filterFindings, ignoreMatcher, unusedIgnores } from './filter.js';
import { debianRelease, distroAccepts, match, type ScanDistro } from './match.js';
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

/** The distro as a person names it: `debian 12`, `wolfi`, `alpine 3.19.1`. */
export function distroName(distro: ScanDistro): string {
  if (distro.id === 'unknown' || distro.id === '') return 'an unknown distro';
  const version = distro.id === 'debian' ? debianRelease(distro.versionId) || distro.versionId : distro.versionId;
  return version ? `${distro.id} ${version}` : distro.id;
}

/**
 * Why a target cannot be reported clean, or '': no package could be read, or no loaded source has
 * advisories for its distro (then "no findings" would only mean "no data").
 */
export function whyNotScanned(input: ScanInput, advisories: AdvisorySet, distro: ScanDistro): string {
  if (input.packages.length === 0) return 'no package database found (lib/apk/db/installed, var/lib/dpkg/status)';
  const deb = input.packages.some((p) => p.format === 'deb');
  const debDistro = distro.id === 'debian' || distro.id === 'ubuntu';
  // dpkg packages of a distro that is neither Debian nor Ubuntu: nothing can judge them.
  if (distro.id === 'unknown' || distro.id === '')
    return 'no data for an unknown distro (no os-release ID; --distro names one)';
  if ((deb && !debDistro) || !advisories.covers(distroAccepts(distro))) return `no data for ${distroName(distro)}`;
  return '';
}

export function scanReport(input: ScanInput, advisories: AdvisorySet, options: ScanReportOptions): ScanReport {
  const distro = options.distro ?? input.distro;
  const notScanned = whyNotScanned(input, advisories, distro);
  // Not scanned: no verdict at all (findings against data for another distro would mislead).
  const result = notScanned ? { findings: [], resolutions: [] } : match(input.packages, advisories, distro);
  const findings = filterFindings(result.findings, options.filter ?? {});
  const ignored = ignoreMatcher(options.filter?.ignore ?? []);
  const resolutions = result.resolutions.filter((r) => !ignored([r.vulnerability, ...r.aliases], r.package.name));
  const unused = notScanned
    ? []
    : unusedIgnores(options.filter?.ignore ?? [], [...result.findings, ...result.resolutions]);
  const warnings = [
    ...(input.warnings ?? []),
    ...unused.map((i) => `--ignore ${i} matches no finding of ${options.target}`),
  ];
  return {
    target: options.target,
    targetKind: options.targetKind,
    location: input.location,
    distro,
    packages: new Set(input.packages.map((p) => `${p.name}\0${p.version}\0${p.arch}`)).size,
    advisories: advisories.size,
    sources: advisories.sources,
    notScanned,
    findings,
    hidden: result.findings.length - findings.length,
    resolutions,
    warnings,
    created: options.created,
    toolVersion: options.toolVersion,
  };
}
