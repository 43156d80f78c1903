#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner.
// Arguments narrow the run: `npm test -- apk` runs files whose path contains "apk".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { walkFiles } from './walk-files.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const testRoot = join(root, 'dist', 'test');
const filters = process.argv.slice(2);

const walk = (dir) => walkFiles(dir, '.test.js');

const files = walk(testRoot).filter((f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x)));
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
const reporter = process.env.TEST_REPORTER ?? 'spec';
// One directory per run for what test files share (test/helpers/distro-tree.ts builds the distro
// tree there once); removed when the run ends.
const shared = mkdtempSync(join(tmpdir(), 'lupine-test-run-'));
let r;
try {
  // The spec (or chosen) reporter on stdout; the slowest files, when the run ends, on stderr.
  const times = ['--test-reporter', join(root, 'scripts', 'test-file-times.mjs'), '--test-reporter-destination=stderr'];
  const main = [`--test-reporter=${reporter}`, '--test-reporter-destination=stdout'];
  r = spawnSync(process.execPath, ['--test', ...main, ...times, '--test-concurrency=2', ...files], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, LUPINE_TEST_SHARED_DIR: shared },
  });
} finally {
  rmSync(shared, { recursive: true, force: true });
}
process.exit(r?.status ?? 1);
