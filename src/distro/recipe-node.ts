/**
 * A recipe as the distro graph sees it: what it builds, what it needs to build and test, and what
 * its packages need at run time. Made from a compiled recipe (pure) so that the graph never reads files.
 */
import type { CompiledRecipe } from '../pkg/index.js';

/** How a recipe is built: `host` (stage 0, the unhermetic bootstrap) or `bubblewrap` (hermetic). */
export type RecipeRunner = 'host' | 'bubblewrap';

/** The package annotation a recipe uses to ask for the host runner. */
export const RUNNER_ANNOTATION = 'dev.lupine.runner';

export interface RecipeNode {
  /** The main package's name; also the recipe's name in the graph. */
  readonly name: string;
  /** `version-rN`. */
  readonly fullVersion: string;
  /** The recipe file. */
  readonly file: string;
  readonly runner: RecipeRunner;
  /** Every package the recipe makes (main package first, then subpackages). */
  readonly packages: readonly string[];
  /** Names the packages provide (`provides:` entries, without versions). */
  readonly provides: readonly string[];
  /** Package names the build guest needs (environment packages, steps' `needs` merged in). */
  readonly buildNeeds: readonly string[];
  /** Package names the test guests need (test environments and their `needs`). */
  readonly testNeeds: readonly string[];
  /** Package names the packages need at run time (`dependencies.runtime`). */
  readonly runtimeNeeds: readonly string[];
}

/** The name part of an apk constraint: `go>1.21` → `go`, `foo=~4.5` → `foo`, `pkg@tag` → `pkg`. */
export function constraintName(constraint: string): string {
  const s = constraint.trim().replace(/^!/, '');
  const m = /^[^<>=~@ ]+/.exec(s);
  return m ? m[0] : s;
}

const names = (list: readonly string[]) =>
  [...new Set(list.filter((c) => !c.trim().startsWith('!')).map(constraintName))].sort();

export function nodeFromCompiled(recipe: CompiledRecipe): RecipeNode {
  const main = recipe.packages[0];
  const runner = main?.annotations[RUNNER_ANNOTATION] === 'host' ? 'host' : 'bubblewrap';
  const tests: string[] = [];
  const runtime: string[] = [];
  const provides: string[] = [];
  for (const p of recipe.packages) {
    if (p.test) tests.push(...p.test.environment.packages);
    runtime.push(...p.dependencies.runtime);
    provides.push(...p.dependencies.provides);
  }
  return {
    name: recipe.name,
    fullVersion: recipe.fullVersion,
    file: recipe.file,
    runner,
    packages: recipe.packages.map((p) => p.name),
    provides: names(provides),
    buildNeeds: names(recipe.environment.packages),
    testNeeds: names(tests),
    runtimeNeeds: names(runtime),
  };
}
