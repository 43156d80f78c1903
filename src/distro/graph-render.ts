/** Text and graphviz views of the recipe graph (pure). */
import type { RecipeGraph } from './graph.js';

/** One line per recipe in build order: `N. name-ver-rN [runner] <- deps`. */
export function renderOrder(graph: RecipeGraph): string {
  const lines = graph.order.map((name, i) => {
    const n = graph.nodes.get(name);
    const deps = [...(graph.deps.get(name)?.keys() ?? [])];
    const head = `${String(i + 1).padStart(3)}. ${name}-${n?.fullVersion ?? '?'}${n?.runner === 'host' ? ' [stage 0, host]' : ''}`;
    return deps.length > 0 ? `${head} <- ${deps.join(', ')}` : head;
  });
  return `${lines.join('\n')}\n`;
}

const q = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

/** `digraph distro { … }`: an edge from each recipe to what it needs, labelled with the kinds. */
export function renderGraphDot(graph: RecipeGraph): string {
  const out = ['digraph distro {', '  rankdir=LR;', '  node [shape=box];'];
  for (const name of graph.order) {
    const n = graph.nodes.get(name);
    const style = n?.runner === 'host' ? ', style=dashed' : '';
    out.push(`  ${q(name)} [label=${q(`${name}\\n${n?.fullVersion ?? ''}`)}${style}];`);
  }
  for (const name of graph.order) {
    for (const [to, reasons] of graph.deps.get(name) ?? []) {
      const kinds = [...new Set(reasons.map((r) => r.kind))].sort().join(',');
      out.push(`  ${q(name)} -> ${q(to)} [label=${q(kinds)}];`);
    }
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
