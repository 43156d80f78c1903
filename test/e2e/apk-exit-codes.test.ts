/**
 * apk exits with the number of errors, capped at 99 (issue 13). The behaviour vectors' solver cases
 * run through `./bin/lupine apk` with their `@ARGS` (test mode: the same output as apk's normal build,
 * see the vectors' README) and must exit as `exitcodes.txt` says apk's normal build did.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { apkExitCode } from '../../src/cli/commands/apk/apk.js';
import { binLupine, vector } from '../helpers/paths.js';

const dir = vector('apk-tools-behaviour', 'solver');
const work = mkdtempSync(join(tmpdir(), 'lupine-exitcodes-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The @ARGS words (xargs splitting: blanks separate, quotes group; `""` is an empty word). */
function argsOf(text: string): string[] {
  const lines = text.split('\n');
  const block = lines.slice(lines.indexOf('@ARGS') + 1, lines.indexOf('@EXPECT')).join('\n');
  const words: string[] = [];
  for (const m of block.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3] ?? '');
  return words;
}

function run(args: string[]): { code: number; output: string } {
  const r = spawnSync(process.execPath, [binLupine, 'apk', ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: work, SOURCE_DATE_EPOCH: '1559567666' },
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

describe('apk exit codes: the number of errors, capped at 99', () => {
  it('apkExitCode: 0, counts, the cap, a negative count', () => {
    assert.deepEqual([0, 1, 2, 98, 99, 100, 5000, -1].map(apkExitCode), [0, 1, 2, 98, 99, 99, 99, 250]);
  });

  const lines = readFileSync(join(dir, 'exitcodes.txt'), 'utf8').split('\n').filter(Boolean);
  it('exitcodes.txt names the six behaviour cases', () => assert.equal(lines.length, 6));
  for (const line of lines) {
    const [file, code] = line.split(' ') as [string, string];
    it(`${file} exits ${code}`, () => {
      const r = run(argsOf(readFileSync(join(dir, file), 'utf8')));
      assert.equal(r.code, Number(code), r.output);
    });
  }

  it('behav-exitcode prints both errors exactly as apk does', () => {
    const text = readFileSync(join(dir, 'behav-exitcode.test'), 'utf8');
    const expect = text.slice(text.indexOf('@EXPECT\n') + '@EXPECT\n'.length);
    const r = run(argsOf(text));
    assert.equal(r.output, expect);
    assert.equal(r.code, 2);
  });

  it('del of two unknown names on a real root: two errors, exit 2', () => {
    const root = mkdtempSync(join(work, 'root-'));
    const r = run(['--root', root, 'del', 'nosuch1', 'nosuch2']);
    assert.equal(r.output, 'ERROR: No such package: nosuch1\nERROR: No such package: nosuch2\n');
    assert.equal(r.code, 2);
  });
});
