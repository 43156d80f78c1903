import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type Keyring, packageIdentity, parsePublicKey, readPackage, verifyPackage } from '../../../src/apk/index.js';
import { readGzipMembers, readTar } from '../../../src/archive/index.js';
import { sha1Hex, sha256Hex } from '../../../src/core/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';

const ALPINE_KEY = 'alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub';
const MELANGE_KEY = 'melange.rsa.pub';

function keyring(...names: string[]): Keyring {
  return new Map(names.map((n) => [n, parsePublicKey(readFileSync(vector('apk', n)), n)]));
}

const VECTOR_PACKAGES: { file: string; key?: string; files: number }[] = [
  { file: 'alpine-baselayout-3.2.0-r23.apk', key: ALPINE_KEY, files: 83 },
  { file: 'hello-0.1.0-r0.apk', files: 1 },
  { file: 'pretend-baselayout-1.0.0-r0.apk', key: MELANGE_KEY, files: 7 },
];

const APKO_PACKAGES = ['x86_64', 'aarch64'].flatMap((arch) =>
  [
    'custom-ca-certs-1-1.0.0-r0.apk',
    'custom-ca-certs-2-1.0.0-r0.apk',
    'pretend-baselayout-1.0.0-r0.apk',
    'replayout-1.0.0-r0.apk',
  ].map((f) => `${arch}/${f}`),
);

/** The `C:` of package `name` in an index, read with the archive layer only. */
function indexIdentity(indexFile: string, name: string): string {
  const members = readGzipMembers(readFileSync(vector('apk', indexFile)));
  const body = members[members.length - 1];
  assert.ok(body);
  const apkindex = readTar(body.data).items.find((it) => it.entry.name === 'APKINDEX');
  assert.ok(apkindex, 'index has an APKINDEX entry');
  for (const record of apkindex.data.toString('utf8').split('\n\n')) {
    const lines = record.split('\n');
    if (lines.includes(`P:${name}`)) return (lines.find((l) => l.startsWith('C:')) ?? '').slice(2);
  }
  assert.fail(`${name} not in ${indexFile}`);
}

describe('vector packages', () => {
  for (const v of VECTOR_PACKAGES) {
    test(`${v.file}: parses; datahash and every per-file SHA-1 match`, () => {
      const bytes = readFileSync(vector('apk', v.file));
      const pkg = readPackage(bytes);
      assert.equal(pkg.files.length, v.files);
      assert.equal(pkg.signatures.length, v.key ? 1 : 0);
      if (v.key) assert.equal(pkg.signatures[0]?.keyName, v.key);
      assert.equal(pkg.members.data.end, bytes.length);
      assert.equal(sha256Hex(bytes.subarray(pkg.members.data.start)), pkg.info.datahash);
      let checked = 0;
      for (const f of pkg.files) {
        if (f.type === 'file' && f.sha1) {
          assert.equal(sha1Hex(f.content), f.sha1, f.name);
          checked++;
        } else if (f.type === 'symlink') {
          assert.equal(sha1Hex(f.linkname), f.sha1, `${f.name} hashes its target`);
          checked++;
        }
      }
      assert.ok(checked > 0);
      // the unsigned one verifies too when a signature is not required
      const r = verifyPackage(bytes, v.key ? keyring(v.key) : new Map(), { requireSignature: v.key !== undefined });
      assert.equal(r.signedBy?.keyName, v.key);
    });
  }

  for (const f of APKO_PACKAGES) {
    test(`apko ${f}: verifies with melange.rsa.pub`, () => {
      const bytes = readFileSync(vector('apko', 'golden-testdata', 'packages', f));
      const keys = new Map([
        [MELANGE_KEY, parsePublicKey(readFileSync(vector('apko', 'golden-testdata', 'packages', MELANGE_KEY)), 'k')],
      ]);
      const r = verifyPackage(bytes, keys);
      assert.equal(r.signedBy?.algorithm, 'RSA256');
      assert.ok(r.package.files.length > 0);
    });
  }

  test('identities equal the C: lines of the indexes', () => {
    const alpine = readFileSync(vector('apk', 'alpine-baselayout-3.2.0-r23.apk'));
    const pretend = readFileSync(vector('apk', 'pretend-baselayout-1.0.0-r0.apk'));
    assert.equal(readPackage(alpine).identity, indexIdentity('rsa256-abuild-APKINDEX.tar.gz', 'alpine-baselayout'));
    assert.equal(readPackage(pretend).identity, indexIdentity('melange-x86_64-APKINDEX.tar.gz', 'pretend-baselayout'));
    assert.equal(packageIdentity(alpine), 'Q1LLq2qDNrS/qRnhxQ3hsY/sHbQnc=');
    assert.equal(
      readPackage(readFileSync(vector('apk', 'hello-0.1.0-r0.apk'))).identity,
      'Q1DNWZeWkviN7MJedLpYM8yBvmnGM=',
    );
    verifyPackage(alpine, keyring(ALPINE_KEY), { expectedIdentity: 'Q1LLq2qDNrS/qRnhxQ3hsY/sHbQnc=' });
    verifyPackage(alpine, keyring(ALPINE_KEY), { expectedIdentity: 'X12cbab6a8336b4bfa919e1c50de1b18fec1db4277' });
    assertCodeSync(
      () => verifyPackage(alpine, keyring(ALPINE_KEY), { expectedIdentity: 'Q1m6wB0UFePGN8Drz82pC8y2uAiu8=' }),
      'APK_BAD_IDENTITY',
    );
  });

  test('scripts and control extras are split by apk section rules', () => {
    const alpine = readPackage(readFileSync(vector('apk', 'alpine-baselayout-3.2.0-r23.apk')));
    assert.deepEqual(Object.keys(alpine.scripts).sort(), [
      'post-install',
      'post-upgrade',
      'pre-install',
      'pre-upgrade',
    ]);
    assert.match(alpine.scripts['pre-install']?.toString('utf8') ?? '', /^#!/);
    const pretend = readPackage(readFileSync(vector('apk', 'pretend-baselayout-1.0.0-r0.apk')));
    assert.deepEqual(pretend.controlExtras, ['.melange.yaml']);
    assert.deepEqual(Object.keys(pretend.scripts), []);
  });

  test('missing or untrusted keys: APK_NO_SIGNATURE, APK_UNTRUSTED', () => {
    assertCodeSync(
      () => verifyPackage(readFileSync(vector('apk', 'hello-0.1.0-r0.apk')), keyring(MELANGE_KEY)),
      'APK_NO_SIGNATURE',
    );
    const alpine = readFileSync(vector('apk', 'alpine-baselayout-3.2.0-r23.apk'));
    assertCodeSync(() => verifyPackage(alpine, keyring(MELANGE_KEY)), 'APK_UNTRUSTED');
    // a trusted key under the signature's name that is the wrong key: the signature fails
    const wrong: Keyring = new Map([[ALPINE_KEY, keyring(MELANGE_KEY).get(MELANGE_KEY) as KeyObject]]);
    assertCodeSync(() => verifyPackage(alpine, wrong), 'APK_BAD_SIGNATURE');
  });
});

describe('one flipped byte', () => {
  const cases: { file: string; key: string }[] = [
    { file: 'alpine-baselayout-3.2.0-r23.apk', key: ALPINE_KEY },
    { file: 'pretend-baselayout-1.0.0-r0.apk', key: MELANGE_KEY },
  ];
  const flip = (b: Buffer, at: number) => {
    const c = Buffer.from(b);
    c[at] = (c[at] as number) ^ 0xff;
    return c;
  };
  for (const { file, key } of cases) {
    const bytes = readFileSync(vector('apk', file));
    const { members } = readPackage(bytes);
    const mid = (r: { start: number; end: number }) => Math.floor((r.start + r.end) / 2);
    test(`${file}: the middle of the signature member → APK_BAD_SIGNATURE`, () => {
      assert.ok(members.signature);
      assertCodeSync(() => verifyPackage(flip(bytes, mid(members.signature!)), keyring(key)), 'APK_BAD_SIGNATURE');
    });
    test(`${file}: the middle of the control member → APK_BAD_CONTROL`, () => {
      // the deflate stream no longer inflates to data with the right CRC
      assertCodeSync(() => verifyPackage(flip(bytes, mid(members.control)), keyring(key)), 'APK_BAD_CONTROL');
    });
    test(`${file}: the control member's gzip mtime (still inflates) → APK_BAD_SIGNATURE`, () => {
      assertCodeSync(() => verifyPackage(flip(bytes, members.control.start + 5), keyring(key)), 'APK_BAD_SIGNATURE');
    });
    test(`${file}: the middle of the data member → APK_BAD_DATAHASH`, () => {
      assertCodeSync(() => verifyPackage(flip(bytes, mid(members.data)), keyring(key)), 'APK_BAD_DATAHASH');
      // reading without verifying reports the damaged data member the same way
      assertCodeSync(() => readPackage(flip(bytes, mid(members.data))), 'APK_BAD_DATAHASH');
    });
  }
});
