/** What the distro commands share: a recipe tree compiled for one arch. */
import { join } from 'node:path';
import { loadDistroTree } from '../../../distro/index.js';
import { type CompiledRecipe, compileForBuild } from '../../../pkg/index.js';

/** The tree's recipes, compiled (skipped ones left out), in file order. */
export async function compileTree(
  dir: string,
  arch: string,
  only: readonly string[],
  warn: (line: string) => void,
): Promise<CompiledRecipe[]> {
  const tree = await loadDistroTree(dir, { arch });
  const out: CompiledRecipe[] = [];
  const logger = { info: () => {}, debug: () => {}, warn };
  for (const node of tree.nodes) {
    if (only.length > 0 && !only.includes(node.name)) continue;
    const c = await compileForBuild(node.file, { arch, pipelineDirs: [join(tree.dir, 'pipelines')] }, logger);
    if ('recipe' in c) out.push(c.recipe);
  }
  return out;
}
