import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { assembleGuest, BubblewrapRunner, ExpandedPackageCache, type PackageKey } from '../src/sandbox/index.js';
import { type BenchResult, median, runs, timeMedian, warmups } from './result.js';

const PACKAGES = 10;
const FILES = 20;
const RUNS = runs(9);
const WARMUP = warmups(3);
const TARGET_MS = 300;

/** The host's dash and the libraries it needs, as one "package" (the guest's /bin/sh). */
async function shellPackage(cache: ExpandedPackageCache): Promise<PackageKey> {
  const files = new Map<string, string>([['/bin/sh', '/usr/bin/dash']]);
  for (const line of execFileSync('ldd', ['/usr/bin/dash'], { encoding: 'utf8' }).split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) files.set(m[1], m[1]);
  }
  const key = { name: 'bench-shell', version: '1-r0', identity: 'bench-shell' };
  await cache.put(key, async (tree) => {
    for (const [guest, host] of files) {
      mkdirSync(dirname(join(tree, guest)), { recursive: true });
      copyFileSync(host, join(tree, guest));
    }
  });
  return key;
}

/** Nine small packages of FILES files each, plus the shell: ten. */
async function fillCache(cache: ExpandedPackageCache): Promise<PackageKey[]> {
  const keys = [await shellPackage(cache)];
  for (let p = 1; p < PACKAGES; p++) {
    const key = { name: `bench-pkg${p}`, version: '1-r0', identity: `bench-pkg${p}` };
    await cache.put(key, async (tree) => {
      mkdirSync(join(tree, `usr/share/pkg${p}`), { recursive: true });
      mkdirSync(join(tree, 'usr/bin'), { recursive: true });
      writeFileSync(join(tree, `usr/bin/tool${p}`), `#!/bin/sh\necho ${p}\n`, { mode: 0o755 });
      for (let f = 0; f < FILES; f++) writeFileSync(join(tree, `usr/share/pkg${p}/f${f}`), `pkg ${p} file ${f}\n`);
    });
    keys.push(key);
  }
  return keys;
}

function runTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/true', [], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
}

/**
 * A trivial `runs: true` step in a fresh guest of 10 packages from a warm expanded-package cache:
 * assemble the guest, start the runner, run the step. The baseline is `true` spawned directly, so
 * ms − baseline is the sandbox's own overhead (target ≤ 300 ms).
 */
export async function benchSandbox(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lupine-bench-sandbox-'));
  try {
    const cache = new ExpandedPackageCache(join(dir, 'cache'));
    const packages = await fillCache(cache);
    const workspace = join(dir, 'workspace');
    mkdirSync(workspace);
    let n = 0;
    const assembleMs: number[] = [];
    const stepMs: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const target = join(dir, `guest${n++}`);
      const t0 = performance.now();
      await assembleGuest({ cache, packages, target });
      const t1 = performance.now();
      const runner = await BubblewrapRunner.start({ root: target, workspace });
      const r = await runner.run({ script: 'true' });
      await runner.close();
      const t2 = performance.now();
      if (r.exitCode !== 0) throw new Error(`the step failed: ${JSON.stringify(r)}`);
      if (i >= WARMUP) {
        assembleMs.push(t1 - t0);
        stepMs.push(t2 - t1);
        total.push(t2 - t0);
      }
      rmSync(target, { recursive: true, force: true });
    }
    const baselineMs = await timeMedian(runTrue, RUNS, WARMUP);
    const ms = median(total);
    const overhead = ms - baselineMs;
    return [
      {
        name: `sandbox: runs: true, fresh ${PACKAGES}-package guest (warm cache)`,
        ms,
        baselineMs,
        ratio: ms / baselineMs,
        note:
          `overhead ${overhead.toFixed(1)} ms (assemble ${median(assembleMs).toFixed(1)} ms, ` +
          `bwrap step ${median(stepMs).toFixed(1)} ms); target ≤ ${TARGET_MS} ms: ` +
          `${overhead <= TARGET_MS ? 'met' : 'NOT met'}; baseline is /usr/bin/true spawned directly`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
