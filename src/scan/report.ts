/** A finished scan as plain data, and its JSON form. Reporters (table, SARIF, OpenVEX) read it. */
import { apkPurl } from '../sbom/index.js';
import type { AdvisorySourceInfo } from './advisory-set.js';
import { summarize } from './filter.js';
import type { Finding, Resolution, ScanDistro, ScanPackage } from './match.js';

export interface ScanReport {
  /** The target as the user named it. */
  readonly target: string;
  readonly targetKind: 'image' | 'root' | 'sbom' | 'package';
  /** Where the package list was read (`lib/apk/db/installed`, the SBOM file, the .apk). */
  readonly location: string;
  readonly distro: ScanDistro;
  /** Number of packages scanned. */
  readonly packages: number;
  /** Number of advisory entries loaded. */
  readonly advisories: number;
  /** The advisory sources loaded, with their dates. */
  readonly sources: readonly AdvisorySourceInfo[];
  /** Why the target could not be scanned ('' when it was): then it has no verdict, never "clean". */
  readonly notScanned: string;
  readonly findings: readonly Finding[];
  /** Findings left out by --only-fixed / --ignore. */
  readonly hidden: number;
  readonly resolutions: readonly Resolution[];
  /**
   * What the reader must know: packages not counted (dpkg states, bad versions), `--ignore` entries
   * that matched nothing. Printed to standard error and carried in the JSON.
   */
  readonly warnings?: readonly string[];
  /** Scan time, seconds since the epoch (from the clock). */
  readonly created: number;
  readonly toolVersion: string;
}

export const STATE_WORDS: Readonly<Record<Finding['state'], string>> = {
  fixed: 'fixed',
  'not-fixed': 'not fixed',
  'wont-fix': "won't fix",
  'under-investigation': 'under investigation',
};

/** The purl of a scanned package, as syft writes APK (and dpkg) purls. */
export function packagePurl(pkg: ScanPackage, distro: ScanDistro): string {
  if (pkg.format === 'deb') {
    const q = [
      pkg.arch ? `arch=${encodeURIComponent(pkg.arch)}` : '',
      distro.versionId ? `distro=${distro.id}-${encodeURIComponent(distro.versionId)}` : '',
    ];
    const query = q.filter((x) => x !== '').join('&');
    return `pkg:deb/${distro.id || 'debian'}/${encodeURIComponent(pkg.name)}@${encodeURIComponent(pkg.version)}${query ? `?${query}` : ''}`;
  }
  return apkPurl({
    osId: distro.id === 'unknown' ? 'unknown' : distro.id,
    osVersionId: distro.versionId,
    name: pkg.name,
    version: pkg.version,
    arch: pkg.arch,
    origin: pkg.origin,
  });
}

/** Where to read about an id. */
export function advisoryUrl(id: string): string {
  if (id.startsWith('CVE-')) return `https://nvd.nist.gov/vuln/detail/${id}`;
  if (id.startsWith('GHSA-')) return `https://github.com/advisories/${id}`;
  if (id.startsWith('CGA-')) return `https://images.chainguard.dev/security/${id}`;
  if (id.startsWith('GO-')) return `https://pkg.go.dev/vuln/${id}`;
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

/** The JSON report (`--format json`): stable keys, findings in match order. */
export function reportJson(r: ScanReport): string {
  const s = summarize(r.findings);
  const doc = {
    schema: 'lupine-scan/1',
    target: r.target,
    targetKind: r.targetKind,
    location: r.location,
    distro: { id: r.distro.id, versionId: r.distro.versionId },
    packages: r.packages,
    advisories: r.advisories,
    sources: r.sources,
    scanned: r.notScanned === '',
    ...(r.notScanned ? { notScanned: r.notScanned } : {}),
    ...(r.warnings && r.warnings.length > 0 ? { warnings: r.warnings } : {}),
    summary: {
      findings: s.total,
      vulnerabilities: s.vulnerabilities,
      fixable: s.fixable,
      hidden: r.hidden,
      bySeverity: s.bySeverity,
    },
    findings: r.findings.map((f) => ({
      package: {
        name: f.package.name,
        version: f.package.version,
        arch: f.package.arch,
        origin: f.package.origin,
        purl: packagePurl(f.package, r.distro),
      },
      vulnerability: f.vulnerability,
      aliases: f.aliases,
      severity: f.severity,
      ...(f.cvss ? { cvss: f.cvss } : {}),
      state: f.state,
      fixedIn: f.fixedIn,
      matchedBy: f.matchedBy,
      matchedPackage: f.matchedPackage,
      ...(f.summary ? { summary: f.summary } : {}),
      sources: f.sources,
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
