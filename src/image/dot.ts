/**
 * `dot` output (pure): the resolved dependency graph as a graphviz digraph, shaped like apko's —
 * the config points at each requested package, a constraint (`foo=1.2`, `foo~1`) at its package,
 * each package (labelled `name-version`) at the names it depends on, and a provided name that
 * something depends on (`so:libc.so.6`, `cmd:sh`) at its provider, drawn as a box.
 */
import { type PackageInfo, tryParseDependency } from '../apk/index.js';

export interface DotOptions {
  /** apko `-S`: draw an edge to each name only once (something like a spanning tree). */
  readonly spanningTree?: boolean;
}

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** The name a dependency or provide string is about (`so:libc.so.6=1` → `so:libc.so.6`, `!foo` → `foo`). */
function nameOf(s: string): string {
  const d = tryParseDependency(s);
  return d ? d.name : (s.replace(/^!/, '').split(/[<>=~]/)[0] ?? s);
}

export function renderDot(
  configName: string,
  world: readonly string[],
  packages: readonly PackageInfo[],
  options: DotOptions = {},
): string {
  const nodes = new Map<string, string[]>();
  const edges: string[] = [];
  const seenEdges = new Set<string>();
  const node = (id: string, attrs: string[] = []) => {
    const have = nodes.get(id);
    if (!have) nodes.set(id, [...attrs]);
    else for (const a of attrs) if (!have.includes(a)) have.push(a);
  };
  const edge = (from: string, to: string) => {
    const key = `${from}\u0000${to}`;
    if (seenEdges.has(key)) return;
    seenEdges.add(key);
    edges.push(`  ${q(from)} -> ${q(to)};`);
  };

  node(configName, ['shape=note']);
  const depended = new Set<string>();
  for (const w of world) {
    node(w);
    edge(configName, w);
    const name = nameOf(w);
    if (name !== w) {
      node(name);
      edge(w, name);
    }
    depended.add(name);
  }
  const spanned = new Set<string>();
  for (const p of packages) {
    node(p.name, [`label=${q(`${p.name}-${p.version}`)}`, ...(p.description ? [`tooltip=${q(p.description)}`] : [])]);
    for (const d of p.depends) {
      if (d.startsWith('!')) continue;
      const dep = nameOf(d);
      node(dep);
      depended.add(dep);
      if (dep === p.name || (options.spanningTree && spanned.has(dep))) continue;
      edge(p.name, dep);
      spanned.add(dep);
    }
  }
  for (const p of packages) {
    for (const prov of p.provides) {
      const name = nameOf(prov);
      if (!depended.has(name) || name === p.name) continue;
      node(name, ['shape=rect']);
      if (options.spanningTree && spanned.has(`provider:${name}`)) continue;
      edge(name, p.name);
      spanned.add(`provider:${name}`);
    }
  }
  const lines = ['digraph images {', '  rankdir=LR;'];
  for (const [id, attrs] of nodes) lines.push(`  ${q(id)}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  lines.push(...edges, '}');
  return `${lines.join('\n')}\n`;
}
