/**
 * Reads a recipe tree: every `*.yaml` directly in the directory is a recipe (compiled for one
 * architecture; `pipelines/` beside them is searched for `uses` first), with the hashes of its
 * inputs. Every problem in every recipe is reported at once (DISTRO_RECIPE_INVALID).
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { asInputRead, type Diagnostic, hasErrors, LupineError, renderDiagnostics } from '../core/index.js';
import { type CompiledRecipe, compileLoadedRecipe, loadRecipe } from '../pkg/index.js';
import { hashRecipeInputs } from './hash-inputs.js';
import { installedHostPackages } from './host-packages.js';
import { nodeFromCompiled, type RecipeNode } from './recipe-node.js';
import type { RecipeInputs } from './state.js';

export interface DistroTree {
  readonly dir: string;
  readonly nodes: readonly RecipeNode[];
  readonly recipes: ReadonlyMap<string, CompiledRecipe>;
  readonly inputs: ReadonlyMap<string, RecipeInputs>;
  /** Recipes skipped for this architecture (target-architecture), with why. */
  readonly skipped: ReadonlyMap<string, string>;
}

export interface LoadTreeOptions {
  readonly arch: string;
  readonly pipelineDirs?: readonly string[];
}

/** The recipe files of a tree, sorted. */
export async function recipeFiles(dir: string): Promise<string[]> {
  const entries = await asInputRead(dir, 'recipe tree', () => readdir(dir, { withFileTypes: true }));
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}

export async function loadDistroTree(dir: string, options: LoadTreeOptions): Promise<DistroTree> {
  const root = resolve(dir);
  const own = join(root, 'pipelines');
  const hasOwn = await stat(own).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const pipelineDirs = [...(hasOwn ? [own] : []), ...(options.pipelineDirs ?? [])];
  const nodes: RecipeNode[] = [];
  const recipes = new Map<string, CompiledRecipe>();
  const inputs = new Map<string, RecipeInputs>();
  const skipped = new Map<string, string>();
  const problems: Diagnostic[] = [];
  for (const file of await recipeFiles(root)) {
    const loaded = await loadRecipe(file, { pipelineDirs });
    const r = compileLoadedRecipe(loaded, options.arch);
    if (hasErrors(r.diagnostics)) {
      problems.push(...r.diagnostics.filter((d) => d.severity === 'error'));
      continue;
    }
    if (r.skipped !== undefined) {
      skipped.set(file, r.skipped);
      continue;
    }
    if (!r.recipe) continue;
    const node = nodeFromCompiled(r.recipe);
    nodes.push(node);
    recipes.set(node.name, r.recipe);
    const hashed = await hashRecipeInputs(file);
    const host = node.runner === 'host' ? await installedHostPackages(r.recipe) : '';
    inputs.set(node.name, host ? { ...hashed, hostPackages: host } : hashed);
  }
  if (problems.length > 0) {
    throw new LupineError('DISTRO_RECIPE_INVALID', `recipe problems in ${dir}:\n${renderDiagnostics(problems)}`, {
      details: { diagnostics: problems },
      hint: "fix them; 'lupine pkg compile FILE' shows one recipe's problems",
    });
  }
  return { dir: root, nodes, recipes, inputs, skipped };
}
