/**
 * `lupine pkg test`: each `test:` block (the main package's, then each subpackage's) runs in a
 * fresh guest holding the package under test, pinned to the recipe's version, and the test's own
 * environment and `needs`, resolved against the out-dir first and then the repositories.
 */

import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Logger, silentLogger } from '../../core/index.js';
import { openRepositories } from '../../install/index.js';
import { BUILD_USER, BubblewrapRunner, melangeEnvironment, type SandboxRunner } from '../../sandbox/index.js';
import { BUILD_USER as BUILD_ACCOUNT } from '../config/guest.js';
import type { CompiledRecipe, GuestEnvironment } from '../config/types.js';
import { type PreparedGuest, prepareGuest } from './guest.js';
import { checkArchRunnable } from './host-facts.js';
import { keyringOf, loadBuildKeys } from './keys.js';
import { compileForBuild, packageCacheDirOf, recipeDirOf, recipePaths, sourceDateEpochOf } from './recipe-context.js';
import { flattenSteps, runSteps } from './steps.js';
import type { BuildRecipeOptions } from './types.js';
import { makeWorkspace, sweepStaleBuildDirs, type Workspace } from './workspace.js';

export type TestRecipeOptions = Omit<
  BuildRecipeOptions,
  'runner' | 'signingKey' | 'gitCommit' | 'gitRepoUrl' | 'namespace'
>;

export interface TestBlockResult {
  readonly package: string;
  readonly steps: number;
  /** `name=version` of the test guest. */
  readonly guest: readonly string[];
}

export interface TestRecipeResult {
  /** One per test block that ran; empty when the recipe has no tests (melange exits 0 then). */
  readonly tests: readonly TestBlockResult[];
  readonly skipped?: string;
}

/** The test guest's accounts: the environment's own plus melange's build user. */
function withBuildUser(env: GuestEnvironment): GuestEnvironment {
  const users = env.accounts.users.some((u) => u.username === BUILD_ACCOUNT.username)
    ? env.accounts.users
    : [...env.accounts.users, { ...BUILD_ACCOUNT }];
  const groups = env.accounts.groups.some((g) => g.groupname === 'build')
    ? env.accounts.groups
    : [...env.accounts.groups, { groupname: 'build', gid: BUILD_ACCOUNT.gid, members: ['build'] }];
  return { ...env, accounts: { ...env.accounts, users, groups } };
}

export async function testRecipe(recipePath: string, opts: TestRecipeOptions): Promise<TestRecipeResult> {
  const logger: Logger = opts.logger ?? silentLogger;
  const file = resolve(recipePath);
  const recipeDir = recipeDirOf(file);
  const compiled = await compileForBuild(file, opts, logger);
  if (!('recipe' in compiled)) return { tests: [], skipped: compiled.skipped };
  const recipe = compiled.recipe;
  const blocks = recipe.packages.filter((p) => p.test !== undefined && p.test.pipeline.length > 0);
  if (blocks.length === 0) {
    logger.info(`lupine pkg: ${recipe.name} has no tests`);
    return { tests: [] };
  }
  await checkArchRunnable(recipe.arch);
  const packageCacheDir = await packageCacheDirOf(opts);
  const sde = sourceDateEpochOf(opts);
  const keys = await loadBuildKeys([...opts.keys], opts.signal);
  const outDir = resolve(opts.outDir);
  const local = await openRepositories({
    repositories: [outDir],
    arch: recipe.arch,
    keys: keyringOf(keys),
    allowUntrusted: true,
  });
  await sweepStaleBuildDirs(packageCacheDir, logger);
  const run: TestRun = { recipe, opts, logger, recipeDir, packageCacheDir, sde, keys, outDir, local };
  const results: TestBlockResult[] = [];
  for (const p of blocks) results.push(await runTestBlock(run, p));
  logger.info(`lupine pkg: ${results.length} test block${results.length === 1 ? '' : 's'} of ${recipe.name} passed`);
  return { tests: results };
}

/** What every test block of a recipe shares. */
interface TestRun {
  readonly recipe: CompiledRecipe;
  readonly opts: TestRecipeOptions;
  readonly logger: Logger;
  readonly recipeDir: string;
  readonly packageCacheDir: string;
  readonly sde: number;
  readonly keys: Awaited<ReturnType<typeof loadBuildKeys>>;
  readonly outDir: string;
  readonly local: Awaited<ReturnType<typeof openRepositories>>;
}

/** One package's test block, in a fresh guest with its own workspace and runner, all removed after. */
async function runTestBlock(t: TestRun, p: CompiledRecipe['packages'][number]): Promise<TestBlockResult> {
  const { recipe, opts, logger, recipeDir, packageCacheDir, sde, keys, outDir, local } = t;
  const test = p.test as NonNullable<typeof p.test>;
  const environment = withBuildUser(test.environment);
  let guest: PreparedGuest | undefined;
  let workspace: Workspace | undefined;
  let runner: SandboxRunner | undefined;
  try {
    logger.info(`lupine pkg: testing ${p.name}-${recipe.fullVersion} (${recipe.arch}) in a fresh guest`);
    guest = await prepareGuest({
      arch: recipe.arch,
      environment,
      repositories: opts.repositories,
      keys: [...keys],
      ...(opts.packageAppend ? { packageAppend: opts.packageAppend } : {}),
      opened: local,
      baseDir: recipeDir,
      packageCacheDir,
      allowUntrusted: true,
      logger,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    logger.info(`lupine pkg: test guest: ${guest.locked.join(' ')}`);
    workspace = await makeWorkspace({
      packages: [],
      sourceDir: opts.sourceDir ?? recipeDir,
      ...(opts.workspaceDir ? { dir: opts.workspaceDir } : {}),
      exclude: [outDir, packageCacheDir, ...recipePaths(opts.cacheDir ? [opts.cacheDir] : [], recipeDir)],
    });
    runner = await BubblewrapRunner.start(
      {
        root: guest.root,
        workspace: workspace.dir,
        ...(opts.cacheDir ? { cacheDir: resolve(opts.cacheDir) } : {}),
        env: melangeEnvironment(environment.environment, { sourceDateEpoch: sde }),
        network: opts.network ?? true,
        user: environment.accounts.runAs === 'root' ? { uid: 0, gid: 0 } : BUILD_USER,
      },
      { logger, ...(opts.bwrap ? { bwrap: opts.bwrap } : {}) },
    );
    const steps = flattenSteps(test.pipeline);
    const started = performance.now();
    await runSteps(steps, {
      runner,
      logger,
      log: () => undefined,
      pkg: p.name,
      what: 'test',
      trace: opts.debug ?? false,
      baseDir: recipeDir,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    logger.debug(`lupine pkg: ${p.name} tests took ${Math.round(performance.now() - started)} ms`);
    return { package: p.name, steps: steps.length, guest: guest.locked };
  } finally {
    await runner?.close();
    await workspace?.remove();
    await guest?.remove();
  }
}
