/**
 * Reverse-dependency order (issue 13). Removal order: when apk removes a package whose dependents are still counted as its
 * requirers (here a cycle: base depends on beta and gamma, both depend on base), `cset_gen_name_remove`
 * removes those dependents first, in the order of the name's reverse-dependency list. apk-tools 2.14 builds that
 * list differently by mode: on a real root `apk_db_open` walks its name hash table (djb2 of the name,
 * 20000 buckets) once every index is read, so the list is in name-hash order; the test build
 * (`--test-*`) lists names in load order. Here `beta` is loaded before `gamma`, but `gamma` hashes to
 * an earlier bucket (7880 against 16641): the test build purges beta first, a real root gamma first.
 * The solver's error report walks the same lists, so its `required by:` lines follow the same order.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { apkNameHashBucket } from '../../src/resolver/index.js';
import { spawnCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'lupine-reverse-order-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Installed-DB text: base (depending on beta and gamma), then beta and gamma (both depending on base). */
const INSTALLED = [
  ['base', 'beta gamma', 'Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA='],
  ['beta', 'base', 'Q1BBBBBBBBBBBBBBBBBBBBBBBBBBB='],
  ['gamma', 'base', 'Q1CCCCCCCCCCCCCCCCCCCCCCCCCCC='],
]
  .map(([p, d, c]) => `C:${c}\nP:${p}\nV:1.0-r0\nA:x86_64\nS:1\nI:1\n${d ? `D:${d}\n` : ''}`)
  .join('\n');

/** A root (real directories) holding an installed database and a world, nothing else. */
function makeRoot(dir: string, installed: string, world: string): string {
  const root = join(work, dir);
  mkdirSync(join(root, 'lib/apk/db'), { recursive: true });
  mkdirSync(join(root, 'etc/apk'), { recursive: true });
  writeFileSync(join(root, 'lib/apk/db/installed'), installed);
  writeFileSync(join(root, 'etc/apk/world'), world);
  writeFileSync(join(root, 'etc/apk/arch'), 'x86_64\n');
  return root;
}

/** beta and gamma installed, both needing base, which nothing provides. */
const MISSING_BASE = `${INSTALLED.slice(INSTALLED.indexOf('C:Q1BBB'))}\n`;
const report = (first: string, second: string) =>
  'ERROR: unable to select packages:\n  base (no such package):\n' +
  `    required by: ${first}-1.0-r0[base]\n                 ${second}-1.0-r0[base]\n`;

function run(args: string[]): { code: number; output: string } {
  const r = spawnCli(['apk', ...args], {
    cwd: work,
    env: { PATH: process.env.PATH, HOME: work, SOURCE_DATE_EPOCH: '1' },
  });
  return { code: r.code, output: `${r.stdout}${r.stderr}` };
}

describe('removal order of reverse dependencies', () => {
  it('the name hash is apk 2.14 apk_blob_hash (djb2, seed 5381, 64-bit) over 20000 buckets', () => {
    assert.deepEqual(['base', 'beta', 'gamma', 'x', 'y'].map(apkNameHashBucket), [12256, 16641, 7880, 17693, 17694]);
  });

  it('test mode: reverse dependencies in load order (beta, then gamma)', () => {
    const db = join(work, 'test.installed');
    writeFileSync(db, `${INSTALLED}\n`);
    const r = run(['--test-instdb', db, '--test-world', 'base', 'del', 'base']);
    assert.equal(
      r.output,
      '(1/3) Purging beta (1.0-r0)\n(2/3) Purging gamma (1.0-r0)\n(3/3) Purging base (1.0-r0)\nOK: 0 MiB in 0 packages\n',
    );
    assert.equal(r.code, 0);
  });

  it('real root: reverse dependencies in name-hash order (gamma, then beta)', () => {
    const root = makeRoot('root', `${INSTALLED}\n`, 'base\n');
    const r = run(['--root', root, '--simulate', 'del', 'base']);
    assert.equal(
      r.output,
      '(1/3) Purging gamma (1.0-r0)\n(2/3) Purging beta (1.0-r0)\n(3/3) Purging base (1.0-r0)\nOK: 0 MiB in 0 packages\n',
    );
    assert.equal(r.code, 0);
  });

  it('test mode: the error report lists requirers in load order', () => {
    const db = join(work, 'missing.installed');
    writeFileSync(db, MISSING_BASE);
    const r = run(['--test-instdb', db, '--test-world', 'beta gamma', 'add']);
    assert.equal(r.output, report('beta', 'gamma'));
    // base has no provider (one error), beta and gamma each miss a dependency (two more).
    assert.equal(r.code, 3);
  });

  it('real root: the error report lists requirers in name-hash order', () => {
    const root = makeRoot('root-missing', MISSING_BASE, 'beta\ngamma\n');
    const r = run(['--root', root, '--simulate', 'add']);
    assert.equal(r.output, report('gamma', 'beta'));
    assert.equal(r.code, 3);
  });
});
