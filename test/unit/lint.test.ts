import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';

// The lint and format checks run with the tests so that CI enforces them (`npm run check` runs them too).
const biome = join(repoRoot, 'node_modules', '.bin', 'biome');

function run(cmd: string, args: string[]) {
  return spawnSync(cmd, args, { cwd: repoRoot, encoding: 'utf8' });
}

test('biome lint finds nothing', () => {
  const r = run(biome, ['lint', '--colors=off', 'src', 'test', 'bench', 'scripts']);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});

test('biome format finds nothing to change', () => {
  const r = run(biome, ['format', '--colors=off', 'src', 'test', 'bench', 'scripts']);
  assert.equal(r.status, 0, `run 'npm run format'\n${r.stdout}\n${r.stderr}`);
});

test('module boundaries hold: process/console only in src/cli, no deep imports', () => {
  const r = run(process.execPath, [join(repoRoot, 'scripts', 'check-boundaries.mjs')]);
  assert.equal(r.status, 0, r.stderr);
});
