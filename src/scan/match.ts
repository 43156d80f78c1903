/**
 * Matching (pure): each installed package against the advisories filed under its own name and under
 * its origin's name, in APK version order, with the roll-up rules of Chainguard's v3 feed:
 * - a package-level NAK (secdb `"0"`, a false-positive determination) silences the vulnerability;
 * - any unresolved record (affected, no fix; fix not planned; under investigation) → affected, no fix;
 * - otherwise the fix is the highest fixed version among the records that cover the installed version;
 * - records that are all component false positives give nothing;
 * - arches stay apart (an entry for another arch does not apply).
 */
import { compareVersions } from '../apk/index.js';
import type { AdvisoryEntry, AdvisoryState } from './advisory.js';
import type { AdvisorySet } from './advisory-set.js';
import { badDebianRangeVersion, compareDpkgVersions } from './dpkg-version.js';
import { groupByVulnerability } from './package-groups.js';
import type { Severity } from './severity.js';

/** One installed package as matching sees it. */
export interface ScanPackage {
  readonly name: string;
  readonly version: string;
  /** '' when unknown (then entries for every arch apply). */
  readonly arch: string;
  /** The origin (source) package; '' when none. */
  readonly origin: string;
  /** Which package manager installed it: version order and advisory sources follow. Default apk. */
  readonly format?: 'apk' | 'deb';
  /** The source package's version when it differs from the binary's (dpkg `Source: x (1.2-3)`). */
  readonly originVersion?: string;
}

/** The version order of a package's ecosystem. */
export function versionOrder(pkg: Pick<ScanPackage, 'format'>): (a: string, b: string) => number {
  return pkg.format === 'deb' ? compareDpkgVersions : compareVersions;
}

/** The distribution the packages come from (os-release ID and VERSION_ID). */
export interface ScanDistro {
  readonly id: string;
  readonly versionId: string;
}

export type FindingState = Exclude<AdvisoryState, 'not-affected'>;

export interface Finding {
  readonly package: ScanPackage;
  /** The preferred id (a CVE when one is known). */
  readonly vulnerability: string;
  /** The other ids of the same vulnerability, preferred first. */
  readonly aliases: readonly string[];
  readonly state: FindingState;
  /** The version to upgrade to; '' when there is none. */
  readonly fixedIn: string;
  readonly severity: Severity;
  readonly cvss: string;
  /** `name` when an entry is filed under the package's own name, else `origin`. */
  readonly matchedBy: 'name' | 'origin';
  /** The advisory package name matched (the origin, or the package's own name). */
  readonly matchedPackage: string;
  readonly summary: string;
  readonly sources: readonly string[];
}

/** A vulnerability that applies to the package's name but not to the installed version. */
export interface Resolution {
  readonly package: ScanPackage;
  readonly vulnerability: string;
  readonly aliases: readonly string[];
  readonly status: 'not-affected' | 'fixed';
  /** For `fixed`: the version the fix came in. */
  readonly fixedIn: string;
  /** VEX justification for `not-affected`; '' when the data gives none. */
  readonly justification: string;
  readonly note: string;
  readonly sources: readonly string[];
}

export interface MatchResult {
  /** Sorted by package name, version, arch, then vulnerability. */
  readonly findings: Finding[];
  /** NAKs and fixes that applied to installed packages (for VEX), in the same order. */
  readonly resolutions: Resolution[];
}

/** The Alpine branch of an os-release VERSION_ID: `3.19.1` → `v3.19`, `3.20.0_alpha2024…` → `edge`. */
export function alpineBranch(versionId: string): string {
  const m = /^(\d+)\.(\d+)/.exec(versionId);
  return versionId.includes('_alpha') || !m ? 'edge' : `v${m[1]}.${m[2]}`;
}

/** The Debian release an os-release VERSION_ID names: `12` (also from `12.4`); '' for testing/sid. */
export function debianRelease(versionId: string): string {
  return /^\d+/.exec(versionId)?.[0] ?? '';
}

/**
 * Which advisory entries a distro accepts: each source only for the distro it is for (Wolfi advisory
 * YAML and Wolfi's secdb for wolfi and chainguard, Alpine's secdb and OSV by branch, Debian's and
 * Ubuntu's by release). An unknown or missing distro accepts nothing: its scan is "not scanned",
 * never clean (`--distro` names one).
 */
export function distroAccepts(distro: ScanDistro): (e: Pick<AdvisoryEntry, 'distro' | 'branch'>) => boolean {
  const id = distro.id.toLowerCase();
  if (id === 'debian') {
    const release = debianRelease(distro.versionId) || 'sid';
    return (e) => e.distro === 'debian' && (e.branch === '' || e.branch === release);
  }
  if (id === 'ubuntu') return (e) => e.distro === 'ubuntu' && (e.branch === '' || e.branch === distro.versionId);
  if (id === 'alpine') {
    const branch = alpineBranch(distro.versionId);
    return (e) => e.distro === 'alpine' && (e.branch === '' || e.branch === branch);
  }
  if (id === 'wolfi') return (e) => e.distro === 'wolfi';
  if (id === 'chainguard') return (e) => e.distro === 'chainguard' || e.distro === 'wolfi';
  // lupine's own feed (secdb `reponame: lupine`, or a secdb that names no distro), and Wolfi's data.
  if (id === 'lupine') return (e) => e.distro === 'lupine' || e.distro === '' || e.distro === 'wolfi';
  return () => false;
}

/** Whether the installed version lies in the entry's range (in APK order unless told otherwise). */
export function inRange(
  e: AdvisoryEntry,
  version: string,
  compare: (a: string, b: string) => number = compareVersions,
): boolean {
  if (e.introduced !== '0' && e.introduced !== '' && compare(version, e.introduced) < 0) return false;
  if (e.fixed !== '') return compare(version, e.fixed) < 0;
  if (e.lastAffected !== '') return compare(version, e.lastAffected) <= 0;
  return true;
}

const UNRESOLVED: readonly FindingState[] = ['not-fixed', 'wont-fix', 'under-investigation'];

function maxVersion(versions: readonly string[], compare: (a: string, b: string) => number): string {
  let best = '';
  for (const v of versions) if (v !== '' && (best === '' || compare(v, best) > 0)) best = v;
  return best;
}

function uniqueSorted(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort();
}

function comparePackages(a: ScanPackage, b: ScanPackage): number {
  return (
    cmp(a.name, b.name) ||
    (a.format === b.format ? versionOrder(a)(a.version, b.version) : cmp(a.format ?? 'apk', b.format ?? 'apk')) ||
    cmp(a.arch, b.arch) ||
    cmp(a.origin, b.origin)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The entries filed under the package's name or origin that apply to its distro and arch. */
function candidatesFor(
  pkg: ScanPackage,
  advisories: AdvisorySet,
  accepts: ReturnType<typeof distroAccepts>,
): AdvisoryEntry[] {
  const names = pkg.origin !== '' && pkg.origin !== pkg.name ? [pkg.name, pkg.origin] : [pkg.name];
  const candidates: AdvisoryEntry[] = [];
  for (const n of names) {
    for (const e of advisories.byPackage(n)) {
      if (!accepts(e) || (e.arch !== '' && pkg.arch !== '' && e.arch !== pkg.arch)) continue;
      // The decoders skip (with a warning) Debian ranges dpkg refuses; entries built otherwise too.
      if (pkg.format === 'deb' && badDebianRangeVersion(e)) continue;
      candidates.push(e);
    }
  }
  return candidates;
}

/** Matches packages against advisories; the result is sorted and independent of input order. */
export function match(packages: readonly ScanPackage[], advisories: AdvisorySet, distro: ScanDistro): MatchResult {
  const accepts = distroAccepts(distro);
  const findings: Finding[] = [];
  const resolutions: Resolution[] = [];
  const seen = new Set<string>();
  for (const pkg of [...packages].sort(comparePackages)) {
    const key = `${pkg.name}\0${pkg.version}\0${pkg.arch}\0${pkg.origin}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const compare = versionOrder(pkg);
    // The version an entry is compared with: the source version for entries filed under the origin.
    const versionFor = (e: AdvisoryEntry) =>
      e.package !== pkg.name && pkg.originVersion ? pkg.originVersion : pkg.version;
    for (const { id: vuln, aliases, entries } of groupByVulnerability(candidatesFor(pkg, advisories, accepts))) {
      const sources = uniqueSorted(entries.map((e) => e.source));
      const nak = entries.find((e) => e.state === 'not-affected' && e.scope === 'package');
      const live = entries.filter((e) => e.state !== 'not-affected');
      if (nak || live.length === 0) {
        const why = nak ?? entries[0];
        resolutions.push({
          package: pkg,
          vulnerability: vuln,
          aliases,
          status: 'not-affected',
          fixedIn: '',
          justification: why?.justification ?? '',
          note: why?.note ?? '',
          sources,
        });
        continue;
      }
      const applying = live.filter((e) => inRange(e, versionFor(e), compare));
      if (applying.length === 0) {
        // Past a fix: fixed. Otherwise (before an `introduced`, after a `last_affected`): never affected.
        const fixes = live.filter((e) => e.fixed !== '' && compare(versionFor(e), e.fixed) >= 0).map((e) => e.fixed);
        resolutions.push({
          package: pkg,
          vulnerability: vuln,
          aliases,
          status: fixes.length > 0 ? 'fixed' : 'not-affected',
          fixedIn: maxVersion(fixes, compare),
          justification: fixes.length > 0 ? '' : 'vulnerable_code_not_present',
          note: fixes.length > 0 ? '' : 'the installed version is outside the affected ranges',
          sources,
        });
        continue;
      }
      // An applying range that names no fix (OSV `last_affected`) leaves nothing to upgrade to: not fixed.
      const open =
        UNRESOLVED.find((s) => applying.some((e) => e.state === s)) ??
        (applying.some((e) => e.fixed === '') ? 'not-fixed' : undefined);
      const { severity, cvss } = advisories.severityOfIds([vuln, ...aliases], applying);
      findings.push({
        package: pkg,
        vulnerability: vuln,
        aliases,
        state: open ?? 'fixed',
        fixedIn: open
          ? ''
          : maxVersion(
              applying.map((e) => e.fixed),
              compare,
            ),
        severity,
        cvss,
        matchedBy: applying.some((e) => e.package === pkg.name) ? 'name' : 'origin',
        matchedPackage: applying.some((e) => e.package === pkg.name) ? pkg.name : pkg.origin,
        summary: applying.map((e) => e.summary).find((s) => s !== '') ?? '',
        sources: uniqueSorted(applying.map((e) => e.source)),
      });
    }
  }
  return { findings, resolutions };
}

/**
 * The public feeds for a distro, used when no source is named: Wolfi's and Chainguard's secdb,
 * Alpine's secdb for the branch (main and community). None for other distros.
 */
export function defaultAdvisorySources(distro: ScanDistro): string[] {
  const id = distro.id.toLowerCase();
  if (id === 'wolfi') return ['https://packages.wolfi.dev/os/security.json'];
  if (id === 'chainguard') {
    return ['https://packages.cgr.dev/chainguard/security.json', 'https://packages.wolfi.dev/os/security.json'];
  }
  if (id === 'alpine') {
    const branch = alpineBranch(distro.versionId);
    return ['main', 'community'].map((repo) => `https://secdb.alpinelinux.org/${branch}/${repo}.json`);
  }
  return [];
}
