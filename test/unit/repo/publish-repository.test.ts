/**
 * Publishing into a repository directory merges into the existing index and signs it again, so the
 * existing index must verify against the signing key first: the one shared function and both of
 * its callers (a package build, the cluster coordinator pulling from the store) refuse a tampered
 * or foreign index and leave the directory as it was.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  emptyPackageInfo,
  generateRsaKeyPair,
  parsePrivateKey,
  readPackage,
  type SigningKey,
  writePackage,
} from '../../../src/apk/index.js';
import { placePackages } from '../../../src/cluster/index.js';
import { fixedClock } from '../../../src/core/index.js';
import { publishPackages } from '../../../src/pkg/run/publish.js';
import { publishToRepository, readApkIndexArchive } from '../../../src/repo/index.js';
import { assertCode } from '../../helpers/assert-code.js';

const ARCH = 'x86_64';
let dir: string;
let key: SigningKey;
let other: SigningKey;

function apk(name: string, signingKey?: SigningKey): Buffer {
  return writePackage({
    files: [],
    info: { ...emptyPackageInfo(name, '1.0-r0'), arch: ARCH, description: name, license: 'MIT', origin: name },
    clock: fixedClock(0),
    ...(signingKey ? { signingKey } : {}),
  });
}

const file = (name: string, signingKey?: SigningKey) => {
  const bytes = apk(name, signingKey);
  const pkg = readPackage(bytes);
  return { file: `${name}-1.0-r0.apk`, bytes, record: { ...pkg.info, identity: pkg.identity, size: bytes.length } };
};

/** Every file of the directory with its bytes. */
function snapshot(d: string): Record<string, string> {
  return Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(join(d, f)).toString('base64')]));
}

/** A repository holding `a`, its index signed by `key`, then changed in one byte of its body. */
async function tamperedRepo(name: string): Promise<string> {
  const repo = join(dir, name);
  await publishToRepository(join(repo, ARCH), [file('a', key)], { signingKey: key });
  const index = join(repo, ARCH, 'APKINDEX.tar.gz');
  const bytes = readFileSync(index);
  bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 0xff;
  writeFileSync(index, bytes);
  return repo;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lupine-publish-'));
  const k = await generateRsaKeyPair(2048);
  const o = await generateRsaKeyPair(2048);
  key = { key: parsePrivateKey(k.privatePem, 'k.rsa'), keyName: 'k.rsa.pub' };
  other = { key: parsePrivateKey(o.privatePem, 'o.rsa'), keyName: 'o.rsa.pub' };
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('publishing into a repository', () => {
  it('merges into an index the signing key signed, and signs the result', async () => {
    const arch = join(dir, 'ok', ARCH);
    await publishToRepository(arch, [file('a', key)], { signingKey: key });
    await publishToRepository(arch, [file('b', key)], { signingKey: key });
    const keys = new Map([['k.rsa.pub', (await import('node:crypto')).createPublicKey(key.key)]]);
    const index = readApkIndexArchive(readFileSync(join(arch, 'APKINDEX.tar.gz')), { keys });
    assert.deepEqual(
      index.packages.map((p) => p.name),
      ['a', 'b'],
    );
    assert.equal(index.signedBy, 'k.rsa.pub');
  });

  it('refuses a tampered index, one signed by another key and an unsigned one, writing nothing', async () => {
    const cases: Array<[string, string, () => Promise<string>]> = [
      ['tampered', 'INDEX_BAD_SIGNATURE', () => tamperedRepo('t1')],
      [
        'foreign',
        'INDEX_UNTRUSTED',
        async () => {
          const repo = join(dir, 'f1');
          await publishToRepository(join(repo, ARCH), [file('a', other)], { signingKey: other });
          return repo;
        },
      ],
      [
        'unsigned',
        'INDEX_UNTRUSTED',
        async () => {
          const repo = join(dir, 'u1');
          await publishToRepository(join(repo, ARCH), [file('a')]);
          return repo;
        },
      ],
    ];
    for (const [what, code, make] of cases) {
      const repo = await make();
      const before = snapshot(join(repo, ARCH));
      const err = await assertCode(
        () => publishToRepository(join(repo, ARCH), [file('b', key)], { signingKey: key }),
        code,
      );
      assert.match(err.message, /refusing to merge/, what);
      assert.deepEqual(snapshot(join(repo, ARCH)), before, `${what}: nothing written`);
    }
  });

  it('a package build refuses a tampered index (publishPackages)', async () => {
    const repo = await tamperedRepo('t2');
    const before = snapshot(join(repo, ARCH));
    const bytes = apk('b', key);
    const pkg = readPackage(bytes);
    await assertCode(
      () =>
        publishPackages(
          repo,
          ARCH,
          [{ name: 'b', version: '1.0-r0', bytes, identity: pkg.identity, depends: [], provides: [], pkginfo: '' }],
          key,
        ),
      'INDEX_BAD_SIGNATURE',
    );
    assert.deepEqual(snapshot(join(repo, ARCH)), before);
  });

  it('the cluster coordinator refuses a tampered index (placePackages)', async () => {
    const repo = await tamperedRepo('t3');
    const before = snapshot(join(repo, ARCH));
    await assertCode(
      () => placePackages(repo, ARCH, [{ file: 'b-1.0-r0.apk', bytes: apk('b') }], { key, mtime: 0 }),
      'INDEX_BAD_SIGNATURE',
    );
    assert.deepEqual(snapshot(join(repo, ARCH)), before);
  });
});
