import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Measured, measureCommand } from './child-cpu.js';
import type { BenchResult } from './result.js';

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
}

const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;

/** One `lupine distro build` of the recipe tree `tree` into `dir`, with the checkout's source store. */
function build(root: string, tree: string, dir: string): Measured {
  const m = measureCommand(
    process.execPath,
    [
      join(root, 'bin', 'lupine'),
      'distro',
      'build',
      tree,
      '-j',
      '2',
      '--out-dir',
      join(dir, 'packages'),
      '--cache-dir',
      join(dir, 'cache'),
      '--sources',
      join(root, 'out', 'cache', 'sources'),
      '--signing-key',
      join(dir, 'keys', 'bench.rsa'),
    ],
    { encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: '0' }, maxBuffer: 256 * 1024 * 1024 },
  );
  if (m.run.status !== 0) throw new Error(`distro build exited ${m.run.status}:\n${m.run.stderr.slice(-4000)}`);
  return m;
}

/** Issue 12's budgets. */
const FULL_BUDGET_MS = 35 * 60 * 1000;
const RERUN_BUDGET_MS = 10 * 1000;
const MIN_UTILISATION = 0.8;

/**
 * The whole distro/ from empty package caches with its sources in the store (the checkout's
 * out/cache/sources, which ./setup.sh fills), twice in different directories: wall time, CPU time ÷
 * (wall × cores), how many packages are byte-identical across the two builds (naming those that are
 * not), and the no-change rerun. Targets (issue 12): ≤ 35 min, rerun ≤ 10 s, utilisation ≥ 0.8,
 * every package identical; each row's ratio is against its target, so `result` says pass or over.
 *
 * `LUPINE_BENCH_DISTRO_TREE=DIR` builds another recipe tree instead of distro/ (a small one, to
 * check the bench itself without the full build's half hour: test/e2e/bench-smoke.test.ts).
 */
export function benchDistro(): BenchResult[] {
  const root = repoRoot();
  const tree = process.env.LUPINE_BENCH_DISTRO_TREE || join(root, 'distro');
  if (!ok('bwrap', ['--version']) || !existsSync(join(root, 'out', 'cache', 'sources'))) {
    return [{ name: 'distro (skipped)', ms: 0, note: 'needs bwrap and the source store (./setup.sh)' }];
  }
  const work = mkdtempSync(join(tmpdir(), 'lupine-bench-distro-'));
  try {
    const [a, b] = ['a', 'b'].map((x) => join(work, x)) as [string, string];
    for (const d of [a, b]) mkdirSync(join(d, 'keys'), { recursive: true });
    const key = spawnSync(process.execPath, [join(root, 'bin', 'lupine'), 'keygen', 'bench', '--out', join(a, 'keys')]);
    if (key.status !== 0) throw new Error('keygen failed');
    // the same key, so the signed .apk files of the two builds can be compared byte for byte
    cpSync(join(a, 'keys'), join(b, 'keys'), { recursive: true });
    const first = build(root, tree, a);
    const rerun = build(root, tree, a);
    build(root, tree, b);
    const apks = (d: string) =>
      readdirSync(join(d, 'packages', 'x86_64'))
        .filter((f) => f.endsWith('.apk'))
        .sort();
    const names = apks(a);
    const differ = [...new Set([...names, ...apks(b)])].sort().filter((f) => {
      const [x, y] = [join(a, 'packages', 'x86_64', f), join(b, 'packages', 'x86_64', f)];
      return !existsSync(x) || !existsSync(y) || !readFileSync(x).equals(readFileSync(y));
    });
    const cores = Math.min(2, availableParallelism());
    const use = first.cpuMs / (first.ms * cores);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const label = tree === join(root, 'distro') ? 'distro' : `distro (${tree})`;
    return [
      {
        name: `${label} from empty package caches, sources in the store (${names.length} packages)`,
        ms: first.ms,
        baselineMs: FULL_BUDGET_MS,
        ratio: first.ms / FULL_BUDGET_MS,
        target: '≤ 1×',
        note: `${s(first.ms)}; baseline: the 35-min budget`,
      },
      {
        name: `${label} rerun, no change`,
        ms: rerun.ms,
        baselineMs: RERUN_BUDGET_MS,
        ratio: rerun.ms / RERUN_BUDGET_MS,
        target: '≤ 1×',
        note: `${s(rerun.ms)}; baseline: the 10-s budget`,
      },
      {
        name: `${label} CPU ÷ (wall × ${cores} cores), full build`,
        ms: first.cpuMs,
        ratio: MIN_UTILISATION / use,
        target: '≤ 1×',
        note: `${use.toFixed(2)} (target ≥ ${MIN_UTILISATION}; ratio = ${MIN_UTILISATION} ÷ it); ms is CPU time, counted by ${first.cpuSource === 'cgroup' ? 'a cgroup' : 'rusage (misses sandboxed work)'}`,
      },
      {
        name: `${label} packages not byte-identical across two builds`,
        ms: 0,
        ratio: differ.length,
        target: '≤ 0×',
        note: `${names.length - differ.length} of ${names.length} identical${differ.length ? `; differ: ${differ.join(' ')}` : ''}`,
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
