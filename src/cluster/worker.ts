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
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { readPackage } from '../apk/index.js';
import { isLupineError, type Logger, makeOwnedDir, sweepStaleDirs, termSafe } from '../core/index.js';
import { MelangeBuilder, type RecipeNode } from '../distro/index.js';
import { placePackages } from './assemble.js';
import { unpackInputs } from './input-bundle.js';
import { checkJobData, QUEUE_NAME, type RecipeJobData, type RecipeJobProgress, type RecipeJobResult } from './job.js';
import { checkRedis, openRedis } from './redis-connection.js';
import { receiveSources } from './sources.js';
import type { ArtifactStore, OutputsConfig, StoredFile } from './store.js';

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
  isLupineError(err) && (err.code.startsWith('BUILD_') || err.code === 'DISTRO_RECIPE_INVALID');

/** Job directories are `<work-dir>/job-XXXXXX`, each naming its owner process. */
const JOB_DIR_PREFIX = 'job-';

async function buildJob(job: Job<RecipeJobData>, o: WorkerOptions, name: string): Promise<RecipeJobResult> {
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
  if (d.node.runner === 'host' && !o.allowHostRunner) {
    const msg = `${d.name} asks for the host runner (no sandbox), which this worker (${name}) does not allow`;
    o.onEvent?.({ type: 'fail', name: d.name, error: msg, retry: false });
    throw new UnrecoverableError(`${msg}: start workers with --allow-host-runner to build it`);
  }
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  const emit = o.onEvent ?? (() => undefined);
  const say = (p: RecipeJobProgress) => job.updateProgress(p as unknown as object).catch(() => undefined);
  let progress: Promise<unknown> = say({ worker: name });
  emit({ type: 'take', name: d.name, identity: d.identity, attempt: job.attemptsMade + 1 });
  if (d.store !== o.store.where) {
    const msg = `the job's store is ${d.store}, this worker (${name}) serves ${o.store.where}`;
    emit({ type: 'fail', name: d.name, error: msg, retry: false });
    throw new UnrecoverableError(`${msg}: start workers with --store ${d.store}`);
  }
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
    const bundle =
      'inline' in d.inputs ? Buffer.from(d.inputs.inline, 'base64') : await o.store.getBlob(d.inputs.digest);
    await unpackInputs(bundle, tree);
    // Dependencies side by side, then into the job's repository in one index write.
    const needs = await Promise.all(
      d.needs.map(async (need) => {
        const got = await o.store.pullOutputs(need.identity, { packagesOnly: true });
        if (!got) throw new Error(`${need.name} (${need.identity}) is not in the store ${o.store.where}`);
        return got.config.packages.map((p) => ({ file: p.file, bytes: got.files.get(p.file) as Buffer }));
      }),
    );
    if (needs.length > 0) await placePackages(repo, d.arch, needs.flat());
    const sourceStoreDir = join(o.workDir, 'cache', 'sources');
    await receiveSources(d.sources ?? [], o.store, sourceStoreDir);
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
    const files: StoredFile[] = [];
    const packages: OutputsConfig['packages'][number][] = [];
    for (const p of result.packages) {
      const file = p.path.split('/').at(-1) as string;
      const bytes = await readFile(join(repo, p.path));
      files.push({ file, bytes });
      packages.push({ name: p.name, version: p.version, identity: p.identity, file });
      const sbom = `${p.name}-${p.version}.spdx.json`;
      const inside = readPackage(bytes).files.find((f) => f.name === `var/lib/db/sbom/${sbom}`);
      if (inside) files.push({ file: sbom, bytes: inside.content });
    }
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
  const worker = new Worker<RecipeJobData, RecipeJobResult>(QUEUE_NAME, (job) => buildJob(job, o, name), {
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
