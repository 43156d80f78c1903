/**
 * Acceptance review of issue 3, item "Bad input": a package with a bad signature is refused by the
 * installer with its own error code (APK_BAD_SIGNATURE, distinct from the codes of the other crafted
 * packages in refuse.test.ts), and a hash of the whole root before and after is unchanged.
 *
 * A signature only decides for a package that does not come with an index identity (a local file,
 * `apk add ./x.apk`): the locked entries here have an empty identity, as in replayout.test.ts.
 */
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  emptyPackageInfo,
  generateRsaKeyPair,
  parsePrivateKey,
  parsePublicKey,
  readPackage,
  writePackage,
} from '../../../src/apk/index.js';
import { fixedClock } from '../../../src/core/index.js';
import { installPackages, type LockedPackage } from '../../../src/install/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { hashTree, listTree, tempRoot } from './fixtures.js';

const KEY_NAME = 'signer.rsa.pub';

function signedPackage(name: string, key: KeyObject): Buffer {
  return writePackage({
    files: [
      { path: `usr/share/${name}`, type: 'dir' },
      { path: `usr/share/${name}/file`, type: 'file', data: Buffer.from(`${name}\n`) },
    ],
    info: { ...emptyPackageInfo(name, '1.0-r0'), arch: 'x86_64', license: 'MIT' },
    clock: fixedClock(0),
    signingKey: { key, keyName: KEY_NAME },
  });
}

/** A local package: no identity from an index, so its signature must verify with a trusted key. */
function local(name: string, bytes: Buffer): LockedPackage {
  return { name, version: '1.0-r0', identity: '', arch: 'x86_64', repository: 'local', fetch: async () => bytes };
}

describe('a bad signature is refused with its own code and leaves the root unchanged', () => {
  const root = tempRoot('acc-badsig');
  let signer: KeyObject;
  let trusted: Map<string, KeyObject>;
  let other: Map<string, KeyObject>;
  before(async () => {
    const a = await generateRsaKeyPair(2048);
    const b = await generateRsaKeyPair(2048);
    signer = parsePrivateKey(a.privatePem, 'signer.rsa');
    trusted = new Map([[KEY_NAME, parsePublicKey(a.publicPem, KEY_NAME)]]);
    // the name the signature names, bound to a different key
    other = new Map([[KEY_NAME, parsePublicKey(b.publicPem, KEY_NAME)]]);
    await installPackages(root, [local('base', signedPackage('base', signer))], {
      world: ['base'],
      keyring: trusted,
      clock: fixedClock(0),
    });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('the signature member verifies with the trusted key (control: the setup is sound)', async () => {
    const probe = tempRoot('acc-badsig-probe');
    try {
      const r = await installPackages(probe, [local('good', signedPackage('good', signer))], {
        world: ['good'],
        keyring: trusted,
      });
      assert.deepEqual(r.installed, ['good']);
      assert.ok(listTree(probe).some((l) => l.includes('./usr/share/good/file')));
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  });

  it('a signature by another key under the trusted name: APK_BAD_SIGNATURE, root unchanged', async () => {
    const before = hashTree(root);
    const pkg = local('forged', signedPackage('forged', signer));
    await assertCode(
      () => installPackages(root, [pkg], { world: ['base', 'forged'], keyring: other }),
      'APK_BAD_SIGNATURE',
    );
    assert.equal(hashTree(root), before, 'the root changed');
  });

  it('one byte of the signature member flipped: APK_BAD_SIGNATURE, root unchanged', async () => {
    const bytes = signedPackage('flipped', signer);
    const sig = readPackage(bytes).members.signature;
    assert.ok(sig, 'the package is signed');
    const bad = Buffer.from(bytes);
    const at = Math.floor((sig.start + sig.end) / 2);
    bad[at] = (bad[at] as number) ^ 0xff;
    const before = hashTree(root);
    await assertCode(
      () => installPackages(root, [local('flipped', bad)], { world: ['base', 'flipped'], keyring: trusted }),
      'APK_BAD_SIGNATURE',
    );
    assert.equal(hashTree(root), before, 'the root changed');
    assert.ok(!listTree(root).some((l) => l.includes(join('usr', 'share', 'flipped'))));
  });
});
