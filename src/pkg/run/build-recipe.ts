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
  const compiled = await compileForBuild(file, opts, logger);
  if (!('recipe' in compiled)) {
    logger.info(`lupine pkg: ${file} is not built for ${opts.arch} (${compiled.skipped})`);
    return { packages: [], skipped: compiled.skipped, guest: [], stepMs: 0 };
  }
  const build = await RecipeBuild.open(file, compiled.recipe, opts, logger);
  try {
    await build.stageSources();
    await build.prepareGuest();
    await build.startRunner();
    await build.runPipelines();
    return await build.packageOutputs();
  } catch (err) {
    build.failed(err);
    throw err;
  } finally {
    await build.close();
  }
}

/** What a build settles before it starts: the build date, signing key, commit and where things go. */
interface BuildFacts {
  readonly sde: number;
  readonly signingKey: Awaited<ReturnType<typeof loadSigningKey>>;
  readonly commit: string;
  readonly outDir: string;
  readonly packageCacheDir: string;
}

/**
 * One recipe's build for one arch: what the phases share (the recipe, options, build log) and what
 * they make (sources, guest, workspace, runner), all released by `close`.
 */
class RecipeBuild {
  readonly #file: string;
  readonly #recipeDir: string;
  readonly #recipe: CompiledRecipe;
  readonly #opts: BuildRecipeOptions;
  readonly #logger: Logger;
  readonly #log: BuildLog;
  readonly #facts: BuildFacts;
  readonly #label: string;
  #sources: StagedSources | undefined;
  #guest: PreparedGuest | undefined;
  #workspace: Workspace | undefined;
  #runner: SandboxRunner | undefined;
  #stepMs = 0;

  private constructor(
    file: string,
    recipe: CompiledRecipe,
    opts: BuildRecipeOptions,
    logger: Logger,
    facts: BuildFacts,
    log: BuildLog,
  ) {
    this.#file = file;
    this.#recipeDir = recipeDirOf(file);
    this.#recipe = recipe;
    this.#opts = opts;
    this.#logger = logger;
    this.#facts = facts;
    this.#log = log;
    this.#label = `${recipe.name}-${recipe.fullVersion}`;
  }

  /** Checks the arch can run here, reads the signing key and commit, opens the build log. */
  static async open(
    file: string,
    recipe: CompiledRecipe,
    opts: BuildRecipeOptions,
    logger: Logger,
  ): Promise<RecipeBuild> {
    if (opts.runner === 'host') {
      await checkArchRunnable(opts.arch, hostApkArch(), '/nonexistent');
    } else {
      await checkArchRunnable(opts.arch);
    }
    const sde = sourceDateEpochOf(opts);
    const signingKey = await loadSigningKey(opts.signingKey);
    const commit = opts.gitCommit ?? recipe.packages[0]?.commit ?? (await cleanGitHead(recipeDirOf(file))) ?? '';
    const outDir = resolve(opts.outDir);
    const packageCacheDir = await packageCacheDirOf(opts);
    const label = `${recipe.name}-${recipe.fullVersion}`;
    const log = await openBuildLog(resolve(opts.logFile ?? `${outDir}/logs/${recipe.arch}/${label}.log`));
    const facts = { sde, signingKey, commit, outDir, packageCacheDir };
    const build = new RecipeBuild(file, recipe, opts, logger, facts, log);
    build.#say(`lupine pkg: building ${label} (${recipe.arch}) with the ${opts.runner} runner`);
    return build;
  }

  /** Phase: sources first, so that a missing or wrong source stops the build before any guest exists. */
  async stageSources(): Promise<void> {
    const opts = this.#opts;
    this.#sources = await stageSources(this.#recipe, {
      ...(opts.sourceStoreDir ? { sourceStoreDir: opts.sourceStoreDir } : {}),
      ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
      ...(opts.network !== undefined ? { network: opts.network } : {}),
      logger: {
        info: (m) => this.#say(m),
        warn: (m) => {
          this.#logger.warn(m);
          this.#log.line(m);
        },
        debug: (m) => this.#logger.debug(m),
      },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /** Phase: the guest root the steps run in (bubblewrap), with the environment's packages installed. */
  async prepareGuest(): Promise<void> {
    const opts = this.#opts;
    const recipe = this.#recipe;
    await sweepStaleBuildDirs(this.#facts.packageCacheDir, this.#logger);
    if (opts.runner !== 'bubblewrap') {
      this.#say(`lupine pkg: WARNING: the host runner ${UNHERMETIC_WARNING}; environment.contents is not installed`);
      return;
    }
    const keys = await loadBuildKeys(
      [...recipePaths(recipe.environment.keyring, this.#recipeDir), ...opts.keys],
      opts.signal,
    );
    const guest = await prepareGuest({
      arch: recipe.arch,
      environment: recipe.environment,
      repositories: opts.repositories,
      keys,
      ...(opts.packageAppend ? { packageAppend: opts.packageAppend } : {}),
      baseDir: this.#recipeDir,
      packageCacheDir: this.#facts.packageCacheDir,
      ...(opts.allowUntrusted ? { allowUntrusted: true } : {}),
      logger: this.#logger,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    this.#guest = guest;
    this.#say(
      `lupine pkg: guest: ${guest.locked.length} packages (${guest.filled} fetched, the rest cached): ${guest.locked.join(' ')}`,
    );
  }

  /** Phase: the workspace, and the runner (in the guest, or on the host) the steps run with. */
  async startRunner(): Promise<void> {
    const opts = this.#opts;
    const recipe = this.#recipe;
    const { outDir, packageCacheDir, sde } = this.#facts;
    const workspace = await makeWorkspace({
      packages: recipe.packages.map((p) => p.name),
      sourceDir: opts.sourceDir ?? this.#recipeDir,
      ...(opts.workspaceDir ? { dir: opts.workspaceDir } : {}),
      exclude: [outDir, packageCacheDir, ...(opts.cacheDir ? [resolve(opts.cacheDir)] : [])],
    });
    this.#workspace = workspace;
    const env = melangeEnvironment(recipe.environment.environment, { sourceDateEpoch: sde });
    const user = runAsUser(recipe.environment);
    const network = opts.network ?? true;
    const cacheDir = this.#sources?.cacheDir;
    const runnerOptions = { logger: this.#logger, ...(opts.bwrap ? { bwrap: opts.bwrap } : {}) };
    const guest = this.#guest;
    this.#runner =
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
  }

  /** Phase: every package's pipeline steps, in order, timed. */
  async runPipelines(): Promise<void> {
    const opts = this.#opts;
    const runner = this.#runner as SandboxRunner;
    const timeout = timeoutMs(this.#recipe.timeout);
    for (const p of this.#recipe.packages) {
      const steps = flattenSteps(p.pipeline);
      if (steps.length === 0) continue;
      const started = performance.now();
      await runSteps(steps, {
        runner,
        logger: this.#logger,
        log: this.#log.line,
        pkg: p.name,
        trace: opts.debug ?? false,
        baseDir: this.#recipeDir,
        ...(timeout ? { timeoutMs: timeout } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      this.#stepMs += performance.now() - started;
    }
  }

  /** Last phase: analyse, lint and package the outputs, then publish them (and provenance) into the out-dir. */
  async packageOutputs(): Promise<BuildRecipeResult> {
    const opts = this.#opts;
    const recipe = this.#recipe;
    const { sde, signingKey, commit, outDir } = this.#facts;
    const namespace = opts.namespace ?? 'unknown';
    const ws = this.#workspace as Workspace;
    const guest = this.#guest;
    const prepared = await preparePackages({
      recipe,
      outDir: (name) => ws.outDir(name),
      workspace: ws.dir,
      namespace,
      sourceDateEpoch: sde,
      commit,
      recipeRef: {
        path: relative(this.#recipeDir, this.#file),
        repository: opts.gitRepoUrl ?? '',
        commit,
      },
      melangeYaml: embeddedConfig(recipe, guest?.locked, this.#recipeDir),
      ...(signingKey ? { signingKey } : {}),
      toolVersion: TOOL_VERSION,
      logger: this.#logger,
      ...(opts.maxOutputFileBytes === undefined ? {} : { maxOutputFileBytes: opts.maxOutputFileBytes }),
    });
    const attestations = opts.generateProvenance
      ? await prepareProvenance({
          recipeFile: this.#file,
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
      this.#say(`lupine pkg: wrote ${p.path} (${p.size} bytes)`);
      if (p.provenancePath) this.#say(`lupine pkg: wrote ${p.provenancePath} (SLSA provenance)`);
    }
    this.#say(
      `lupine pkg: built ${packages.length} package${packages.length === 1 ? '' : 's'} of ${this.#label} (${recipe.arch}); index ${outDir}/${recipe.arch}/APKINDEX.tar.gz${signingKey ? ` signed with ${signingKey.keyName}` : ' (unsigned)'}`,
    );
    return { packages, logPath: this.#log.path, guest: guest?.locked ?? [], stepMs: this.#stepMs };
  }

  /** Notes the failure in the build log. */
  failed(err: unknown): void {
    this.#log.line(`lupine pkg: build of ${this.#label} failed: ${(err as Error).message}`);
  }

  /** Stops the runner, removes the workspace, guest and staged sources, closes the log. */
  async close(): Promise<void> {
    await this.#runner?.close();
    await this.#workspace?.remove();
    await this.#guest?.remove();
    await this.#sources?.remove();
    await this.#log.close();
  }

  #say(line: string): void {
    this.#logger.info(line);
    this.#log.line(line);
  }
}
