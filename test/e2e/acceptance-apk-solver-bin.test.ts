/**
 * Acceptance review of issue 3, item "Conformance": every case of ../shared/vectors/apk-solver/ run
 * through `./bin/lupine apk <its @ARGS>` as a separate process (main(), the command registry, argv
 * parsing and real stdout/stderr), the output taken as `2>&1` (both streams into one file descriptor)
 * and compared byte for byte with @EXPECT.
 *
 * apk-tools runs these cases with `get_block ARGS < $test | xargs apk-test`; apk-test is built in
 * TEST_MODE, which always simulates. `lupine apk` simulates only when a test-build option is given, so
 * the few cases with none of them (basic8: `--no-network add -t .virtual`) would be a real run on `/`.
 * Those get a fresh empty `--root` here so that the host is never touched; the test names them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { apkSolverExitCode } from '../helpers/apk-solver-exit.js';
import { binLupine, vector } from '../helpers/paths.js';

const dir = vector('apk-solver');
const SOURCE_DATE_EPOCH = '1559567666';
const work = mkdtempSync(join(tmpdir(), 'lupine-acc-solver-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Splits text into words the way xargs does: blanks separate, single and double quotes group. */
function xargsWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = '';
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  assert.equal(quote, '', 'quotes are balanced');
  if (inWord) words.push(cur);
  return words;
}

/** The @ARGS block (up to the next @ line) and the @EXPECT block of a case. */
function parseCase(text: string): { args: string[]; expect: string } {
  const lines = text.split('\n');
  const a = lines.indexOf('@ARGS');
  const e = lines.indexOf('@EXPECT');
  assert.ok(a >= 0 && e > a, 'a case has @ARGS then @EXPECT');
  return { args: xargsWords(lines.slice(a + 1, e).join('\n')), expect: lines.slice(e + 1).join('\n') };
}

/** `bin/lupine apk ARGS 2>&1` in the vector directory; returns the merged output and the exit code. */
function runMerged(name: string, args: string[], cwd = dir): { code: number; output: string } {
  const outFile = join(work, `${name}.out`);
  const fd = openSync(outFile, 'w');
  try {
    const r = spawnSync(process.execPath, [binLupine, 'apk', ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: work, SOURCE_DATE_EPOCH },
      stdio: ['ignore', fd, fd],
    });
    return { code: r.status ?? -1, output: readFileSync(outFile, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.test'))
  .sort();

/** Cases whose @ARGS hold no `--test-*` option: they run against a fresh empty --root, never `/`. */
const REAL_RUN = cases.filter((f) => !/--test-/.test(readFileSync(join(dir, f), 'utf8')));

test('the vector directory holds the 63 cases; the real-run ones are known', () => {
  assert.equal(cases.length, 63);
  assert.deepEqual(REAL_RUN, ['basic8.test', 'error8.test', 'error9.test']);
});

const results = new Map<string, boolean>();

for (const file of cases) {
  test(`bin/lupine apk: ${file}`, () => {
    const { args, expect } = parseCase(readFileSync(join(dir, file), 'utf8'));
    const root = REAL_RUN.includes(file) ? ['--root', mkdtempSync(join(work, 'root-'))] : [];
    const r = runMerged(file, [...root, ...args]);
    results.set(file, r.output === expect);
    assert.equal(r.output, expect);
    // The exit status of apk's normal build (apk-tools' own test build always exits 0): the solver's
    // error count, 250 for an applet's own failure, 0 for a change (helpers/apk-solver-exit.ts).
    assert.equal(r.code, apkSolverExitCode(file, expect), `exit code ${r.code}`);
  });
}

test('at least 61 of the 63 cases pass through bin/lupine', () => {
  const passed = [...results.values()].filter(Boolean).length;
  assert.equal(results.size, 63, 'every case ran');
  assert.ok(passed >= 61, `${passed}/63 pass`);
});

/**
 * apk-tools-behaviour/solver/: what the real apk-tools 2.14.10 printed, through bin/lupine; the exit
 * status is the one `exitcodes.txt` records for apk's normal build (the number of errors).
 */
const behaviourDir = vector('apk-tools-behaviour', 'solver');
const behaviourCases = readdirSync(behaviourDir)
  .filter((f) => f.endsWith('.test'))
  .sort();
const exitCodes = new Map(
  readFileSync(join(behaviourDir, 'exitcodes.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [file, code] = l.split(' ');
      return [file as string, Number(code)];
    }),
);

test('every behaviour case has an exit code', () => {
  assert.equal(behaviourCases.length, 6);
  assert.deepEqual([...exitCodes.keys()].sort(), behaviourCases);
});

for (const file of behaviourCases) {
  test(`bin/lupine apk (apk-tools behaviour): ${file}`, () => {
    const { args, expect } = parseCase(readFileSync(join(behaviourDir, file), 'utf8'));
    const r = runMerged(`behav-${file}`, args, behaviourDir);
    assert.equal(r.output, expect);
    assert.equal(r.code, exitCodes.get(file), `exit code ${r.code}`);
  });
}
