/**
 * After the steps: each (sub)package's output tree is read, analysed (SCA) and linted, its
 * capabilities, scriptlets, SBOM and `.PKGINFO` added, and made into signed .apk bytes. Nothing is
 * written here: the caller writes the packages once every one of them passed.
 */
import type { ScriptName, SigningKey, TreeEntry } from '../../apk/index.js';
import { type Logger, LupineError } from '../../core/index.js';
import type { PackageRecipe } from '../../sbom/index.js';
import type { CompiledPackage, CompiledRecipe, Scriptlets } from '../config/types.js';
import { assertLintPassed, type LintReport, lintPackage } from '../lint/lint.js';
import { generateDependencies } from '../sca/analyze.js';
import { type PackageTree, treeFromEntries } from '../sca/package-tree.js';
import { packageBytes } from './package-bytes.js';
import { readOutputTree } from './read-outputs.js';
import { collectSources, packageSbom, sbomPath } from './sbom.js';
import { setcapXattrs } from './setcap.js';
import { flattenSteps } from './steps.js';

export interface OutputContext {
  readonly recipe: CompiledRecipe;
  /** Host directory of each package's `melange-out/<name>`. */
  readonly outDir: (name: string) => string;
  /** The workspace holding every `melange-out/<name>`: outputs are read only from inside it. */
  readonly workspace: string;
  readonly namespace: string;
  readonly sourceDateEpoch: number;
  readonly commit: string;
  readonly recipeRef?: PackageRecipe;
  readonly melangeYaml: string;
  readonly signingKey?: SigningKey;
  readonly toolVersion: string;
  readonly logger: Logger;
  /** The largest single output file packed (default: read-outputs' DEFAULT_MAX_OUTPUT_FILE_BYTES). */
  readonly maxOutputFileBytes?: number;
}

export interface PreparedPackage {
  readonly name: string;
  readonly version: string;
  readonly bytes: Buffer;
  readonly identity: string;
  readonly depends: readonly string[];
  readonly provides: readonly string[];
  readonly pkginfo: string;
}

const SCRIPTLETS: ReadonlyArray<readonly [keyof Omit<Scriptlets, 'trigger'>, ScriptName]> = [
  ['preInstall', 'pre-install'],
  ['postInstall', 'post-install'],
  ['preUpgrade', 'pre-upgrade'],
  ['postUpgrade', 'post-upgrade'],
  ['preDeinstall', 'pre-deinstall'],
  ['postDeinstall', 'post-deinstall'],
];

export function scriptsOf(s: Scriptlets): Partial<Record<ScriptName, string>> {
  const out: Partial<Record<ScriptName, string>> = {};
  for (const [key, name] of SCRIPTLETS) {
    const body = s[key];
    if (body !== undefined) out[name] = body;
  }
  if (s.trigger) out.trigger = s.trigger.script;
  return out;
}

/** The recipe's licenses as one SPDX expression (melange joins copyright entries with AND). */
export function licenseExpression(recipe: CompiledRecipe): string {
  const ls = recipe.copyright.map((c) => c.license).filter((l) => l !== '');
  return ls.length <= 1 ? (ls[0] ?? '') : ls.map((l) => (/\s/.test(l) ? `(${l})` : l)).join(' AND ');
}

function withXattrs(entries: readonly TreeEntry[], p: CompiledPackage): TreeEntry[] {
  const caps = setcapXattrs(p.setcap);
  const out = entries.map((e) => {
    const x = caps.get(e.path);
    if (x === undefined) return e;
    caps.delete(e.path);
    return { ...e, xattrs: { ...(e.xattrs ?? {}), ...x } };
  });
  const missing = [...caps.keys()];
  if (missing.length > 0) {
    throw new LupineError(
      'BUILD_CONFIG_VALUE',
      `${p.name}: setcap names paths the package does not hold: ${missing.map((m) => `/${m}`).join(', ')}`,
      {
        details: { package: p.name, paths: missing },
        hint: 'setcap paths are absolute paths inside the package',
      },
    );
  }
  return out;
}

export async function preparePackages(ctx: OutputContext): Promise<PreparedPackage[]> {
  const { recipe } = ctx;
  const maxFile = ctx.maxOutputFileBytes === undefined ? {} : { maxFileBytes: ctx.maxOutputFileBytes };
  const read = await Promise.all(
    recipe.packages.map((p) => readOutputTree(ctx.outDir(p.name), ctx.workspace, maxFile)),
  );
  const trees: PackageTree[] = recipe.packages.map((p, i) =>
    treeFromEntries(p.name, recipe.fullVersion, read[i] ?? []),
  );
  const sources = collectSources(recipe.packages[0]?.pipeline ?? []);
  const license = licenseExpression(recipe);
  const analysed = await analyseOutputs(ctx, trees, read);
  return analysed.map((a) => packOutput(ctx, a, sources, license));
}

/** One output analysed: its recipe package, generated dependencies and files. */
interface AnalysedOutput {
  readonly p: CompiledPackage;
  readonly deps: Awaited<ReturnType<typeof generateDependencies>>;
  readonly entries: readonly TreeEntry[];
}

/** Phase: every output's dependencies generated and its linters run; a failed linter stops the build. */
async function analyseOutputs(
  ctx: OutputContext,
  trees: readonly PackageTree[],
  read: readonly (readonly TreeEntry[])[],
): Promise<AnalysedOutput[]> {
  const { recipe } = ctx;
  const reports: LintReport[] = [];
  const analysed: AnalysedOutput[] = [];
  for (const [i, p] of recipe.packages.entries()) {
    const tree = trees[i] as PackageTree;
    const deps = await generateDependencies({
      tree,
      related: trees,
      options: p.options,
      declaredRuntime: p.dependencies.runtime,
      declared: { runtime: p.dependencies.runtime, provides: p.dependencies.provides },
      logger: ctx.logger,
    });
    const testUses = flattenSteps(p.test?.pipeline ?? []).flatMap((s) => (s.uses ? [s.uses] : []));
    reports.push(
      await lintPackage({
        tree,
        checks: { enabled: p.checksEnabled, disabled: p.checksDisabled },
        testUses,
        logger: ctx.logger,
      }),
    );
    analysed.push({ p, deps, entries: read[i] ?? [] });
  }
  for (const r of reports) assertLintPassed(r);

  return analysed;
}

/** What an output's SBOM and its `.PKGINFO` both say it is. */
function outputFacts(ctx: OutputContext, p: CompiledPackage) {
  const { recipe } = ctx;
  return {
    name: p.name,
    version: recipe.fullVersion,
    arch: recipe.arch,
    origin: recipe.name,
    description: p.description ?? '',
    url: p.url ?? '',
    commit: ctx.commit,
  };
}

/** Phase: one output's SBOM written into it, then the signed .apk made. */
function packOutput(
  ctx: OutputContext,
  { p, deps, entries }: AnalysedOutput,
  sources: ReturnType<typeof collectSources>,
  license: string,
): PreparedPackage {
  const { recipe } = ctx;
  const facts = outputFacts(ctx, p);
  const sbom = packageSbom({
    ...facts,
    license,
    namespace: ctx.namespace,
    depends: deps.runtime,
    provides: deps.provides,
    sources,
    ...(ctx.recipeRef ? { recipe: ctx.recipeRef } : {}),
    created: ctx.sourceDateEpoch,
    toolVersion: ctx.toolVersion,
  });
  const path = sbomPath(p.name, recipe.fullVersion);
  const files = withXattrs(
    [...entries.filter((e) => e.path !== path), { path, type: 'file', mode: 0o644, data: Buffer.from(sbom, 'utf8') }],
    p,
  );
  const built = packageBytes({
    files,
    info: {
      ...facts,
      maintainer: ctx.namespace,
      buildDate: ctx.sourceDateEpoch,
      licenses: recipe.copyright.map((c) => c.license).filter((l) => l !== ''),
      depends: deps.runtime,
      provides: deps.provides,
      replaces: p.dependencies.replaces,
      vendored: deps.vendored,
      ...(p.dependencies.providerPriority !== undefined ? { providerPriority: p.dependencies.providerPriority } : {}),
      ...(p.dependencies.replacesPriority !== undefined ? { replacesPriority: p.dependencies.replacesPriority } : {}),
      triggers: p.scriptlets.trigger?.paths ?? [],
    },
    melangeYaml: ctx.melangeYaml,
    scripts: scriptsOf(p.scriptlets),
    mtime: ctx.sourceDateEpoch,
    ...(ctx.signingKey ? { signingKey: ctx.signingKey } : {}),
  });
  return {
    name: p.name,
    version: recipe.fullVersion,
    bytes: built.bytes,
    identity: built.identity,
    depends: deps.runtime,
    provides: deps.provides,
    pkginfo: built.pkginfo,
  };
}
