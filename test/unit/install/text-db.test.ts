import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  formatInstalledDb,
  formatTriggersDb,
  formatWorld,
  parseInstalledDb,
  parseTriggersDb,
  parseWorld,
  sortInstalled,
} from '../../../src/install/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';

describe('installed db', () => {
  for (const file of [vector('apk', 'db', 'installed'), vector('apk-tools-out', 'root-replayout', 'installed')]) {
    it(`round-trips ${file.split('/vectors/')[1]} byte for byte`, () => {
      const bytes = readFileSync(file, 'utf8');
      const pkgs = parseInstalledDb(bytes);
      assert.equal(formatInstalledDb(pkgs), bytes);
    });
  }

  it('reads the real database into packages, dirs and files', () => {
    const pkgs = parseInstalledDb(readFileSync(vector('apk', 'db', 'installed'), 'utf8'));
    assert.equal(pkgs.length, 14);
    assert.equal(pkgs[0]?.info.name, 'alpine-baselayout-data');
    assert.deepEqual(pkgs[0]?.info.replaces, ['alpine-baselayout']);
    const files = pkgs.flatMap((p) => p.dirs.flatMap((d) => d.files));
    assert.equal(files.length, 105);
    assert.equal(pkgs.flatMap((p) => p.dirs).length, 142);
    const shadow = pkgs[0]?.dirs[0]?.files.find((f) => f.name === 'shadow');
    assert.deepEqual([shadow?.uid, shadow?.gid, shadow?.mode], [0, 42, 0o640]);
    const sticky = pkgs.flatMap((p) => p.dirs).find((d) => d.mode === 0o1777);
    assert.ok(sticky, 'an M:0:0:1777 directory');
  });

  it('sorts a fresh database by name like apk 2.14', () => {
    const pkgs = parseInstalledDb(readFileSync(vector('apk', 'db', 'installed'), 'utf8'));
    const names = sortInstalled(pkgs).map((p) => p.info.name);
    assert.deepEqual(
      names,
      [...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)),
    );
    assert.notDeepEqual(
      names,
      pkgs.map((p) => p.info.name),
    );
  });

  it('refuses unknown fields with file:line:col', () => {
    const text = 'P:a\nV:1\nF:etc\nR:x\nY:what\n\n';
    const err = assertCodeSync(() => parseInstalledDb(text, 'db/installed'), 'DB_MALFORMED');
    assert.match(err.message, /db\/installed:5:1/);
    assertCodeSync(() => parseInstalledDb('P:a\nV:1\nR:x\n\n'), 'DB_MALFORMED');
    assertCodeSync(() => parseInstalledDb('P:a\nV:1\nF:x\nM:0:0:9z\n\n'), 'DB_MALFORMED');
    assertCodeSync(() => parseInstalledDb('P:a\nV:1\nbad\n\n'), 'DB_MALFORMED');
  });
});

describe('triggers db', () => {
  it('round-trips the real triggers file', () => {
    const text = readFileSync(vector('apk', 'db', 'triggers'), 'utf8');
    const t = parseTriggersDb(text);
    assert.equal(t.length, 1);
    assert.deepEqual(t[0]?.globs, ['/bin', '/usr/bin', '/sbin', '/usr/sbin', '/lib/modules/*']);
    assert.equal(formatTriggersDb(t), text);
  });
  it('round-trips the empty triggers file apk wrote', () => {
    const text = readFileSync(vector('apk-tools-out', 'root-replayout', 'triggers'), 'utf8');
    assert.equal(formatTriggersDb(parseTriggersDb(text)), text);
  });
});

describe('world', () => {
  it('reads space and newline separated entries and writes them sorted by name', () => {
    assert.deepEqual(parseWorld('b a\nc\n'), ['b', 'a', 'c']);
    assert.equal(formatWorld(['replayout', 'custom-ca-certs-1']), 'custom-ca-certs-1\nreplayout\n');
    assert.equal(formatWorld(['b>1', '!a', 'a@edge']), '!a\na@edge\nb>1\n');
    // apk-tools 2.14 sorts world ignoring case first, then by bytes.
    assert.equal(formatWorld(['B', 'a', 'b', 'A']), 'A\na\nB\nb\n');
  });
  it('matches the world apk wrote', () => {
    const text = readFileSync(vector('apk-tools-out', 'root-replayout', 'world'), 'utf8');
    assert.equal(formatWorld(parseWorld(text).reverse()), text);
  });
});
