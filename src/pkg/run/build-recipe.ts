/**
 * `lupine pkg build`: compile the recipe for one arch, assemble the guest, run every package's steps
 * in a sandbox, then analyse, lint and package the outputs and publish them into the out-dir's
 * signed repository. Nothing is written to the out-dir unless every step and linter passed; the
 * guest, the workspace and the runner are gone when this returns or throws.
 */
import { dirname, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hostApkArch } from '../../apk/index.js';
import { type Logger, silentLogger, TOOL_VERSION } from '../../core/index.js';
import {
  BubblewrapRunner,
  HostRunner,
  melangeEnvironment,
  type SandboxRunner,
  UNHERMETIC_WARNING,
} from '../../sandbox/index.js';
import { compiledToYaml } from '../config/emit.js';
import { BUILTIN_PIPELINE_DIR } from '../config/load.js';
import type { CompiledRecipe } from '../config/types.js';
import { type StagedSources, stageSources } from '../sources/stage.js';
import { type BuildLog, openBuildLog } from './build-log.js';
import { type PreparedGuest, prepareGuest } from './guest.js';
import { checkArchRunnable, cleanGitHead } from './host-facts.js';
import { loadBuildKeys } from './keys.js';
import { preparePackages } from './outputs.js';
import { prepareProvenance, writeProvenanceFiles } from './provenance.js';
import { publishPackages } from './publish.js';
import {
  compileForBuild,
  loadSigningKey,
  packageCacheDirOf,
  recipeDirOf,
  recipePaths,
  runAsUser,
  sourceDateEpochOf,
  timeoutMs,
} from './recipe-context.js';
import { flattenSteps, runSteps } from './steps.js';
import type { BuildRecipeOptions, BuildRecipeResult } from './types.js';
import { makeWorkspace, sweepStaleBuildDirs, type Workspace } from './workspace.js';

/** The resolved config embedded as `.melange.yaml`: the compiled recipe with the guest's locked packages. */
export function embeddedConfig(recipe: CompiledRecipe, locked: readonly string[] | undefined, baseDir: string): string {
  const pinned = locked ? { ...recipe, environment: { ...recipe.environment, packages: [...locked] } } : recipe;
  return compiledToYaml(pinned, { baseDir, builtinDir: BUILTIN_PIPELINE_DIR });
}

export async function buildRecipe(recipePath: string, opts: BuildRecipeOptions): Promise<BuildRecipeResult> {
  const logger: Logger = opts.logger ?? silentLogger;
  const file = resolve(recipePath);
  const recipeDir = recipeDirOf(file);
  const compiled = await compileForBuild(file, opts, logger);
  if (!('recipe' in compiled)) {
    logger.info(`lupine pkg: ${file} is not built for ${opts.arch} (${compiled.skipped})`);
    return { packages: [], skipped: compiled.skipped, guest: [], stepMs: 0 };
  }
  const recipe = compiled.recipe;
  if (opts.runner === 'host') {
    await checkArchRunnable(opts.arch, hostApkArch(), '/nonexistent');
  } else {
    await checkArchRunnable(opts.arch);
  }
  const sde = sourceDateEpochOf(opts);
  const signingKey = await loadSigningKey(opts.signingKey);
  const main = recipe.packages[0];
  const commit = opts.gitCommit ?? main?.commit ?? (await cleanGitHead(recipeDir)) ?? '';
  const namespace = opts.namespace ?? 'unknown';
  const outDir = resolve(opts.outDir);
  const packageCacheDir = await packageCacheDirOf(opts);
  const label = `${recipe.name}-${recipe.fullVersion}`;
  const log: BuildLog = await openBuildLog(resolve(opts.logFile ?? `${outDir}/logs/${recipe.arch}/${label}.log`));
  const say = (line: string) => {
    logger.info(line);
    log.line(line);
  };

  let guest: PreparedGuest | undefined;
  let workspace: Workspace | undefined;
  let runner: SandboxRunner | undefined;
  let stepMs = 0;
  let sources: StagedSources | undefined;
  try {
    say(`lupine pkg: building ${label} (${recipe.arch}) with the ${opts.runner} runner`);
    // Sources first: a missing or wrong source stops the build before any guest exists.
    sources = await stageSources(recipe, {
      ...(opts.sourceStoreDir ? { sourceStoreDir: opts.sourceStoreDir } : {}),
      ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
      ...(opts.network !== undefined ? { network: opts.network } : {}),
      logger: {
        info: say,
        warn: (m) => {
          logger.warn(m);
          log.line(m);
        },
        debug: (m) => logger.debug(m),
      },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    await sweepStaleBuildDirs(packageCacheDir, logger);
    if (opts.runner === 'bubblewrap') {
      const keys = await loadBuildKeys(
        [...recipePaths(recipe.environment.keyring, recipeDir), ...opts.keys],
        opts.signal,
      );
      guest = await prepareGuest({
        arch: recipe.arch,
        environment: recipe.environment,
        repositories: opts.repositories,
        keys,
        ...(opts.packageAppend ? { packageAppend: opts.packageAppend } : {}),
        baseDir: recipeDir,
        packageCacheDir,
        ...(opts.allowUntrusted ? { allowUntrusted: true } : {}),
        logger,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      say(
        `lupine pkg: guest: ${guest.locked.length} packages (${guest.filled} fetched, the rest cached): ${guest.locked.join(' ')}`,
      );
    } else {
      say(`lupine pkg: WARNING: the host runner ${UNHERMETIC_WARNING}; environment.contents is not installed`);
    }
    workspace = await makeWorkspace({
      packages: recipe.packages.map((p) => p.name),
      sourceDir: opts.sourceDir ?? recipeDir,
      ...(opts.workspaceDir ? { dir: opts.workspaceDir } : {}),
      exclude: [outDir, packageCacheDir, ...(opts.cacheDir ? [resolve(opts.cacheDir)] : [])],
    });
    const env = melangeEnvironment(recipe.environment.environment, { sourceDateEpoch: sde });
    const user = runAsUser(recipe.environment);
    const network = opts.network ?? true;
    const cacheDir = sources.cacheDir;
    const runnerOptions = { logger, ...(opts.bwrap ? { bwrap: opts.bwrap } : {}) };
    runner =
      guest !== undefined
        ? await BubblewrapRunner.start(
            {
              root: guest.root,
              workspace: workspace.dir,
              ...(cacheDir ? { cacheDir } : {}),
              env,
              network,
              user,
              capabilities: recipe.capabilities,
            },
            runnerOptions,
          )
        : await HostRunner.start(
            {
              workspace: workspace.dir,
              ...(cacheDir ? { cacheDir } : {}),
              env,
              network,
              user,
              ...(opts.signingKey ? { hide: [dirname(resolve(opts.signingKey))] } : {}),
            },
            runnerOptions,
          );
    const timeout = timeoutMs(recipe.timeout);
    for (const p of recipe.packages) {
      const steps = flattenSteps(p.pipeline);
      if (steps.length === 0) continue;
      const started = performance.now();
      await runSteps(steps, {
        runner,
        logger,
        log: log.line,
        pkg: p.name,
        trace: opts.debug ?? false,
        baseDir: recipeDir,
        ...(timeout ? { timeoutMs: timeout } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      stepMs += performance.now() - started;
    }
    const ws = workspace;
    const prepared = await preparePackages({
      recipe,
      outDir: (name) => ws.outDir(name),
      workspace: ws.dir,
      namespace,
      sourceDateEpoch: sde,
      commit,
      recipeRef: {
        path: relative(recipeDir, file),
        repository: opts.gitRepoUrl ?? '',
        commit,
      },
      melangeYaml: embeddedConfig(recipe, guest?.locked, recipeDir),
      ...(signingKey ? { signingKey } : {}),
      toolVersion: TOOL_VERSION,
      logger,
      ...(opts.maxOutputFileBytes === undefined ? {} : { maxOutputFileBytes: opts.maxOutputFileBytes }),
    });
    const attestations = opts.generateProvenance
      ? await prepareProvenance({
          recipeFile: file,
          recipe,
          options: opts,
          sourceDateEpoch: sde,
          namespace,
          commit,
          guest: guest?.packages ?? [],
          packages: prepared,
          toolVersion: TOOL_VERSION,
          ...(signingKey ? { signingKey } : {}),
        })
      : [];
    const published = await publishPackages(outDir, recipe.arch, prepared, signingKey);
    const provenancePaths = await writeProvenanceFiles(`${outDir}/${recipe.arch}`, attestations);
    const packages = published.map((p, i) => {
      const provenancePath = provenancePaths[i];
      return provenancePath ? { ...p, provenancePath } : p;
    });
    for (const p of packages) {
      say(`lupine pkg: wrote ${p.path} (${p.size} bytes)`);
      if (p.provenancePath) say(`lupine pkg: wrote ${p.provenancePath} (SLSA provenance)`);
    }
    say(
      `lupine pkg: built ${packages.length} package${packages.length === 1 ? '' : 's'} of ${label} (${recipe.arch}); index ${outDir}/${recipe.arch}/APKINDEX.tar.gz${signingKey ? ` signed with ${signingKey.keyName}` : ' (unsigned)'}`,
    );
    return { packages, logPath: log.path, guest: guest?.locked ?? [], stepMs };
  } catch (err) {
    log.line(`lupine pkg: build of ${label} failed: ${(err as Error).message}`);
    throw err;
  } finally {
    await runner?.close();
    await workspace?.remove();
    await guest?.remove();
    await sources?.remove();
    await log.close();
  }
}
