/**
 * `lupine distro worker`: takes recipe jobs from the queue and builds each in a fresh work
 * directory of its own: the input bundle and the packages it builds against come from the store,
 * the build runs through the same MelangeBuilder as a local build (no signing key: the coordinator
 * signs), and the outputs (packages + log) are pushed as one artifact only after the build and its
 * tests passed. A recipe that fails to build fails for good (UnrecoverableError: building it again
 * gives the same failure); anything else (store, network) is retried with back-off by BullMQ. A
 * worker that dies mid-build stops renewing its job's lock; another worker's stalled-job check
 * takes the job over and builds it from scratch in its own directory.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import { readPackage } from '../apk/index.js';
import { isLupineError, type Logger, LupineError, makeOwnedDir, sweepStaleDirs, termSafe } from '../core/index.js';
import { MelangeBuilder, type RecipeNode } from '../distro/index.js';
import { packageContentSha256, placePackages } from './assemble.js';
import { unpackInputs } from './input-bundle.js';
import {
  checkJobData,
  INPUT_BUNDLE_MAX,
  type JobNeed,
  QUEUE_NAME,
  type RecipeJobData,
  type RecipeJobProgress,
  type RecipeJobResult,
} from './job.js';
import { checkRedis, openRedis } from './redis-connection.js';
import { receiveSources } from './sources.js';
import type { ArtifactStore, OutputsConfig, StoredFile, StoredOutputs } from './store.js';

export type WorkerEvent =
  | { readonly type: 'take'; readonly name: string; readonly identity: string; readonly attempt: number }
  | { readonly type: 'cached'; readonly name: string }
  | { readonly type: 'built'; readonly name: string; readonly packages: readonly string[]; readonly ms: number }
  | { readonly type: 'fail'; readonly name: string; readonly error: string; readonly retry: boolean }
  | { readonly type: 'error'; readonly error: string };

export interface WorkerOptions {
  readonly redisUrl: string;
  readonly store: ArtifactStore;
  /** Holds one directory per running job and the download caches. */
  readonly workDir: string;
  readonly concurrency?: number;
  /** This worker's name in progress and status (the CLI uses host:pid). */
  readonly name: string;
  /** How long a job's lock lives without renewal: a dead worker's job is taken over after about this. */
  readonly lockMs?: number;
  readonly onEvent?: (e: WorkerEvent) => void;
  /**
   * Builds recipes that ask for the host runner (no sandbox). Off by default: whoever can write to
   * Redis could otherwise run anything on this machine.
   */
  readonly allowHostRunner?: boolean;
}

export interface RunningWorker {
  readonly name: string;
  close(): Promise<void>;
}

const permanent = (err: unknown) =>
  isLupineError(err) &&
  (err.code.startsWith('BUILD_') || err.code === 'DISTRO_RECIPE_INVALID' || err.code === 'CLUSTER_STORE_INVALID');

/**
 * The packages of a pulled dependency, exactly those the job names (file and sha256): the store's
 * tags can be moved by anyone who can push to it, the job's list comes from the coordinator.
 */
function checkNeedPackages(need: JobNeed, got: StoredOutputs, where: string): { file: string; bytes: Buffer }[] {
  const refuse = (what: string) =>
    new LupineError('CLUSTER_STORE_INVALID', `${where}:${need.identity} (${need.name}): ${what}`, {
      details: { identity: need.identity },
      hint: 'the artifact under this tag is not the one the coordinator verified: check who can push to the store',
    });
  const files = got.config.packages.map((p) => p.file);
  const expected = need.packages.map((p) => p.file);
  if (files.length !== expected.length || files.some((f) => !expected.includes(f))) {
    throw refuse(`holds ${JSON.stringify(files).slice(0, 200)}, the job expects ${JSON.stringify(expected)}`);
  }
  return need.packages.map((p) => {
    const bytes = got.files.get(p.file);
    if (bytes === undefined) throw refuse(`lacks ${p.file}`);
    let actual: string;
    try {
      actual = packageContentSha256(bytes);
    } catch {
      throw refuse(`${p.file} is not an .apk`);
    }
    if (actual !== p.sha256) throw refuse(`${p.file} has sha256 ${actual}, the job expects ${p.sha256}`);
    return { file: p.file, bytes };
  });
}

/** Job directories are `<work-dir>/job-XXXXXX`, each naming its owner process. */
const JOB_DIR_PREFIX = 'job-';

/** How long a job for another store is put aside before any worker takes it again. */
const OTHER_STORE_DELAY_MS = 1000;

/**
 * The job's data, checked: a malformed job or one asking for the host runner here fails for good;
 * another store's job is put back for that store's workers.
 */
async function acceptJob(
  job: Job<RecipeJobData>,
  token: string | undefined,
  o: WorkerOptions,
  name: string,
): Promise<RecipeJobData> {
  let d: RecipeJobData;
  try {
    d = checkJobData(job.data);
  } catch (err) {
    const msg = `${(err as { code?: string }).code ?? 'CLUSTER_JOB_INVALID'}: ${(err as Error).message}`;
    o.onEvent?.({
      type: 'fail',
      // Shown on a terminal: quoted, every control character (C0, C1, bidi) written out.
      name: `"${termSafe(String((job.data as { name?: unknown })?.name).slice(0, 80))}"`,
      error: msg,
      retry: false,
    });
    throw new UnrecoverableError(msg);
  }
  if (d.store !== o.store.where) {
    // Not this worker's: put back for a worker of that store, no attempt used (one queue is shared
    // by every store; a misconfigured worker must not fail other stores' jobs).
    const msg = `the job's store is ${termSafe(d.store.slice(0, 200))}, this worker (${name}) serves ${o.store.where}: left for another worker`;
    o.onEvent?.({ type: 'fail', name: d.name, error: msg, retry: true });
    await job.moveToDelayed(Date.now() + OTHER_STORE_DELAY_MS, token);
    throw new DelayedError();
  }
  if (d.node.runner === 'host' && !o.allowHostRunner) {
    const msg = `${d.name} asks for the host runner (no sandbox), which this worker (${name}) does not allow`;
    o.onEvent?.({ type: 'fail', name: d.name, error: msg, retry: false });
    throw new UnrecoverableError(`${msg}: start workers with --allow-host-runner to build it`);
  }
  return d;
}

/** Unpacks the recipe inputs into `tree`, the dependencies into the repository `repo`, the sources into the cache. */
async function receiveInputs(d: RecipeJobData, o: WorkerOptions, tree: string, repo: string): Promise<string> {
  const bundle =
    'inline' in d.inputs
      ? Buffer.from(d.inputs.inline, 'base64')
      : await o.store.getBlob(d.inputs.digest, INPUT_BUNDLE_MAX);
  await unpackInputs(bundle, tree);
  // Dependencies side by side, then into the job's repository in one index write.
  const needs = await Promise.all(
    d.needs.map(async (need) => {
      const got = await o.store.pullOutputs(need.identity, { packagesOnly: true });
      if (!got) throw new Error(`${need.name} (${need.identity}) is not in the store ${o.store.where}`);
      return checkNeedPackages(need, got, o.store.where);
    }),
  );
  if (needs.length > 0) await placePackages(repo, d.arch, needs.flat());
  const sourceStoreDir = join(o.workDir, 'cache', 'sources');
  await receiveSources(d.sources ?? [], o.store, sourceStoreDir);
  return sourceStoreDir;
}

/** The built packages' files, each package's SBOM beside it, as they go to the store. */
async function storedOutputs(
  built: readonly {
    readonly path: string;
    readonly name: string;
    readonly version: string;
    readonly identity: string;
  }[],
  repo: string,
): Promise<{ files: StoredFile[]; packages: OutputsConfig['packages'][number][] }> {
  const files: StoredFile[] = [];
  const packages: OutputsConfig['packages'][number][] = [];
  for (const p of built) {
    const file = p.path.split('/').at(-1) as string;
    const bytes = await readFile(join(repo, p.path));
    files.push({ file, bytes });
    packages.push({ name: p.name, version: p.version, identity: p.identity, file });
    const sbom = `${p.name}-${p.version}.spdx.json`;
    const inside = readPackage(bytes).files.find((f) => f.name === `var/lib/db/sbom/${sbom}`);
    if (inside) files.push({ file: sbom, bytes: inside.content });
  }
  return { files, packages };
}

async function buildJob(
  job: Job<RecipeJobData>,
  token: string | undefined,
  o: WorkerOptions,
  name: string,
): Promise<RecipeJobResult> {
  const d = await acceptJob(job, token, o, name);
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  const emit = o.onEvent ?? (() => undefined);
  const say = (p: RecipeJobProgress) => job.updateProgress(p as unknown as object).catch(() => undefined);
  let progress: Promise<unknown> = say({ worker: name });
  emit({ type: 'take', name: d.name, identity: d.identity, attempt: job.attemptsMade + 1 });
  // A job taken over (or retried) may have been pushed by a worker that died before completing
  // it: the store is the truth. A first try skips that round trip.
  if ((job.attemptsMade > 0 || job.stalledCounter > 0) && (await o.store.has(d.identity))) {
    emit({ type: 'cached', name: d.name });
    const pulled = await o.store.pullOutputs(d.identity, { packagesOnly: true });
    return { worker: name, manifest: pulled?.manifest ?? '' };
  }
  const dir = await makeOwnedDir(o.workDir, JOB_DIR_PREFIX);
  const lines: string[] = [];
  // Log lines go back as job progress, coalesced: while one update is in flight the next lines
  // wait and then go together, so a chatty build costs a few Redis round trips, not one a line.
  let pending: string[] = [];
  const flush = (): Promise<unknown> => {
    if (pending.length === 0) return Promise.resolve();
    const batch = pending.join('\n');
    pending = [];
    return say({ worker: name, line: batch });
  };
  const line = (m: string) => {
    lines.push(m);
    const first = pending.length === 0;
    pending.push(m);
    if (first) progress = progress.then(flush);
  };
  const logger: Logger = { info: line, warn: line, debug: () => undefined };
  try {
    const tree = join(dir, 'tree');
    const repo = join(dir, 'repo');
    const sourceStoreDir = await receiveInputs(d, o, tree, repo);
    logger.info(`inputs, ${d.needs.length} dependencies and ${d.sources?.length ?? 0} sources ready after ${ms()} ms`);
    const node: RecipeNode = { ...d.node, file: join(tree, d.file) };
    logger.info(`building ${d.name}-${node.fullVersion} on ${name} (${node.runner} runner)`);
    const builder = new MelangeBuilder({
      cacheDir: join(o.workDir, 'cache', 'melange'),
      sourceStoreDir,
      packageCacheDir: join(o.workDir, 'cache', 'packages'),
      pipelineDirs: [join(tree, 'pipelines')],
      test: d.test,
      ...(d.sourceDateEpoch !== undefined ? { sourceDateEpoch: d.sourceDateEpoch } : {}),
    });
    const result = await builder.build({ node, arch: d.arch, outDir: repo, logger });
    logger.info(`built after ${ms()} ms`);
    const { files, packages } = await storedOutputs(result.packages, repo);
    const log = `${d.name}.log`;
    files.push({ file: log, bytes: Buffer.from(lines.map((l) => `${l}\n`).join('')) });
    const manifest = await o.store.pushOutputs(
      { recipe: d.name, identity: d.identity, arch: d.arch, worker: name, packages, log },
      files,
    );
    line(`pushed after ${ms()} ms`);
    // Every log line reaches the coordinator before the job completes.
    await progress;
    emit({ type: 'built', name: d.name, packages: packages.map((p) => `${p.name}-${p.version}`), ms: ms() });
    return { worker: name, manifest };
  } catch (err) {
    await progress;
    const msg = `${isLupineError(err) ? `${err.code}: ` : ''}${err instanceof Error ? err.message : String(err)}`;
    const retry = !(permanent(err) || err instanceof UnrecoverableError);
    emit({ type: 'fail', name: d.name, error: msg.split('\n')[0] ?? msg, retry });
    throw retry ? new Error(msg) : new UnrecoverableError(msg);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts a worker; it runs until `close()` (which lets running jobs finish). */
export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const name = o.name;
  // Job directories a SIGKILLed worker left behind (their owner process is gone).
  const swept = await sweepStaleDirs(o.workDir, JOB_DIR_PREFIX);
  for (const f of swept.failed) o.onEvent?.({ type: 'error', error: `could not remove ${f.path}: ${f.error}` });
  const connection = openRedis(o.redisUrl, { blocking: true });
  try {
    await checkRedis(connection, o.redisUrl);
  } catch (err) {
    connection.disconnect();
    throw err;
  }
  const lockDuration = o.lockMs ?? 30_000;
  const worker = new Worker<RecipeJobData, RecipeJobResult>(QUEUE_NAME, (job, token) => buildJob(job, token, o, name), {
    connection,
    concurrency: Math.max(1, o.concurrency ?? 1),
    lockDuration,
    stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
    maxStalledCount: 3,
    name,
  });
  worker.on('error', (err) => o.onEvent?.({ type: 'error', error: err.message }));
  return {
    name,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
