import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixedClock } from '../../../src/core/index.js';
import { installPackages, type LockedPackage } from '../../../src/install/index.js';
import { loadKeyring } from '../../../src/repo/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';
import { goldenLockedSet, goldenPackages, listTree, tempRoot } from './fixtures.js';

const expected = vector('apk-tools-out', 'root-replayout');

describe('installing replayout like apk-tools 2.14 (apk-tools-out/root-replayout)', async () => {
  const root = tempRoot('replayout');
  after(() => rmSync(root, { recursive: true, force: true }));
  // The resolver's order for `add replayout custom-ca-certs-1`, as apk printed it.
  const locked = await goldenLockedSet(['custom-ca-certs-1', 'pretend-baselayout', 'replayout']);
  const messages: string[] = [];
  const logger = { info: (m: string) => messages.push(m), warn: (m: string) => messages.push(m), debug() {} };
  const result = await installPackages(root, locked, {
    logger,
    world: ['replayout', 'custom-ca-certs-1'],
    initDb: true,
    arch: 'x86_64',
    clock: fixedClock(0),
  });

  it('installs the three packages, reporting them as apk printed', () => {
    assert.deepEqual(result.installed, ['custom-ca-certs-1', 'pretend-baselayout', 'replayout']);
    assert.deepEqual(result.removed, []);
    assert.deepEqual(messages, [
      '(1/3) Installing custom-ca-certs-1 (1.0.0-r0)',
      '(2/3) Installing pretend-baselayout (1.0.0-r0)',
      '(3/3) Installing replayout (1.0.0-r0)',
    ]);
  });

  for (const [file, at] of [
    ['installed', 'lib/apk/db/installed'],
    ['scripts.tar', 'lib/apk/db/scripts.tar'],
    ['triggers', 'lib/apk/db/triggers'],
    ['world', 'etc/apk/world'],
    ['arch', 'etc/apk/arch'],
  ] as const) {
    it(`writes ${at} byte for byte as apk did`, () => {
      assert.ok(readFileSync(join(root, at)).equals(readFileSync(join(expected, file))));
    });
  }

  it('lays out the same tree: every path, type, mode and owner (directory sizes ignored)', () => {
    const want = readFileSync(join(expected, 'tree.txt'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [t, m, o, s, ...rest] = l.split(' ');
        return [t, m, o, t === 'd' ? '-' : s, ...rest].join(' ');
      });
    assert.deepEqual(listTree(root), want);
  });
});

describe('an apko layout: the database lives in usr/lib/apk/db, lib/apk is a symlink', async () => {
  const root = tempRoot('apko-layout');
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'lib'));
  mkdirSync(join(root, 'usr/lib/apk'), { recursive: true });
  symlinkSync('../usr/lib/apk', join(root, 'lib/apk'));
  const locked = await goldenLockedSet(['custom-ca-certs-1', 'pretend-baselayout', 'replayout']);
  await installPackages(root, locked, { world: ['replayout', 'custom-ca-certs-1'], clock: fixedClock(0) });

  it('follows the layout: usr/lib/apk/db holds the databases, lib/apk stays a symlink', () => {
    assert.equal(lstatSync(join(root, 'lib/apk')).isSymbolicLink(), true);
    assert.equal(readlinkSync(join(root, 'lib/apk')), '../usr/lib/apk');
    assert.ok(readFileSync(join(root, 'usr/lib/apk/db/installed')).equals(readFileSync(join(expected, 'installed'))));
    assert.equal(readdirSync(join(root, 'usr/lib/apk/db')).sort().join(' '), 'installed lock scripts.tar triggers');
  });

  it('reads the database back through the symlink on the next run', async () => {
    const r = await installPackages(root, locked, { world: ['replayout', 'custom-ca-certs-1'] });
    assert.deepEqual(r.unchanged, ['custom-ca-certs-1', 'pretend-baselayout', 'replayout']);
    assert.deepEqual(r.installed, []);
  });
});

describe('local packages (no index identity) need a trusted signature', async () => {
  const root = tempRoot('local');
  after(() => rmSync(root, { recursive: true, force: true }));
  const [pkg] = await goldenLockedSet(['custom-ca-certs-1']);
  const local = { ...(pkg as LockedPackage), identity: '' };

  it('refuses it without the key (APK_UNTRUSTED), root unchanged', async () => {
    await assertCode(() => installPackages(root, [local], { world: ['custom-ca-certs-1'] }), 'APK_UNTRUSTED');
    assert.deepEqual(readdirSync(root), []);
  });

  it("installs it with the signer's key (melange.rsa.pub)", async () => {
    const keyring = await loadKeyring([goldenPackages]);
    const r = await installPackages(root, [local], { world: ['custom-ca-certs-1'], keyring });
    assert.deepEqual(r.installed, ['custom-ca-certs-1']);
  });
});
