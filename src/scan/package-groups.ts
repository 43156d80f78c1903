/**
 * The vulnerabilities of one package (pure): the entries that apply to it joined through the ids and
 * aliases those entries carry — and only those, so one package's aliases never leak into another's.
 */
import type { AdvisoryEntry } from './advisory.js';
import { compareIds } from './advisory-set.js';

export interface PackageVulnerability {
  /** The preferred id (a CVE when one is known). */
  readonly id: string;
  /** Every other id of it, preferred first. */
  readonly aliases: readonly string[];
  readonly entries: readonly AdvisoryEntry[];
}

export function groupByVulnerability(entries: readonly AdvisoryEntry[]): PackageVulnerability[] {
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let root = id;
    for (let p = parent.get(root); p !== undefined && p !== root; p = parent.get(root)) root = p;
    if (!parent.has(root)) parent.set(root, root);
    for (let x = id; x !== root; ) {
      const next = parent.get(x) as string;
      parent.set(x, root);
      x = next;
    }
    return root;
  };
  for (const e of entries) {
    const a = find(e.id);
    for (const alias of e.aliases) {
      const b = find(alias);
      if (a !== b) parent.set(b, find(e.id));
    }
  }
  const byRoot = new Map<string, { ids: Set<string>; entries: AdvisoryEntry[] }>();
  for (const e of entries) {
    const r = find(e.id);
    let g = byRoot.get(r);
    if (!g) {
      g = { ids: new Set(), entries: [] };
      byRoot.set(r, g);
    }
    g.entries.push(e);
    g.ids.add(e.id);
    for (const a of e.aliases) g.ids.add(a);
  }
  const out: PackageVulnerability[] = [];
  for (const g of byRoot.values()) {
    const ids = [...g.ids].sort(compareIds);
    out.push({ id: ids[0] as string, aliases: ids.slice(1), entries: g.entries });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
