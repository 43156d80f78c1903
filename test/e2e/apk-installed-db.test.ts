/**
 * `lupine apk` reads an installed database with the installer's parser (install/installed-db.ts),
 * whether it comes from a root (`--root`) or the apk-tools test build (`--test-instdb`): tags and
 * broken flags are kept, and a damaged record is a DB_MALFORMED naming file:line:col, not skipped.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { installedState } from '../../src/install/index.js';
import { runCli } from '../helpers/cli.js';

const good = 'P:a\nV:1-r0\ns:edge\nf:f\n\nP:b\nV:2-r0\n\n';
const damaged = 'P:a\nV:1-r0\nq:soon\n\n';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lupine-apk-instdb-'));
  for (const [name, text] of [
    ['good', good],
    ['damaged', damaged],
  ] as const) {
    writeFileSync(join(dir, `${name}.installed`), text);
    mkdirSync(join(dir, name, 'lib/apk/db'), { recursive: true });
    mkdirSync(join(dir, name, 'etc/apk'), { recursive: true });
    writeFileSync(join(dir, name, 'lib/apk/db/installed'), text);
    writeFileSync(join(dir, name, 'etc/apk/world'), 'a\nb\n');
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

const apk = (...args: string[]) => runCli(['apk', ...args], { cwd: dir, env: { SOURCE_DATE_EPOCH: '1559567666' } });

describe('the installed database of lupine apk', () => {
  test('installedState keeps tags and broken flags', () => {
    const s = installedState(good, 'good.installed');
    assert.deepEqual(
      s.packages.map((p) => `${p.name}-${p.version}`),
      ['a-1-r0', 'b-2-r0'],
    );
    assert.deepEqual(s.tags, { a: 'edge' });
    assert.deepEqual(s.broken, ['a']);
  });

  test('both loaders list the same packages', async () => {
    const fromTest = await apk('--test-instdb', 'good.installed', 'info');
    const fromRoot = await apk('--root', join(dir, 'good'), 'info');
    assert.equal(fromTest.code, 0, fromTest.stderr);
    assert.equal(fromRoot.code, 0, fromRoot.stderr);
    assert.equal(fromTest.stdout, 'a\nb\n');
    assert.equal(fromRoot.stdout, fromTest.stdout);
  });

  test('a damaged record is DB_MALFORMED with its location, from either loader', async () => {
    for (const [args, where] of [
      [['--test-instdb', 'damaged.installed'], 'damaged.installed:3:3'],
      [['--root', join(dir, 'damaged')], 'lib/apk/db/installed:3:3'],
    ] as const) {
      const r = await apk(...args, 'info');
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, new RegExp(where.replace(/\./g, '\\.')), r.stderr);
      assert.match(r.stderr, /q: is not a number/);
    }
  });
});
