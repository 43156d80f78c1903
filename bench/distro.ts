import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './result.js';

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
}

const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;

interface Run {
  readonly ms: number;
  /** CPU time of the build and everything it ran (user + system of the reaped children), ms. */
  readonly cpuMs: number;
}

/** One `lupine distro build` of the checkout's distro/ into `dir`, with the shared source store. */
function build(root: string, dir: string): Run {
  const t0 = performance.now();
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'LUPINE_CPU %U %S',
      process.execPath,
      join(root, 'bin', 'lupine'),
      'distro',
      'build',
      join(root, 'distro'),
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
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`distro build exited ${r.status}:\n${r.stderr.slice(-4000)}`);
  const m = /LUPINE_CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { ms, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : 0 };
}

/**
 * The whole distro/ from empty package caches with its sources in the store (the checkout's
 * out/cache/sources, which ./setup.sh fills), twice in different directories: wall time, CPU time ÷
 * (wall × cores), how many packages are byte-identical across the two builds, and the no-change
 * rerun. Targets (issue 12): ≤ 35 min, rerun ≤ 10 s, utilisation ≥ 0.8, every package identical.
 */
export function benchDistro(): BenchResult[] {
  const root = repoRoot();
  if (!ok('bwrap', ['--version']) || !existsSync(join(root, 'out', 'cache', 'sources'))) {
    return [{ name: 'distro (skipped)', ms: 0, note: 'needs bwrap and the source store (./setup.sh)' }];
  }
  const work = mkdtempSync(join(tmpdir(), 'lupine-bench-distro-'));
  try {
    const dirs = ['a', 'b'].map((x) => join(work, x));
    for (const d of dirs) {
      mkdirSync(join(d, 'keys'), { recursive: true });
    }
    const key = spawnSync(process.execPath, [
      join(root, 'bin', 'lupine'),
      'keygen',
      'bench',
      '--out',
      join(dirs[0] as string, 'keys'),
    ]);
    if (key.status !== 0) throw new Error('keygen failed');
    spawnSync('cp', ['-a', join(dirs[0] as string, 'keys', '.'), join(dirs[1] as string, 'keys')]);
    const first = build(root, dirs[0] as string);
    const rerun = build(root, dirs[0] as string);
    build(root, dirs[1] as string);
    const apks = (d: string) =>
      readdirSync(join(d, 'packages', 'x86_64'))
        .filter((f) => f.endsWith('.apk'))
        .sort();
    const names = apks(dirs[0] as string);
    const differ = names.filter((f) => {
      const other = join(dirs[1] as string, 'packages', 'x86_64', f);
      return (
        !existsSync(other) ||
        !readFileSync(join(dirs[0] as string, 'packages', 'x86_64', f)).equals(readFileSync(other))
      );
    });
    const cores = Math.min(2, availableParallelism());
    const use = first.cpuMs / (first.ms * cores);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    return [
      {
        name: `distro from empty package caches, sources in the store (${names.length} packages)`,
        ms: first.ms,
        note: `${s(first.ms)} (target ≤ 35 min); CPU ÷ (wall × ${cores} cores) = ${use.toFixed(2)} (target ≥ 0.8)`,
      },
      { name: 'distro rerun, no change', ms: rerun.ms, note: `${s(rerun.ms)} (target ≤ 10 s)` },
      {
        name: 'distro packages byte-identical across two builds',
        ms: 0,
        note: `${names.length - differ.length} of ${names.length}${differ.length ? `; differ: ${differ.join(' ')}` : ''}`,
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
