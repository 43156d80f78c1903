/**
 * The BullMQ executor (coordinator side). For each recipe the scheduler hands it:
 *  1. outputs already in the store under the recipe's input identity → pull them (remote cache),
 *     unless --force asked to build it again;
 *  2. else make sure everything it builds against is in the store (a recipe this coordinator found
 *     up to date locally may never have been pushed), push the input bundle, and enqueue ONE plain
 *     job whose id is the identity, so a restarted coordinator (or a second one) re-adding it joins
 *     the job already queued or running instead of building it twice;
 *  3. follow the job (events for the worker's name and log lines, a poll as the safety net across
 *     Redis restarts), then pull its outputs from the store.
 * Pulled packages are signed with the coordinator's key here and merged into the coordinator's
 * index: the key stays on this machine, never in Redis or the store.
 *
 * Plain jobs, not flows: the scheduler already enqueues a recipe only once its dependencies are
 * done, and a recipe's job data (its identity, hence its cache decision) depends on the identities
 * its dependencies turned out to have, which a flow would need to know when the flow is created.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { LupineError, termSafe } from '../core/index.js';
import type { BuildResult, ExecuteRequest, RecipeExecutor } from '../distro/index.js';
import { packageContentSha256, placePackages, type RepoSigningKey } from './assemble.js';
import { packInputs } from './input-bundle.js';
import { INLINE_INPUTS_MAX, jobIdFor, QUEUE_NAME, type RecipeJobData, type RecipeJobProgress } from './job.js';
import { checkRedis, openRedis } from './redis-connection.js';
import { shareSources } from './sources.js';
import type { ArtifactStore } from './store.js';

export interface BullmqExecutorOptions {
  readonly redisUrl: string;
  readonly store: ArtifactStore;
  /** The coordinator's key: packages and index are signed with it as they are pulled. */
  readonly signingKey?: RepoSigningKey;
  readonly sourceDateEpoch?: number;
  readonly test: boolean;
  /** Tries per job (a build failure is not retried; store and network failures are). */
  readonly attempts?: number;
  /** First retry delay; doubled each time. */
  readonly backoffMs?: number;
  /** The coordinator's source store: sources recipes need are sent from it through the store. */
  readonly sourceStoreDir?: string;
  /** The tree's pipeline directories (to compile a recipe for its sources). */
  readonly pipelineDirs?: readonly string[];
  /** How often a waiting recipe checks its job (events do the fast path). */
  readonly pollMs?: number;
}

interface Waiter {
  worker?: string;
  /** Set by the 'completed' event: the job is done, no need to read its state. */
  completed?: boolean;
  onProgress(p: RecipeJobProgress): void;
  wake(): void;
}

export class BullmqExecutor implements RecipeExecutor {
  readonly kind = 'bullmq';
  readonly #o: BullmqExecutorOptions;
  readonly #queue: Queue<RecipeJobData>;
  readonly #events: QueueEvents;
  readonly #waiters = new Map<string, Waiter>();
  readonly #connections: Redis[];
  /** Identities whose outputs this run has seen in the store (pushed, pulled or found). */
  readonly #stored = new Set<string>();

  private constructor(
    o: BullmqExecutorOptions,
    queue: Queue<RecipeJobData>,
    events: QueueEvents,
    connections: Redis[],
  ) {
    this.#o = o;
    this.#connections = connections;
    this.#queue = queue;
    this.#events = events;
    events.on('progress', ({ jobId, data }) => {
      const w = this.#waiters.get(jobId);
      if (w && typeof data === 'object' && data !== null) w.onProgress(data as unknown as RecipeJobProgress);
    });
    const wake = ({ jobId }: { jobId: string }) => this.#waiters.get(jobId)?.wake();
    events.on('completed', ({ jobId }) => {
      const w = this.#waiters.get(jobId);
      if (w) w.completed = true;
      w?.wake();
    });
    events.on('failed', wake);
    events.on('error', () => undefined);
    queue.on('error', () => undefined);
  }

  static async open(o: BullmqExecutorOptions): Promise<BullmqExecutor> {
    const probe = openRedis(o.redisUrl);
    try {
      await checkRedis(probe, o.redisUrl);
    } finally {
      probe.disconnect();
    }
    const queueConn = openRedis(o.redisUrl);
    const eventsConn = openRedis(o.redisUrl, { blocking: true });
    const queue = new Queue<RecipeJobData>(QUEUE_NAME, { connection: queueConn });
    const events = new QueueEvents(QUEUE_NAME, { connection: eventsConn, blockingTimeout: 1000 });
    await events.waitUntilReady();
    return new BullmqExecutor(o, queue, events, [queueConn, eventsConn]);
  }

  async close(): Promise<void> {
    await this.#events.close().catch(() => undefined);
    await this.#queue.close().catch(() => undefined);
    // Ours, not BullMQ's: it leaves connections it was given open.
    for (const c of this.#connections) c.disconnect();
  }

  /** Dependencies built here before the store was used go to the store, so that workers can place them. */
  async #pushLocalNeeds(request: ExecuteRequest): Promise<void> {
    const o = this.#o;
    const { logger } = request;
    // Dependencies already seen in the store this run are not asked about again; the rest at once.
    const unknown = request.needs.filter((n) => !this.#stored.has(n.identity));
    const present = await Promise.all(unknown.map((n) => o.store.has(n.identity)));
    for (const [i, need] of unknown.entries()) {
      if (present[i]) {
        this.#stored.add(need.identity);
        continue;
      }
      logger.info(`pushing ${need.name} (built here earlier) to the store for the workers`);
      const files = await Promise.all(
        need.outputs.map(async (p) => ({
          file: p.path.split('/').at(-1) as string,
          bytes: await readFile(join(request.outDir, p.path)),
        })),
      );
      const log = `${need.name}.log`;
      await o.store.pushOutputs(
        {
          recipe: need.name,
          identity: need.identity,
          arch: request.arch,
          worker: 'coordinator',
          packages: need.outputs.map((p, i) => ({
            name: p.name,
            version: p.version,
            identity: p.identity,
            file: files[i]?.file as string,
          })),
          log,
        },
        [...files, { file: log, bytes: Buffer.from('built by a coordinator before it used the store\n') }],
      );
      this.#stored.add(need.identity);
    }
  }

  /** The job for a recipe: its inputs (inline or a blob), shared sources, and the packages of its dependencies. */
  async #jobData(request: ExecuteRequest): Promise<RecipeJobData> {
    const o = this.#o;
    const { node, logger, identity } = request;
    const bundle = await packInputs(node.file);
    const inputs =
      bundle.length <= INLINE_INPUTS_MAX
        ? { inline: bundle.toString('base64') }
        : { digest: await o.store.pushBlob(bundle) };
    // Compiling the recipe for its sources is skipped when there is no source to send.
    const sources =
      o.sourceStoreDir === undefined || (await readdir(o.sourceStoreDir).catch(() => [])).length === 0
        ? []
        : await shareSources(node.file, {
            arch: request.arch,
            pipelineDirs: o.pipelineDirs ?? [],
            storeDir: o.sourceStoreDir,
            store: o.store,
            logger,
          });
    return {
      name: node.name,
      arch: request.arch,
      identity,
      store: o.store.where,
      file: node.file.split('/').at(-1) as string,
      node: { ...node, file: undefined } as Omit<typeof node, 'file'>,
      inputs,
      needs: await Promise.all(
        request.needs.map(async (n) => ({
          name: n.name,
          identity: n.identity,
          // What the worker may place: the packages this coordinator built or pulled and verified
          // (their content: it signed them again, the store holds them as built).
          packages: await Promise.all(
            n.outputs.map(async (p) => ({
              file: p.path.split('/').at(-1) as string,
              sha256: packageContentSha256(await readFile(join(request.outDir, p.path))),
            })),
          ),
        })),
      ),
      test: o.test,
      ...(o.sourceDateEpoch !== undefined ? { sourceDateEpoch: o.sourceDateEpoch } : {}),
      ...(sources.length > 0 ? { sources } : {}),
    };
  }

  async execute(request: ExecuteRequest): Promise<BuildResult> {
    const { node, logger, identity } = request;
    const o = this.#o;
    // --force builds again (the new outputs replace the stored ones under the same tag).
    if (!request.force && (await o.store.has(identity))) {
      logger.info(`outputs of ${node.name} found in the store ${o.store.where} (${identity}): pulled, not built`);
      const pulled = await this.#pull(request, true);
      this.#stored.add(identity);
      return { ...pulled, pulled: true };
    }
    await this.#pushLocalNeeds(request);
    const data = await this.#jobData(request);
    const t0 = performance.now();
    await this.#follow(request, data, request.force === true);
    const t1 = performance.now();
    // Completed means pushed; outputs gone since (a store cleaned up) are built again, once.
    let result = await this.#pull(request, false, true);
    if (result === undefined) {
      await this.#follow(request, data, true);
      result = (await this.#pull(request, false)) as BuildResult;
    }
    this.#stored.add(identity);
    request.logger.info(
      `queued and built in ${Math.round(t1 - t0)} ms, pulled in ${Math.round(performance.now() - t1)} ms`,
    );
    return result;
  }

  /**
   * Adds the recipe's job. A job that failed in an earlier run is tried afresh; a completed one is
   * kept (its outputs are in the store) unless `rebuild` (they are no longer there: the store is
   * the truth); one waiting or running is joined.
   */
  async #enqueue(data: RecipeJobData, rebuild = false): Promise<void> {
    const jobId = jobIdFor(data.store, data.identity);
    // One round trip for a new recipe (the usual case); the job is read only to remove it.
    const state = await this.#queue.getJobState(jobId);
    if (state === 'failed' || (rebuild && state === 'completed'))
      await (await Job.fromId(this.#queue, jobId))?.remove();
    await this.#queue.add(data.name, data, {
      jobId,
      attempts: this.#o.attempts ?? 3,
      backoff: { type: 'exponential', delay: this.#o.backoffMs ?? 1000 },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 24 * 3600 },
    });
  }

  /** Waits until the job completed (resolves) or failed for good (throws with the worker's reason). */
  async #follow(request: ExecuteRequest, data: RecipeJobData, again = false): Promise<void> {
    const jobId = jobIdFor(data.store, data.identity);
    let wake: () => void = () => undefined;
    const waiter: Waiter = {
      onProgress: (p) => {
        if (p.worker !== waiter.worker) {
          waiter.worker = p.worker;
          // Anyone who can write to Redis names workers: shown on the terminal, escaped.
          request.onProgress?.({ worker: termSafe(String(p.worker).slice(0, 128)) });
        }
        // Lines come in batches (see the worker), one log line each.
        if (typeof p.line === 'string') for (const l of p.line.split('\n')) request.logger.info(l);
      },
      wake: () => wake(),
    };
    this.#waiters.set(jobId, waiter);
    try {
      await this.#enqueue(data, again);
      for (;;) {
        // Interrupted: the abort's own reason, as every other network wait ends (net/transport.ts).
        request.signal?.throwIfAborted();
        if (waiter.completed) return;
        const state = await this.#state(jobId);
        if (state.kind === 'completed') return;
        if (state.kind === 'failed') {
          throw new LupineError('CLUSTER_REMOTE_FAILED', state.reason.split('\n').map(termSafe).join('\n'), {
            details: { recipe: data.name, worker: waiter.worker },
          });
        }
        if (state.kind === 'missing' && !(await this.#o.store.has(data.identity))) await this.#enqueue(data);
        if (state.kind === 'missing' && (await this.#o.store.has(data.identity))) return;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.#o.pollMs ?? 1000);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    } finally {
      this.#waiters.delete(jobId);
    }
  }

  async #state(
    jobId: string,
  ): Promise<{ kind: 'completed' | 'pending' | 'missing' } | { kind: 'failed'; reason: string }> {
    for (let tries = 0; ; tries++) {
      try {
        const job = await Job.fromId(this.#queue, jobId);
        if (!job) return { kind: 'missing' };
        const state = await job.getState();
        if (state === 'completed') return { kind: 'completed' };
        if (state === 'failed') return { kind: 'failed', reason: job.failedReason || 'failed' };
        return { kind: 'pending' };
      } catch (err) {
        // Redis restarting: wait for it rather than fail the recipe.
        if (tries >= 60) throw err;
        await sleep(1000);
      }
    }
  }

  async #pull(request: ExecuteRequest, cached: boolean, mayMiss: true): Promise<BuildResult | undefined>;
  async #pull(request: ExecuteRequest, cached: boolean): Promise<BuildResult>;
  async #pull(request: ExecuteRequest, cached: boolean, mayMiss = false): Promise<BuildResult | undefined> {
    const o = this.#o;
    const got = await o.store.pullOutputs(request.identity, { packagesOnly: true });
    if (!got && mayMiss) return undefined;
    if (!got) {
      throw new LupineError('CLUSTER_STORE_INVALID', `${request.node.name}: outputs missing from ${o.store.where}`, {
        details: { identity: request.identity },
      });
    }
    if (cached && got.config.worker !== 'coordinator') {
      request.onProgress?.({ worker: termSafe(got.config.worker.slice(0, 128)) });
    }
    const packages = await placePackages(
      request.outDir,
      request.arch,
      got.config.packages.map((p) => ({ file: p.file, bytes: got.files.get(p.file) as Buffer })),
      o.signingKey ? { key: o.signingKey, mtime: o.sourceDateEpoch ?? 0 } : undefined,
      {
        recipe: request.node.name,
        packages: request.node.packages,
        fullVersion: request.node.fullVersion,
        from: `${o.store.where}:${request.identity}`,
      },
    );
    request.logger.info(`outputs ${got.manifest} built by ${termSafe(got.config.worker.slice(0, 128))}`);
    return { packages };
  }
}
