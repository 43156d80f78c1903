import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { apkCommand } from '../../src/cli/commands/apk/apk.js';
import { splitShellWords } from '../../src/cli/commands/apk/args.js';
import { writeError } from '../../src/cli/render.js';
import { apkSolverExitCode, SOLVER_ERROR_CASES } from '../helpers/apk-solver-exit.js';
import { vector } from '../helpers/paths.js';

/**
 * apk-tools 2.14's solver conformance cases: each `*.test` file's @ARGS run through
 * `lupine apk`, stdout and stderr interleaved as `2>&1`, compared byte for byte with @EXPECT.
 * The virtual-package case was recorded with the clock at 2019-06-03 13:14:26 UTC, which
 * SOURCE_DATE_EPOCH reproduces. The same runs over `apk-tools-behaviour/solver/`: what the real
 * apk-tools 2.14.10 test build printed for cases where lupine once chose differently. Each run also
 * exits as apk's normal build does: the number of errors (see helpers/apk-solver-exit.ts), and for the
 * behaviour cases the status `exitcodes.txt` recorded.
 */
const dir = vector('apk-solver');
const behaviourDir = vector('apk-tools-behaviour', 'solver');
const SOURCE_DATE_EPOCH = '1559567666';

/** Cases that do not pass yet, with the reason (kept visible as todo). */
const TODO: Record<string, string> = {};

function parseCase(text: string): { args: string[]; expect: string } {
  const lines = text.split('\n');
  const a = lines.indexOf('@ARGS');
  const e = lines.indexOf('@EXPECT');
  assert.ok(a >= 0 && e > a, 'a test case has @ARGS then @EXPECT');
  const args = lines.slice(a + 1, e).flatMap((l) => splitShellWords(l));
  const expect = lines.slice(e + 1).join('\n');
  return { args, expect };
}

async function runMerged(argv: string[], cwd = dir): Promise<{ code: number; output: string }> {
  const chunks: string[] = [];
  const write = (c: string | Uint8Array) => chunks.push(typeof c === 'string' ? c : Buffer.from(c).toString('utf8'));
  const io = { stdout: { write }, stderr: { write }, env: { SOURCE_DATE_EPOCH }, cwd };
  // apk's test build starts from an empty installed state and only simulates. The command is run
  // directly (as `lupine apk` would), so unrelated commands cannot affect these cases.
  let code: number;
  try {
    code = await apkCommand.run(['--test-instdb', '/dev/null', ...argv], io);
  } catch (err) {
    code = writeError(io.stderr, err);
  }
  return { code, output: chunks.join('') };
}

const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.test'))
  .sort();

test('the solver vectors hold 63 cases', () => {
  assert.equal(cases.length, 63);
});

for (const file of cases) {
  const todo = TODO[file];
  test(`apk-solver ${file}`, todo ? { todo } : {}, async () => {
    const { args, expect } = parseCase(readFileSync(`${dir}/${file}`, 'utf8'));
    const r = await runMerged(args);
    assert.equal(r.output, expect);
    assert.equal(r.code, apkSolverExitCode(file, expect), `exit code of ${file}`);
  });
}

test('the exit-code table covers exactly the cases that print ERROR', () => {
  const failing = cases.filter((f) => {
    const { expect } = parseCase(readFileSync(`${dir}/${f}`, 'utf8'));
    return expect.startsWith('ERROR: unable to select packages:');
  });
  assert.deepEqual(failing, SOLVER_ERROR_CASES);
});

/** `CASEFILE CODE` lines: the normal build's exit status for each behaviour case. */
const behaviourExitCodes = new Map(
  readFileSync(`${behaviourDir}/exitcodes.txt`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [f, code] = l.split(' ');
      return [f as string, Number(code)];
    }),
);

const behaviourCases = readdirSync(behaviourDir)
  .filter((f) => f.endsWith('.test'))
  .sort();

test('the apk-tools behaviour solver vectors hold 6 cases', () => {
  assert.deepEqual(behaviourCases, [
    'behav-del-needed.test',
    'behav-exitcode.test',
    'behav-installif-order.test',
    'behav-provide-upgrade.test',
    'behav-provider-choice.test',
    'behav-world-sort.test',
  ]);
});

for (const file of behaviourCases) {
  test(`apk-tools behaviour ${file}`, async () => {
    const { args, expect } = parseCase(readFileSync(`${behaviourDir}/${file}`, 'utf8'));
    const r = await runMerged(args, behaviourDir);
    assert.equal(r.output, expect);
    assert.equal(r.code, behaviourExitCodes.get(file), `exit code of ${file}`);
  });
}
