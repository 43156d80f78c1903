import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

/**
 * The fuzz cases (fuzz-cases.ts) run in a child test process with a deadline: every reader is
 * synchronous, so an infinite loop could not be interrupted in-process. A hang is a failure, not a
 * stalled CI run. FUZZ_SEED / FUZZ_SCALE / FUZZ_CASE pass through.
 */
const DEADLINE_MS = 10 * 60 * 1000;

test('fuzz: every mutated vector ends in a result or a LupineError, within the deadline', () => {
  const cases = fileURLToPath(new URL('./fuzz-cases.js', import.meta.url));
  // Without NODE_TEST_CONTEXT the child reports as a standalone run (not in the parent's protocol).
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', cases], {
    encoding: 'utf8',
    env,
    timeout: DEADLINE_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.notEqual(r.signal, 'SIGKILL', `the fuzz run did not finish within ${DEADLINE_MS / 1000} s: a reader hangs`);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /ℹ pass [1-9]/);
  assert.match(r.stdout, /ℹ fail 0/);
});
