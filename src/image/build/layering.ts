/**
 * `layering: {strategy: origin, budget: N}` (spec §3): packages grouped by origin (a package and
 * the packages it replaces share a group), the `budget - 1` largest groups by installed size each
 * get a layer (in install order of their first package), the remaining packages share one overflow
 * layer, and everything no package owns (the build's own files) goes in a top layer. Pure.
 */
import type { RootEntry } from './layer-tar.js';
import type { ImagePackage } from './types.js';

export interface LayerPlan {
  /** Bottom first; each a subset of the root's entries in layer order, with the directories they need. */
  readonly layers: readonly (readonly RootEntry[])[];
}

function parents(path: string): string[] {
  const out: string[] = [];
  let i = path.indexOf('/');
  while (i >= 0) {
    out.push(path.slice(0, i));
    i = path.indexOf('/', i + 1);
  }
  return out;
}

export function planLayers(
  entries: readonly RootEntry[],
  packages: readonly ImagePackage[],
  owned: ReadonlyMap<string, readonly string[]>,
  budget: number | undefined,
): LayerPlan {
  if (budget === undefined || budget <= 1) return { layers: [entries] };
  // Union-find over origins, merged through replaces.
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== undefined && parent.get(r) !== r) r = parent.get(r) as string;
    parent.set(x, r);
    return r;
  };
  const originOf = new Map(packages.map((p) => [p.name, p.origin || p.name]));
  for (const p of packages) parent.set(p.origin || p.name, p.origin || p.name);
  for (const p of packages) {
    for (const r of p.replaces) {
      const other = originOf.get(r.replace(/[<>=~].*$/, ''));
      if (other !== undefined) {
        const a = find(p.origin || p.name);
        const b = find(other);
        const [lo, hi] = a < b ? [a, b] : [b, a];
        if (lo !== hi) parent.set(hi, lo);
      }
    }
  }
  const groups = new Map<string, { first: number; size: number; names: string[] }>();
  packages.forEach((p, i) => {
    const g = find(p.origin || p.name);
    const cur = groups.get(g) ?? { first: i, size: 0, names: [] };
    cur.size += p.installedSize;
    cur.names.push(p.name);
    groups.set(g, cur);
  });
  const bySize = [...groups.entries()].sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1));
  const own = bySize.slice(0, budget - 1).sort((a, b) => a[1].first - b[1].first);
  const rest = bySize.slice(budget - 1);
  const layerOfPath = new Map<string, number>();
  const assign = (names: readonly string[], layer: number) => {
    for (const n of names) for (const p of owned.get(n) ?? []) if (!layerOfPath.has(p)) layerOfPath.set(p, layer);
  };
  own.forEach(([, g], i) => {
    assign(g.names, i);
  });
  const overflow = rest.length > 0 ? own.length : -1;
  if (overflow >= 0)
    assign(
      rest.flatMap(([, g]) => g.names),
      overflow,
    );
  const top = own.length + (overflow >= 0 ? 1 : 0);
  const sets: Set<string>[] = Array.from({ length: top + 1 }, () => new Set<string>());
  for (const e of entries) {
    if (e.type === 'dir') continue;
    const l = layerOfPath.get(e.path) ?? top;
    const set = sets[l] as Set<string>;
    set.add(e.path);
    for (const d of parents(e.path)) set.add(d);
  }
  // Directories nothing else needs (empty ones) go where a package put them, else on top.
  for (const e of entries) {
    if (e.type !== 'dir' || sets.some((s) => s.has(e.path))) continue;
    const set = sets[layerOfPath.get(e.path) ?? top] as Set<string>;
    set.add(e.path);
    for (const d of parents(e.path)) set.add(d);
  }
  const layers = sets.map((s) => entries.filter((e) => s.has(e.path))).filter((l) => l.length > 0);
  return { layers };
}
