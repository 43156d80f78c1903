/**
 * All loaded advisories as one pure in-memory set: entries indexed by package name, ids joined into
 * vulnerabilities through the aliases the records declare, severities shared across a vulnerability.
 */
import { checkLimit } from '../core/index.js';
import type { AdvisoryBatch, AdvisoryEntry } from './advisory.js';
import { maxSeverity, type Severity } from './severity.js';

/** Bounds on advisory input. */
export interface AdvisoryLimits {
  /** Most entries in one set. */
  readonly maxEntries: number;
  /** Largest advisory file or feed, in bytes (decompressed). */
  readonly maxFileBytes: number;
  /** Most files in a directory or archive of advisories. */
  readonly maxFiles: number;
}

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

export class AdvisorySet {
  #byPackage = new Map<string, AdvisoryEntry[]>();
  #parent = new Map<string, string>();
  #members = new Map<string, string[]>();
  #severity = new Map<string, { severity: Severity; cvss: string }>();
  #size = 0;

  private constructor() {}

  /** Joins batches into one set (bounded by `limits.maxEntries`). */
  static from(batches: Iterable<AdvisoryBatch>, limits: AdvisoryLimits = defaultAdvisoryLimits): AdvisorySet {
    const set = new AdvisorySet();
    const list = [...batches];
    for (const b of list) {
      set.#size += b.entries.length;
      checkLimit('advisory entries', set.#size, limits.maxEntries);
      for (const e of b.entries) {
        const forPackage = set.#byPackage.get(e.package);
        if (forPackage) forPackage.push(e);
        else set.#byPackage.set(e.package, [e]);
        if (e.aliases.length > 0) set.#union(e.id, ...e.aliases);
      }
      for (const g of b.aliasGroups) set.#union(...g);
    }
    // Severities once every alias is known (loops, not spreads: feeds hold 100k+ records).
    for (const b of list) {
      for (const e of b.entries) if (e.severity !== 'Unknown') set.#noteSeverity(e.id, e.severity, e.cvss);
      for (const [id, sev] of b.severities) set.#noteSeverity(id, sev.severity, sev.cvss);
    }
    for (const m of set.#members.values()) m.sort(compareIds);
    return set;
  }

  #noteSeverity(id: string, severity: Severity, cvss: string): void {
    const key = this.#parent.has(id) ? this.#find(id) : id;
    const cur = this.#severity.get(key);
    if (!cur || maxSeverity(cur.severity, severity) !== cur.severity) this.#severity.set(key, { severity, cvss });
  }

  #find(id: string): string {
    let p = this.#parent.get(id);
    if (p === undefined) {
      this.#parent.set(id, id);
      return id;
    }
    let x = id;
    while (p !== x) {
      const gp = this.#parent.get(p) as string;
      this.#parent.set(x, gp);
      x = p;
      p = gp;
    }
    return x;
  }

  #union(...ids: string[]): void {
    const [first, ...rest] = ids;
    if (first === undefined) return;
    let root = this.#find(first);
    for (const id of rest) {
      const r = this.#find(id);
      if (r === root) continue;
      // Keep the preferred display id as the root, so `vulnerabilityOf` is a lookup.
      const [keep, drop] = compareIds(r, root) < 0 ? [r, root] : [root, r];
      this.#parent.set(drop, keep);
      const kept = this.#members.get(keep) ?? [keep];
      const dropped = this.#members.get(drop) ?? [drop];
      for (const x of dropped) kept.push(x);
      this.#members.set(keep, kept);
      this.#members.delete(drop);
      root = keep;
    }
  }

  /** Number of entries. */
  get size(): number {
    return this.#size;
  }

  /** Entries filed against this package name (none: an empty list). */
  byPackage(name: string): readonly AdvisoryEntry[] {
    return this.#byPackage.get(name) ?? [];
  }

  /** Package names with entries, sorted. */
  packageNames(): string[] {
    return [...this.#byPackage.keys()].sort();
  }

  /** The vulnerability an id belongs to, named by its preferred id (a CVE when one is known). */
  vulnerabilityOf(id: string): string {
    if (!this.#parent.has(id)) return id;
    let x = id;
    for (let p = this.#parent.get(x) as string; p !== x; p = this.#parent.get(x) as string) x = p;
    return x;
  }

  /** Every id of a vulnerability, preferred first. */
  idsOf(vulnerability: string): readonly string[] {
    return this.#members.get(this.vulnerabilityOf(vulnerability)) ?? [vulnerability];
  }

  /** The highest severity any record gives the vulnerability. */
  severityOf(vulnerability: string): { readonly severity: Severity; readonly cvss: string } {
    return this.#severity.get(this.vulnerabilityOf(vulnerability)) ?? { severity: 'Unknown', cvss: '' };
  }
}
