/**
 * The distributed distro build (BullMQ executor) against itself and against the local executor,
 * with a Redis and a registry started here on 127.0.0.1:
 *  - 8 independent CPU-bound recipes built by 1 worker, then by 2 (each its own store repository,
 *    so nothing is a cache hit): the ratio 2-worker / 1-worker time, target ≤ 0.59× (≥ 1.7× speed-up);
 *  - per-recipe overhead of the BullMQ executor (queue + store round trips + pulling into the
 *    repository) over the local one: 8 trivial recipes, -j 1 both ways, 1 worker; the row's
 *    baseline is the 300 ms budget.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hostRecipe, type LupineProcess, spawnLupine, writeTree } from '../test/helpers/cluster.js';
import { startRedis } from '../test/helpers/redis.js';
import { startRegistry } from '../test/helpers/registry.js';
import { type BenchResult, QUICK } from './result.js';

const RECIPES = 8;
const LOOP = QUICK ? 20_000 : 400_000;
const BUDGET_MS = 300;

async function timed(p: LupineProcess): Promise<number> {
  const t0 = performance.now();
  const code = await p.exited();
  if (code !== 0) throw new Error(`lupine exited ${code}:\n${p.output()}`);
  return performance.now() - t0;
}

export async function benchCluster(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lupine-bench-cluster-'));
  const redis = await startRedis();
  const registry = await startRegistry();
  const env = { ...process.env, SOURCE_DATE_EPOCH: '0' };
  const procs: LupineProcess[] = [];
  const spawnIt = (argv: string[]) => {
    const p = spawnLupine(argv, env, dir);
    procs.push(p);
    return p;
  };
  const startWorkers = async (n: number, tag: string, store: string) => {
    const ws = Array.from({ length: n }, (_, i) =>
      spawnIt([
        'distro',
        'worker',
        '--redis',
        redis.url,
        '--store',
        store,
        '--name',
        `${tag}-w${i + 1}`,
        '--work-dir',
        join(dir, `${tag}-w${i + 1}`),
        '--allow-host-runner',
      ]),
    );
    for (const w of ws) await w.waitFor(/waiting for jobs/);
    return ws;
  };
  const coordinator = (tree: string, out: string, store: string, jobs: number) =>
    spawnIt([
      'distro',
      'build',
      tree,
      '-j',
      String(jobs),
      '--out-dir',
      join(dir, out),
      '--no-test',
      '--executor',
      'bullmq',
      '--redis',
      redis.url,
      '--store',
      store,
    ]);
  try {
    const cpu: Record<string, string> = {};
    const trivial: Record<string, string> = {};
    for (let i = 1; i <= RECIPES; i++) {
      cpu[`cpu${i}`] = hostRecipe(`cpu${i}`, [], `i=0; while [ $i -lt ${LOOP} ]; do i=$((i+1)); done`);
      trivial[`t${i}`] = hostRecipe(`t${i}`);
    }
    const cpuTree = writeTree(join(dir, 'cpu'), cpu);
    const trivialTree = writeTree(join(dir, 'trivial'), trivial);

    const times: number[] = [];
    for (const n of [1, 2]) {
      const store = `${registry.host}/bench/cpu-${n}`;
      const ws = await startWorkers(n, `cpu${n}`, store);
      times.push(await timed(coordinator(cpuTree, `cpu-out-${n}`, store, RECIPES)));
      for (const w of ws) await w.stop();
    }
    const [one, two] = times as [number, number];

    const local = spawnIt([
      'distro',
      'build',
      trivialTree,
      '-j',
      '1',
      '--out-dir',
      join(dir, 'local-out'),
      '--no-test',
    ]);
    const localMs = await timed(local);
    const store = `${registry.host}/bench/trivial`;
    const ws = await startWorkers(1, 'trivial', store);
    const bullMs = await timed(coordinator(trivialTree, 'bull-out', store, 1));
    for (const w of ws) await w.stop();
    const overhead = Math.max(0, (bullMs - localMs) / RECIPES);
    return [
      {
        name: `cluster: ${RECIPES} CPU-bound recipes, 2 workers vs 1`,
        ms: two,
        baselineMs: one,
        ratio: two / one,
        target: '≤ 0.59×',
        note: `1 worker ${(one / 1000).toFixed(1)} s, 2 workers ${(two / 1000).toFixed(1)} s: speed-up ${(one / two).toFixed(2)}× (target ≥ 1.7×)`,
      },
      {
        name: 'cluster: bullmq executor overhead per recipe',
        ms: overhead,
        baselineMs: BUDGET_MS,
        ratio: overhead / BUDGET_MS,
        target: '≤ 1×',
        note: `baseline is the ${BUDGET_MS} ms budget; ${RECIPES} trivial recipes, -j 1: local ${localMs.toFixed(0)} ms, bullmq with 1 worker ${bullMs.toFixed(0)} ms`,
      },
    ];
  } finally {
    for (const p of procs) await p.kill();
    await redis.stop();
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
