import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { measureCommand } from '../../bench/child-cpu.js';
import { hostRecipe } from '../helpers/host-recipe.js';
import { repoRoot } from '../helpers/paths.js';

/**
 * Every bench still runs (CI runs the tests, not `npm run bench`): each runs once, with no warm-up, in
 * quick mode. No timing is asserted here — the figures of a quick run mean nothing; `npm run bench`
 * measures. The demo bench is left out: `demo.test.ts` runs the same demo cold and warm.
 */
const BENCHES = [
  'cluster',
  'index-build',
  'index-parse',
  'image',
  'install',
  'pkg',
  'resolve',
  'sandbox',
  'scan',
  'scan-db',
];

test('every bench runs and reports a time (quick mode)', () => {
  const r = spawnSync(
    process.execPath,
    [join(repoRoot, 'dist', 'bench', 'run.js'), '--json', ...BENCHES.map((b) => `${b}:`)],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, LUPINE_BENCH_QUICK: '1' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 15 * 60 * 1000,
    },
  );
  assert.equal(r.status, 0, `bench run failed:\n${r.stderr}`);
  const results = JSON.parse(r.stdout) as Array<{ name: string; ms: number }>;
  assert.ok(results.length >= BENCHES.length, `one row at least per bench (${results.length})`);
  for (const x of results) {
    if (/skipped/i.test(x.name)) continue;
    assert.ok(Number.isFinite(x.ms) && x.ms > 0, `${x.name}: ${x.ms}`);
  }
});

/**
 * The distro bench (two full builds and a rerun) on a tree of two tiny recipes instead of distro/
 * (LUPINE_BENCH_DISTRO_TREE): every row is there, each with its target, and the two builds'
 * packages compare identical. The real figures come from `npm run bench -- distro`.
 */
test('the distro bench runs on a tiny tree and reports its four rows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lupine-bench-smoke-distro-'));
  try {
    const tree = join(dir, 'distro');
    mkdirSync(tree);
    for (const n of ['tiny-a', 'tiny-b']) writeFileSync(join(tree, `${n}.yaml`), hostRecipe(n));
    const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'bench', 'run.js'), '--json', 'distro:'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, LUPINE_BENCH_QUICK: '1', LUPINE_BENCH_DISTRO_TREE: tree },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 10 * 60 * 1000,
    });
    assert.equal(r.status, 0, `bench run failed:\n${r.stderr}`);
    const rows = JSON.parse(r.stdout) as Array<{ name: string; target?: string; ratio?: number; note?: string }>;
    if (rows.length === 1 && /skipped/.test(rows[0]?.name ?? '')) return;
    assert.deepEqual(
      rows.map((x) => x.name.replace(/^distro \(.*?\) /, '')),
      [
        'from empty package caches, sources in the store (2 packages)',
        'rerun, no change',
        'CPU ÷ (wall × 2 cores), full build',
        'packages not byte-identical across two builds',
      ],
    );
    for (const x of rows) assert.ok(x.target && x.ratio !== undefined && x.note, JSON.stringify(x));
    assert.equal(rows[3]?.ratio, 0);
    assert.equal(rows[3]?.note, '2 of 2 identical');
    // as root (the CI machine) the build runs in a cgroup of its own, so sandboxed CPU counts
    if (process.getuid?.() === 0) assert.match(rows[2]?.note ?? '', /counted by a cgroup$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The CPU of work inside bubblewrap's pid namespace never reaches wait4 (rusage, /usr/bin/time: 0.00),
 * so the distro bench counts a build's CPU in a cgroup: a busy loop in a sandbox is counted.
 */
test('a sandboxed busy loop is counted in the CPU time of the command that ran it', (t) => {
  if (process.getuid?.() !== 0 || spawnSync('bwrap', ['--version']).status !== 0) return t.skip('needs root and bwrap');
  const loop = 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done';
  const args = ['--unshare-pid', '--die-with-parent', '--dev-bind', '/', '/', 'sh', '-c', loop];
  const m = measureCommand('bwrap', args, { encoding: 'utf8' });
  assert.equal(m.run.status, 0, m.run.stderr);
  assert.equal(m.cpuSource, 'cgroup');
  const t0 = spawnSync('/usr/bin/time', ['-f', '%U %S', 'bwrap', ...args], { encoding: 'utf8' });
  const rusage = t0.stderr.trim().split(/\s+/).map(Number);
  // what wait4 sees is (almost) nothing; the cgroup sees the loop
  assert.ok(m.cpuMs > 10 * ((rusage[0] ?? 0) + (rusage[1] ?? 0)) * 1000 + 20, `${m.cpuMs} ms vs rusage ${t0.stderr}`);
});
