import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  emptyPackageInfo,
  generateRsaKeyPair,
  parsePrivateKey,
  parsePublicKey,
  readPackage,
} from '../../../src/apk/index.js';
import { gzipMember, readGzipMembers, readTar, writeTar } from '../../../src/archive/index.js';
import {
  formatApkIndexText,
  mergeIndexes,
  readApkIndexArchive,
  signApkIndexArchive,
  signatureMember,
  writeApkIndexArchive,
} from '../../../src/repo/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { zeroBombMember } from '../../helpers/hostile-packages.js';
import { vector } from '../../helpers/paths.js';

const ALPINE_KEY = 'alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub';
const CHAINGUARD_KEY = 'chainguard-0106f58bac88057c2ff5c2829850df492717a876ed700443550353c7ab23f5a0.rsa.pub';

function pub(name: string): KeyObject {
  return parsePublicKey(readFileSync(vector('apk', name)), name);
}

/** Each vector index, its signer's key file (if signed), its record count and description. */
const INDEXES = [
  {
    file: ['apk', 'alpine-v3.17-main-aarch64-APKINDEX.tar.gz'],
    key: ALPINE_KEY,
    count: 5004,
    desc: 'v3.17.3-216-g54a39ace82a',
    apk: true,
  },
  { file: ['apk', 'rsa256-abuild-APKINDEX.tar.gz'], key: 'test-rsa256.rsa.pub', count: 1, desc: '', apk: true },
  {
    file: ['apk-tools-out', 'index', 'APKINDEX.tar.gz'],
    key: undefined,
    count: 3,
    desc: 'lupine test index',
    apk: true,
  },
  { file: ['apk', 'melange-x86_64-APKINDEX.tar.gz'], key: 'melange.rsa.pub', count: 4, desc: '', apk: false },
  { file: ['apk', 'multisig-APKINDEX.tar.gz'], key: CHAINGUARD_KEY, count: 16, desc: '', apk: false },
] as const;

for (const v of INDEXES) {
  const name = v.file.join('/');
  test(`${name}: parses, and its signature verifies with its key alone`, () => {
    const bytes = readFileSync(vector(...v.file));
    const keys = new Map(v.key ? [[v.key, pub(v.key)]] : []);
    const r = readApkIndexArchive(bytes, { keys, allowUntrusted: v.key === undefined });
    assert.equal(r.packages.length, v.count);
    assert.equal(r.description, v.desc);
    assert.equal(r.signedBy, v.key);
    for (const p of r.packages) {
      assert.match(p.identity, /^Q1[A-Za-z0-9+/]{27}=$/, `${p.name} has a Q1 identity`);
      assert.ok(p.size > 0 && p.version !== '', `${p.name} has S: and V:`);
    }
  });
}

test('an index whose signer is not trusted is INDEX_UNTRUSTED unless untrusted indexes are allowed', () => {
  const bytes = readFileSync(vector('apk', 'rsa256-abuild-APKINDEX.tar.gz'));
  const e = assertCodeSync(
    () => readApkIndexArchive(bytes, { keys: new Map([[ALPINE_KEY, pub(ALPINE_KEY)]]) }),
    'INDEX_UNTRUSTED',
  );
  assert.match(e.message, /test-rsa256\.rsa\.pub/);
  const r = readApkIndexArchive(bytes, { allowUntrusted: true });
  assert.equal(r.signedBy, undefined);
  assert.equal(r.signatures.length, 1);
  const unsigned = readFileSync(vector('apk-tools-out', 'index', 'APKINDEX.tar.gz'));
  assertCodeSync(() => readApkIndexArchive(unsigned, {}), 'INDEX_UNTRUSTED');
});

test('multisig: three signatures; the first trusted one decides, with no fallback to later ones', () => {
  const bytes = readFileSync(vector('apk', 'multisig-APKINDEX.tar.gz'));
  const key = pub(CHAINGUARD_KEY);
  const r = readApkIndexArchive(bytes, { allowUntrusted: true });
  assert.equal(r.signatures.length, 3);
  assert.ok(r.signatures.every((s) => s.algorithm === 'RSA256' && s.keyName.startsWith('chainguard-')));
  assert.equal(r.signatures[0]?.keyName, CHAINGUARD_KEY);
  const second = r.signatures[1]?.keyName as string;
  const third = r.signatures[2]?.keyName as string;
  // The first key present (first in signature order, not in keyring order) is the only one tried.
  const ok = readApkIndexArchive(bytes, {
    keys: new Map([
      [third, key],
      [CHAINGUARD_KEY, key],
    ]),
  });
  assert.equal(ok.signedBy, CHAINGUARD_KEY);
  // With only later names trusted (here mapped to the wrong key), the second entry decides and fails,
  // even though the third would be tried next by a fallback.
  assertCodeSync(
    () =>
      readApkIndexArchive(bytes, {
        keys: new Map([
          [second, key],
          [third, key],
        ]),
      }),
    'INDEX_BAD_SIGNATURE',
  );
  // A failing signature by a trusted key is not excused by allowUntrusted.
  assertCodeSync(
    () => readApkIndexArchive(bytes, { keys: new Map([[second, key]]), allowUntrusted: true }),
    'INDEX_BAD_SIGNATURE',
  );
});

for (const v of INDEXES.filter((x) => x.apk)) {
  test(`${v.file.join('/')}: writing the records back gives the same APKINDEX text`, () => {
    const r = readApkIndexArchive(readFileSync(vector(...v.file)), { allowUntrusted: true });
    assert.ok(r.text.length > 0 && r.text.endsWith('\n\n'));
    assert.equal(formatApkIndexText(r.packages), r.text);
  });
}

/** The known go-apk/melange differences, undone: `t:0` is written, an empty `U:` is not, `k:` follows `p:`. */
function goTextToApkOrder(text: string): string {
  const order = 'CPVASITULomtckDpi';
  return text
    .split('\n\n')
    .filter((rec) => rec.length > 0)
    .map((rec) => {
      let lines = rec.split('\n').filter((l) => l !== 't:0');
      if (!lines.some((l) => l.startsWith('U:'))) lines.push('U:');
      lines = lines
        .map((l, i) => ({ l, i }))
        .sort((a, b) => order.indexOf(a.l[0] as string) - order.indexOf(b.l[0] as string) || a.i - b.i)
        .map((x) => x.l);
      return `${lines.join('\n')}\n\n`;
    })
    .join('');
}

for (const v of INDEXES.filter((x) => !x.apk)) {
  test(`${v.file.join('/')}: Go-written text differs from apk's only by t:0, the empty U: and k: placement`, () => {
    const r = readApkIndexArchive(readFileSync(vector(...v.file)), { allowUntrusted: true });
    const ours = formatApkIndexText(r.packages);
    assert.notEqual(ours, r.text);
    assert.ok(!/^U:$/m.test(r.text), 'the Go writer omits an empty U:');
    assert.equal(ours, goTextToApkOrder(r.text));
    // The archive itself is laid out the Go way: APKINDEX before an empty DESCRIPTION.
    const members = readGzipMembers(readFileSync(vector(...v.file)));
    const names = readTar((members[1] as { data: Buffer }).data).items.map((i) => i.entry.name);
    assert.deepEqual(names, ['APKINDEX', 'DESCRIPTION']);
  });
}

test('writeApkIndexArchive of the apk-tools-out packages gives the tar apk-tools 2.14 wrote, byte for byte', () => {
  const theirs = readFileSync(vector('apk-tools-out', 'index', 'APKINDEX.tar.gz'));
  const r = readApkIndexArchive(theirs, { allowUntrusted: true });
  // Shuffle the input: the writer sorts by name, then version.
  const shuffled = [r.packages[2], r.packages[0], r.packages[1]].map((p) => p as (typeof r.packages)[number]);
  const ours = writeApkIndexArchive(shuffled, { description: 'lupine test index' });
  const theirTar = (readGzipMembers(theirs)[0] as { data: Buffer }).data;
  const ourMembers = readGzipMembers(ours);
  assert.equal(ourMembers.length, 1);
  assert.equal(theirTar.length, 3584);
  assert.ok((ourMembers[0] as { data: Buffer }).data.equals(theirTar));
  // Same gzip header as apk-tools (mtime 0, XFL 2, OS 3); only the deflate stream may differ.
  assert.ok(ours.subarray(0, 10).equals(theirs.subarray(0, 10)));
  assert.equal(readFileSync(vector('apk-tools-out', 'index', 'APKINDEX'), 'utf8'), r.text);
});

test("the three vector .apk files, read with readPackage and indexed, give apk-tools' tar", () => {
  const infos = ['pretend-baselayout-1.0.0-r0.apk', 'alpine-baselayout-3.2.0-r23.apk', 'hello-0.1.0-r0.apk'].map(
    (f) => readPackage(readFileSync(vector('apk', f))).info,
  );
  const ours = (
    readGzipMembers(writeApkIndexArchive(infos, { description: 'lupine test index' }))[0] as { data: Buffer }
  ).data;
  const theirs = (
    readGzipMembers(readFileSync(vector('apk-tools-out', 'index', 'APKINDEX.tar.gz')))[0] as { data: Buffer }
  ).data;
  assert.ok(ours.equals(theirs));
});

test('without a description no DESCRIPTION entry is written; a long one is not read back', () => {
  const p = emptyPackageInfo('a', '1-r0');
  const plain = readTar((readGzipMembers(writeApkIndexArchive([p]))[0] as { data: Buffer }).data);
  assert.deepEqual(
    plain.items.map((i) => i.entry.name),
    ['APKINDEX'],
  );
  const long = 'x'.repeat(161);
  assert.equal(
    readApkIndexArchive(writeApkIndexArchive([p], { description: long }), { allowUntrusted: true }).description,
    '',
  );
  const max = 'y'.repeat(160);
  assert.equal(
    readApkIndexArchive(writeApkIndexArchive([p], { description: max }), { allowUntrusted: true }).description,
    max,
  );
});

test('an index written and signed by lupine verifies; re-signing replaces the signature; tampering is detected', async () => {
  const [a, b] = await Promise.all([generateRsaKeyPair(2048), generateRsaKeyPair(2048)]);
  const privA = parsePrivateKey(a.privatePem, 'a.rsa');
  const privB = parsePrivateKey(b.privatePem, 'b.rsa');
  const pubA = parsePublicKey(a.publicPem, 'a.rsa.pub');
  const pubB = parsePublicKey(b.publicPem, 'b.rsa.pub');
  const base = readApkIndexArchive(readFileSync(vector('apk', 'multisig-APKINDEX.tar.gz')), { allowUntrusted: true });
  const signed = writeApkIndexArchive(base.packages, { description: 'd', signingKey: privA, keyName: 'a.rsa.pub' });
  const keys = new Map([
    ['a.rsa.pub', pubA],
    ['b.rsa.pub', pubB],
  ]);
  const r = readApkIndexArchive(signed, { keys });
  assert.equal(r.signedBy, 'a.rsa.pub');
  assert.deepEqual(
    r.signatures.map((s) => `${s.algorithm}.${s.keyName}`),
    ['RSA256.a.rsa.pub'],
  );
  assert.equal(r.packages.length, 16);
  assert.equal(r.description, 'd');

  const resigned = signApkIndexArchive(signed, { key: privB, keyName: 'b.rsa.pub' });
  const r2 = readApkIndexArchive(resigned, { keys });
  assert.equal(r2.signedBy, 'b.rsa.pub');
  assert.equal(r2.signatures.length, 1);
  assert.equal(r2.text, r.text);
  assertCodeSync(() => readApkIndexArchive(resigned, { keys: new Map([['a.rsa.pub', pubA]]) }), 'INDEX_UNTRUSTED');

  // A key name too long for a tar header travels in a GNU long-name entry and still verifies.
  const longName = `${'k'.repeat(120)}.rsa.pub`;
  const long = readApkIndexArchive(signApkIndexArchive(signed, { key: privA, keyName: longName }), {
    keys: new Map([[longName, pubA]]),
  });
  assert.equal(long.signedBy, longName);

  // One flipped byte anywhere in the signed part: a bad signature, checked before inflating.
  const body = (readGzipMembers(signed)[1] as { start: number; end: number }).start;
  for (const at of [body, body + 10, Math.floor((body + signed.length) / 2), signed.length - 1]) {
    const t = Buffer.from(signed);
    t[at] = (t[at] as number) ^ 0x01;
    assertCodeSync(() => readApkIndexArchive(t, { keys }), 'INDEX_BAD_SIGNATURE');
  }
  // Edited text, recompressed, old signature kept.
  const edited = Buffer.from(r.text.replace(/^V:(.*)$/m, 'V:9$1'), 'utf8');
  const tar = writeTar(
    [{ name: 'APKINDEX', type: 'file', mode: 0o644, uname: 'root', gname: 'root', mtime: 0, data: edited }],
    { dialect: 'apk' },
  );
  const forged = Buffer.concat([signed.subarray(0, body), gzipMember(tar)]);
  assertCodeSync(() => readApkIndexArchive(forged, { keys }), 'INDEX_BAD_SIGNATURE');
  // A signature by another key under the trusted key's name.
  const impostor = Buffer.concat([signatureMember(signed.subarray(body), privB, 'a.rsa.pub'), signed.subarray(body)]);
  assertCodeSync(() => readApkIndexArchive(impostor, { keys }), 'INDEX_BAD_SIGNATURE');
});

test('malformed archives fail with their own codes', () => {
  const desc = writeTar([{ name: 'DESCRIPTION', type: 'file', mode: 0o644, mtime: 0, data: Buffer.from('x') }], {
    dialect: 'apk',
  });
  assertCodeSync(() => readApkIndexArchive(gzipMember(desc), { allowUntrusted: true }), 'INDEX_NO_APKINDEX');
  const signed = readFileSync(vector('apk', 'rsa256-abuild-APKINDEX.tar.gz'));
  const sigOnly = signed.subarray(0, (readGzipMembers(signed)[0] as { end: number }).end);
  assertCodeSync(() => readApkIndexArchive(sigOnly, { allowUntrusted: true }), 'INDEX_MALFORMED');
  assertCodeSync(() => readApkIndexArchive(Buffer.alloc(0), { allowUntrusted: true }), 'INDEX_MALFORMED');
  const badText = writeTar(
    [{ name: 'APKINDEX', type: 'file', mode: 0o644, mtime: 0, data: Buffer.from('P:a\nVx\n\n') }],
    {
      dialect: 'apk',
    },
  );
  assertCodeSync(() => readApkIndexArchive(gzipMember(badText), { allowUntrusted: true }), 'INDEX_MALFORMED');
  assertCodeSync(
    () => readApkIndexArchive(Buffer.from('not gzip at all, just text'), { allowUntrusted: true }),
    'GZIP_BAD_HEADER',
  );
  const cut = readFileSync(vector('apk-tools-out', 'index', 'APKINDEX.tar.gz'));
  assertCodeSync(
    () => readApkIndexArchive(cut.subarray(0, cut.length - 4), { allowUntrusted: true }),
    'GZIP_TRUNCATED',
  );
});

test('mergeIndexes: a later package of the same name and version replaces the earlier one in place', () => {
  const pkg = (name: string, version: string, description: string) => ({
    ...emptyPackageInfo(name, version),
    description,
  });
  const merged = mergeIndexes(
    [pkg('a', '1', 'old a'), pkg('b', '1', 'b1')],
    [pkg('b', '2', 'b2'), pkg('a', '1', 'new a')],
    [],
  );
  assert.deepEqual(
    merged.map((p) => `${p.name}-${p.version}:${p.description}`),
    ['a-1:new a', 'b-1:b1', 'b-2:b2'],
  );
});

test('an index whose APKINDEX inflates past 256 MiB is LIMIT_EXCEEDED, not buffered (a 300 KiB bomb)', async () => {
  // Unsigned indexes are read this way by `inspect`, `index --merge` without keys and --allow-untrusted;
  // before the limit, a 3 MB bomb took 9.5 GB and ended in an internal error.
  const bomb = await zeroBombMember('APKINDEX', 300 * 1024 * 1024);
  assertCodeSync(() => readApkIndexArchive(bomb, { allowUntrusted: true }), 'LIMIT_EXCEEDED');
});
