import { silentLogger } from '../../core/index.js';
import { commandProviders, docDeps, perlDeps, pkgConfigDeps, pythonDeps, rubyDeps, shebangDeps } from './generators.js';
import { kernelDeps } from './kernel.js';
import { TreeView } from './package-tree.js';
import type { ScaContext, ScaFindings, ScaInput, ScaResult } from './sca-types.js';
import { ldSoConfDirs, sharedObjectDeps } from './shlib.js';

/** Go's slices.Compact(slices.Sorted(...)): bytewise order, duplicates dropped. */
export function sortedUnique(values: readonly string[]): string[] {
  const out = [...values].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return out.filter((v, i) => i === 0 || v !== out[i - 1]);
}

/**
 * melange's sca.Analyze: shared objects (interpreter, NEEDED, SONAME, Go FIPS settings), commands,
 * -doc depends, pkg-config, perl, python, ruby, shebangs and kernels; then sorted and de-duplicated, and the options
 * applied (no-commands drops `cmd:` entries, no-depends clears depends, no-provides clears
 * provides). Files that look like ELF but do not parse are skipped with a warning, as melange does.
 */
export async function analyzePackage(input: ScaInput): Promise<ScaResult> {
  const tree = new TreeView(input.tree);
  const related = (input.related ?? [input.tree]).map((t) => (t === input.tree ? tree : new TreeView(t)));
  const options = input.options ?? {};
  const ctx: ScaContext = {
    tree,
    related,
    options,
    declaredRuntime: input.declaredRuntime ?? [],
    providers: input.providers,
    logger: input.logger ?? silentLogger,
  };
  const found: ScaFindings = { runtime: [], provides: [], vendored: [] };
  const extraLibDirs = await ldSoConfDirs(related);
  await sharedObjectDeps(ctx, extraLibDirs, found);
  commandProviders(ctx, found);
  docDeps(ctx, found);
  await pkgConfigDeps(ctx, found);
  perlDeps(ctx, found);
  pythonDeps(ctx, found);
  rubyDeps(ctx, found);
  await shebangDeps(ctx, found);
  await kernelDeps(ctx, found);

  let runtime = sortedUnique(found.runtime);
  let provides = sortedUnique(found.provides);
  const vendored = sortedUnique(found.vendored);
  if (options.noCommands) {
    provides = provides.filter((p) => !p.startsWith('cmd:'));
    runtime = runtime.filter((p) => !p.startsWith('cmd:'));
  }
  if (options.noDepends) runtime = [];
  if (options.noProvides) provides = [];
  return { runtime, provides, vendored };
}

/**
 * melange's removeSelfProvidedDeps: drops depends whose name something in `provided` provides.
 * Like melange, a `so-ver:X>=V` depend is compared (and kept) without its `>=V`.
 */
export function removeSelfProvided(runtime: readonly string[], provided: readonly string[]): string[] {
  const names = new Set(provided.map((p) => p.split('=')[0] as string));
  const out: string[] = [];
  for (let dep of runtime) {
    if (dep.startsWith('so-ver:')) dep = dep.split('>=')[0] as string;
    if (!names.has(dep)) out.push(dep);
  }
  return out;
}

export interface DeclaredDependencies {
  readonly runtime?: readonly string[];
  readonly provides?: readonly string[];
}

/** The package's final depends / provides / vendored, as melange's GenerateDependencies merges them. */
export function mergeDependencies(declared: DeclaredDependencies, generated: ScaResult): ScaResult {
  const unvendored = removeSelfProvided(generated.runtime, generated.vendored);
  let runtime = sortedUnique([...(declared.runtime ?? []), ...unvendored]);
  const provides = sortedUnique([...(declared.provides ?? []), ...generated.provides]);
  runtime = removeSelfProvided(runtime, provides);
  return { runtime, provides, vendored: sortedUnique(generated.vendored) };
}

/** analyzePackage, then mergeDependencies with the declared dependencies. */
export async function generateDependencies(
  input: ScaInput & { readonly declared?: DeclaredDependencies },
): Promise<ScaResult> {
  const generated = await analyzePackage(input);
  const declared = input.declared ?? { runtime: input.declaredRuntime ?? [] };
  return mergeDependencies(declared, generated);
}
