import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
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
