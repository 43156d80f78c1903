/**
 * The recipe graph (pure): nodes are recipes, an edge A → B means A needs a package B makes — to
 * build (environment packages and steps' `needs`), to test (test environments and `needs`) or at
 * run time (`dependencies.runtime`). Package names map to recipes through package and subpackage
 * names and `provides`. Virtual names (`so:`, `cmd:`, `pc:`) that no recipe declares come from the
 * bootstrap: SCA finds them in the stage-0 packages, so they point at every host-runner recipe.
 */
import { LupineError } from '../core/index.js';
import type { RecipeNode } from './recipe-node.js';

export type EdgeKind = 'build' | 'test' | 'runtime';

/** Why one recipe depends on another: the package it needs and for what. */
export interface EdgeReason {
  readonly kind: EdgeKind;
  readonly package: string;
}

export interface RecipeGraph {
  readonly nodes: ReadonlyMap<string, RecipeNode>;
  /** Recipe → the recipes it depends on (sorted), each with the reasons. */
  readonly deps: ReadonlyMap<string, ReadonlyMap<string, readonly EdgeReason[]>>;
  /** Recipe → the recipes that depend on it directly (sorted). */
  readonly dependents: ReadonlyMap<string, readonly string[]>;
  /** A topological order: every recipe after all of its dependencies; ties by name. */
  readonly order: readonly string[];
  /** Package name (made or provided) → the recipe that makes it. */
  readonly makers: ReadonlyMap<string, string>;
}

const isVirtual = (name: string) => name.includes(':');

function makersOf(nodes: readonly RecipeNode[]): Map<string, string> {
  const makers = new Map<string, string>();
  const duplicates: string[] = [];
  for (const n of nodes) {
    for (const p of n.packages) {
      const other = makers.get(p);
      if (other !== undefined && other !== n.name) duplicates.push(`${p} (${other} and ${n.name})`);
      makers.set(p, n.name);
    }
  }
  if (duplicates.length > 0) {
    throw new LupineError('DISTRO_DUPLICATE_PACKAGE', `more than one recipe makes ${duplicates.join(', ')}`, {
      details: { duplicates },
      hint: 'each package name must be made by exactly one recipe',
    });
  }
  // provides come second: a real package name wins over another recipe's provides.
  for (const n of nodes) for (const p of n.provides) if (!makers.has(p)) makers.set(p, n.name);
  return makers;
}

/** The first cycle met walking the recipes in name order, as a closed path `[a, b, …, a]`. */
export function findCycle(deps: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[] | undefined {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'active');
    stack.push(n);
    for (const d of deps.get(n)?.keys() ?? []) {
      const s = state.get(d);
      if (s === 'active') return [...stack.slice(stack.indexOf(d)), d];
      if (s === undefined) {
        const c = visit(d);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of [...deps.keys()].sort()) {
    if (state.has(n)) continue;
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

function topoOrder(deps: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[] {
  const remaining = new Map<string, number>();
  const users = new Map<string, string[]>();
  for (const [n, ds] of deps) {
    remaining.set(n, ds.size);
    for (const d of ds.keys()) users.set(d, [...(users.get(d) ?? []), n]);
  }
  const ready = [...remaining].filter(([, c]) => c === 0).map(([n]) => n);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort();
    const n = ready.shift() as string;
    order.push(n);
    for (const u of users.get(n) ?? []) {
      const c = (remaining.get(u) ?? 0) - 1;
      remaining.set(u, c);
      if (c === 0) ready.push(u);
    }
  }
  return order;
}

/** Builds the graph; DISTRO_UNKNOWN_PACKAGE lists every name no recipe makes, DISTRO_CYCLE names a cycle. */
export function buildGraph(nodes: readonly RecipeNode[]): RecipeGraph {
  const byName = new Map<string, RecipeNode>();
  for (const n of [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) byName.set(n.name, n);
  const makers = makersOf([...byName.values()]);
  const bootstrap = [...byName.values()].filter((n) => n.runner === 'host').map((n) => n.name);
  const unknown: string[] = [];
  const deps = new Map<string, Map<string, EdgeReason[]>>();
  for (const n of byName.values()) {
    const edges = new Map<string, EdgeReason[]>();
    const add = (to: string, reason: EdgeReason) => {
      if (to === n.name) return; // a recipe may build against its own earlier version
      edges.set(to, [...(edges.get(to) ?? []), reason]);
    };
    const need = (kind: EdgeKind, pkg: string) => {
      const maker = makers.get(pkg);
      if (maker !== undefined) add(maker, { kind, package: pkg });
      else if (isVirtual(pkg)) {
        // made by SCA from the bootstrap; a bootstrap recipe does not order itself by them.
        if (n.runner !== 'host') for (const b of bootstrap) add(b, { kind, package: pkg });
      } else unknown.push(`${pkg} (${kind} of ${n.name})`);
    };
    for (const p of n.buildNeeds) need('build', p);
    for (const p of n.testNeeds) need('test', p);
    for (const p of n.runtimeNeeds) need('runtime', p);
    deps.set(n.name, new Map([...edges].sort(([a], [b]) => (a < b ? -1 : 1))));
  }
  if (unknown.length > 0) {
    throw new LupineError('DISTRO_UNKNOWN_PACKAGE', `no recipe makes ${unknown.join(', ')}`, {
      details: { unknown },
      hint: 'add a recipe that makes it (or provides it), or fix the name',
    });
  }
  const cycle = findCycle(deps);
  if (cycle) {
    const steps = cycle.slice(0, -1).map((from, i) => {
      const to = cycle[i + 1] as string;
      const why = deps.get(from)?.get(to)?.[0];
      return why ? `${from} needs ${why.package} (${why.kind}) from ${to}` : `${from} → ${to}`;
    });
    throw new LupineError('DISTRO_CYCLE', `dependency cycle: ${cycle.join(' → ')}`, {
      details: { cycle, steps },
      hint: `break the cycle: ${steps.join('; ')}`,
    });
  }
  const dependents = new Map<string, string[]>([...byName.keys()].map((n) => [n, []]));
  for (const [n, ds] of deps) for (const d of ds.keys()) dependents.get(d)?.push(n);
  for (const list of dependents.values()) list.sort();
  return { nodes: byName, deps, dependents, order: topoOrder(deps), makers };
}

/** `names` and every recipe that depends on one of them, directly or not. */
export function withDependents(graph: RecipeGraph, names: Iterable<string>): Set<string> {
  return reach(names, (n) => graph.dependents.get(n) ?? []);
}

/** `names` and everything they depend on, directly or not. */
export function withDependencies(graph: RecipeGraph, names: Iterable<string>): Set<string> {
  return reach(names, (n) => graph.deps.get(n)?.keys() ?? []);
}

/** `names` and every name `next` leads to from them, directly or not. */
function reach(names: Iterable<string>, next: (name: string) => Iterable<string>): Set<string> {
  const out = new Set<string>();
  const queue = [...names];
  while (queue.length > 0) {
    const n = queue.shift() as string;
    if (out.has(n)) continue;
    out.add(n);
    queue.push(...next(n));
  }
  return out;
}

/** The recipe that makes a package name (recipe names, subpackage names and provides all work). */
export function recipeFor(graph: RecipeGraph, pkg: string): string | undefined {
  return graph.nodes.has(pkg) ? pkg : graph.makers.get(pkg);
}
