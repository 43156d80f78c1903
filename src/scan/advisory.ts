/**
 * The one in-memory shape every advisory source (secdb JSON, OSV, Wolfi advisory YAML) is normalised
 * into: one entry per (package, vulnerability, arch) statement, plus an index by package name.
 */
import type { Severity } from './severity.js';

/**
 * What an advisory says about a package:
 * - `fixed`: affected below `fixed` (APK version order);
 * - `not-fixed`: affected, no fix yet (true positive, pending upstream);
 * - `wont-fix`: affected, a fix is not planned;
 * - `under-investigation`: detected, not yet analysed;
 * - `not-affected`: a NAK (secdb `"0"`, a false-positive determination).
 */
export type AdvisoryState = 'fixed' | 'not-fixed' | 'wont-fix' | 'under-investigation' | 'not-affected';

/** The distribution family an advisory is for; '' when the source does not say (matches any). */
export type AdvisoryDistro = '' | 'wolfi' | 'chainguard' | 'alpine' | 'lupine' | 'debian' | 'ubuntu';

/** Whether entries of this distro use Debian version ordering (dpkg) rather than APK's. */
export function isDebDistro(d: AdvisoryDistro): boolean {
  return d === 'debian' || d === 'ubuntu';
}

export interface AdvisoryEntry {
  /** The id as the source names it (`CVE-…`, `GHSA-…`, `CGA-…`). */
  readonly id: string;
  /** Other ids for the same vulnerability (CVE/GHSA for a CGA id, …), sorted. */
  readonly aliases: readonly string[];
  /** The APK package the statement is filed against (an origin, or the APK that ships a component). */
  readonly package: string;
  readonly distro: AdvisoryDistro;
  /** Alpine branch (`v3.19`, `edge`), Debian release (`12`), Ubuntu release (`22.04`); '' otherwise. */
  readonly branch: string;
  /** '' for every architecture. */
  readonly arch: string;
  readonly state: AdvisoryState;
  /** Lowest affected version; '0' (everything) unless an OSV range says otherwise. */
  readonly introduced: string;
  /** For `fixed`: the first version without the vulnerability. '' otherwise. */
  readonly fixed: string;
  /** Last affected version of an OSV range (`last_affected`); '' when none. */
  readonly lastAffected: string;
  /**
   * `package` for a statement about the whole package (a secdb `"0"`, a YAML false positive);
   * `component` for one about one component of it (an OSV v3 component record). A package-level
   * NAK silences the vulnerability for the package; a component-level one only drops its record.
   */
  readonly scope: 'package' | 'component';
  readonly severity: Severity;
  /** A CVSS vector the severity came from; '' when none. */
  readonly cvss: string;
  readonly summary: string;
  /** For `not-affected`: the VEX justification (`vulnerable_code_not_present`, …); '' when unknown. */
  readonly justification: string;
  /** Free text: a false-positive note, a fix-not-planned note. */
  readonly note: string;
  /** Where the statement came from (a file or URL, and the format). */
  readonly source: string;
}

/** Fields a parser fills; the rest default. */
export type AdvisoryInput = Pick<AdvisoryEntry, 'id' | 'package' | 'state' | 'source'> &
  Partial<Omit<AdvisoryEntry, 'id' | 'package' | 'state' | 'source'>>;

export function advisoryEntry(input: AdvisoryInput): AdvisoryEntry {
  // One literal with every field in a fixed order: every entry has the same shape (fast to build,
  // and to read in the match loop over hundreds of thousands of them).
  return {
    id: input.id,
    aliases: input.aliases ?? [],
    package: input.package,
    distro: input.distro ?? '',
    branch: input.branch ?? '',
    arch: input.arch ?? '',
    state: input.state,
    introduced: input.introduced ?? '0',
    fixed: input.fixed ?? '',
    lastAffected: input.lastAffected ?? '',
    scope: input.scope ?? 'package',
    severity: input.severity ?? 'Unknown',
    cvss: input.cvss ?? '',
    summary: input.summary ?? '',
    justification: input.justification ?? '',
    note: input.note ?? '',
    source: input.source,
  };
}

/** What one source file or feed yielded. */
export interface AdvisoryBatch {
  readonly entries: AdvisoryEntry[];
  /** Alias groups learnt from records (an OSV record's id with its aliases/upstream/related). */
  readonly aliasGroups: string[][];
  /** Severity learnt for an id (from an OSV record), even for ids no entry is filed under here. */
  readonly severities: ReadonlyMap<string, { readonly severity: Severity; readonly cvss: string }>;
  /** Non-fatal problems (a record skipped), for the logger. */
  readonly warnings: string[];
  /** The format the batch was read from (`secdb`, `osv`, …). */
  readonly format?: string;
  /** The latest timestamp in the data (ISO 8601), when it carries one. */
  readonly date?: string;
  /**
   * Entries kept packed (a compiled source): made per package when asked, so a scan of 100 packages
   * does not build 30,000 objects. `entries` is then empty.
   */
  readonly lazy?: LazyEntries;
}

/** Packed entries, by package. */
export interface LazyEntries {
  readonly count: number;
  /** `distro\0branch` of the entries (what they cover). */
  readonly releases: readonly string[];
  readonly packages: ReadonlyMap<string, () => AdvisoryEntry[]>;
}

/** Entries in a batch, packed or not. */
export function batchSize(b: AdvisoryBatch): number {
  return b.entries.length + (b.lazy?.count ?? 0);
}

/** The latest of some timestamps, as ISO 8601 UTC without milliseconds; '' when none parses. */
export function latestDate(stamps: Iterable<unknown>): string {
  let best = Number.NEGATIVE_INFINITY;
  for (const s of stamps) {
    const t = typeof s === 'string' ? Date.parse(s) : Number.NaN;
    if (!Number.isNaN(t) && t > best) best = t;
  }
  return best === Number.NEGATIVE_INFINITY ? '' : new Date(best).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
