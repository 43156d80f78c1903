/**
 * All loaded advisories as one pure in-memory set: entries indexed by package name, the severity each
 * id is given, and the releases the entries cover. Ids are joined into vulnerabilities per package
 * (package-groups.ts), never across packages.
 */
import { checkLimit } from '../core/index.js';
import { type AdvisoryBatch, type AdvisoryEntry, batchSize } from './advisory.js';
import { maxSeverity, type Severity } from './severity.js';

/** Bounds on advisory input. */
export interface AdvisoryLimits {
  /** Most entries in one set. */
  readonly maxEntries: number;
  /** Largest advisory file or feed, in bytes (decompressed). */
  readonly maxFileBytes: number;
  /** Most files in a directory or archive of advisories. */
  readonly maxFiles: number;
  /**
   * Largest decompressed/compressed ratio of a gzip source (default ADVISORY_GZIP_RATIO): inflating
   * stops there, so a small bomb never grows to maxFileBytes.
   */
  readonly maxCompressionRatio?: number;
}

/** Real feeds (JSON, YAML, tarballs of them) inflate 5–30×; a bomb inflates ~1000×. */
export const ADVISORY_GZIP_RATIO = 200;

export const defaultAdvisoryLimits: AdvisoryLimits = {
  maxEntries: 5_000_000,
  maxFileBytes: 1024 * 1024 * 1024,
  maxFiles: 500_000,
};

/** The order ids are preferred in for display: CVE, then GHSA, then others, then CGA. */
function idRank(id: string): number {
  const c = id.charCodeAt(0);
  if (c === 67 /* C */ && id.charCodeAt(3) === 45 /* - */) {
    if (id.charCodeAt(1) === 86 && id.charCodeAt(2) === 69) return 0; // CVE-
    if (id.charCodeAt(1) === 71 && id.charCodeAt(2) === 65) return 3; // CGA-
  }
  if (c === 71 /* G */ && id.startsWith('GHSA-')) return 1;
  return 2;
}

export function compareIds(a: string, b: string): number {
  return idRank(a) - idRank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** One loaded source, as reports name it. */
export interface AdvisorySourceInfo {
  /** As the user gave it (a path or URL). */
  readonly name: string;
  /** Formats found in it (`secdb`, `osv`, `advisory yaml`, `debian tracker`). */
  readonly formats: readonly string[];
  readonly entries: number;
  /**
   * Its date (ISO 8601, UTC): the latest timestamp the data carries (OSV `modified`, advisory
   * events), else when the file was last changed or the feed downloaded; '' when unknown.
   */
  readonly date: string;
}

export class AdvisorySet {
  #byPackage = new Map<string, AdvisoryEntry[]>();
  /** Packed entries not made yet, by package (compiled sources). */
  #lazy = new Map<string, Array<() => AdvisoryEntry[]>>();
  #severity = new Map<string, { severity: Severity; cvss: string }>();
  /** `distro\0branch` of every entry, for what the set covers. */
  #releases = new Set<string>();
  #size = 0;
  #sources: AdvisorySourceInfo[] = [];

  private constructor() {}

  /** Joins batches into one set (bounded by `limits.maxEntries`). */
  static from(
    batches: Iterable<AdvisoryBatch>,
    limits: AdvisoryLimits = defaultAdvisoryLimits,
    sources: readonly AdvisorySourceInfo[] = [],
  ): AdvisorySet {
    const set = new AdvisorySet();
    set.#sources = [...sources];
    for (const b of batches) {
      set.#size += batchSize(b);
      checkLimit('advisory entries', set.#size, limits.maxEntries);
      if (b.lazy) {
        for (const r of b.lazy.releases) set.#releases.add(r);
        for (const [name, make] of b.lazy.packages) {
          const l = set.#lazy.get(name);
          if (l) l.push(make);
          else set.#lazy.set(name, [make]);
        }
      }
      for (const e of b.entries) {
        const forPackage = set.#byPackage.get(e.package);
        if (forPackage) forPackage.push(e);
        else set.#byPackage.set(e.package, [e]);
        set.#releases.add(`${e.distro}\0${e.branch}`);
        if (e.severity !== 'Unknown') set.#noteSeverity(e.id, e.severity, e.cvss);
      }
      for (const [id, sev] of b.severities) set.#noteSeverity(id, sev.severity, sev.cvss);
    }
    return set;
  }

  #noteSeverity(id: string, severity: Severity, cvss: string): void {
    const cur = this.#severity.get(id);
    if (!cur || maxSeverity(cur.severity, severity) !== cur.severity) this.#severity.set(id, { severity, cvss });
  }

  /** The sources the set was loaded from (empty when built from batches directly). */
  get sources(): readonly AdvisorySourceInfo[] {
    return this.#sources;
  }

  /** Number of entries. */
  get size(): number {
    return this.#size;
  }

  /** Entries filed against this package name (none: an empty list). */
  byPackage(name: string): readonly AdvisoryEntry[] {
    const lazy = this.#lazy.get(name);
    if (lazy) {
      this.#lazy.delete(name);
      const made = lazy.flatMap((make) => make());
      for (const e of made) if (e.severity !== 'Unknown') this.#noteSeverity(e.id, e.severity, e.cvss);
      const list = this.#byPackage.get(name);
      if (list) list.push(...made);
      else this.#byPackage.set(name, made);
    }
    return this.#byPackage.get(name) ?? [];
  }

  /** Package names with entries, sorted. */
  packageNames(): string[] {
    return [...new Set([...this.#byPackage.keys(), ...this.#lazy.keys()])].sort();
  }

  /** The (distro, release) pairs the entries are for ('' when a source does not say). */
  releases(): Array<{ readonly distro: AdvisoryEntry['distro']; readonly branch: string }> {
    return [...this.#releases].sort().map((k) => {
      const [distro, branch] = k.split('\0') as [AdvisoryEntry['distro'], string];
      return { distro, branch };
    });
  }

  /** Whether any entry is one a distro accepts (`accepts` from distroAccepts). */
  covers(accepts: (e: Pick<AdvisoryEntry, 'distro' | 'branch'>) => boolean): boolean {
    return this.releases().some(accepts);
  }

  /** The highest severity any record gives one of these ids (or the given entries carry). */
  severityOfIds(
    ids: readonly string[],
    entries: readonly AdvisoryEntry[] = [],
  ): { readonly severity: Severity; readonly cvss: string } {
    let best: { severity: Severity; cvss: string } = { severity: 'Unknown', cvss: '' };
    const consider = (s: { severity: Severity; cvss: string }) => {
      if (maxSeverity(best.severity, s.severity) !== best.severity) best = s;
    };
    for (const id of ids) {
      const s = this.#severity.get(id);
      if (s) consider(s);
    }
    for (const e of entries) if (e.severity !== 'Unknown') consider({ severity: e.severity, cvss: e.cvss });
    return best;
  }
}
