import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  encodePax,
  parsePax,
  readGzipMembers,
  readTar,
  type TarWriteEntry,
  writeTar,
} from '../../../src/archive/index.js';
import { InternalError } from '../../../src/core/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';

test("the apk dialect reproduces apk-tools 2.14's index tar byte for byte", () => {
  const [member] = readGzipMembers(readFileSync(vector('apk-tools-out', 'index', 'APKINDEX.tar.gz')));
  assert.ok(member);
  const { items, ended } = readTar(member.data);
  assert.equal(ended, true);
  assert.deepEqual(
    items.map((i) => i.entry.name),
    ['DESCRIPTION', 'APKINDEX'],
  );
  const rewritten = writeTar(
    items.map((i) => ({
      name: i.entry.name,
      type: 'file',
      mode: 0o644,
      uname: 'root',
      gname: 'root',
      mtime: 0,
      data: i.data,
    })),
    { dialect: 'apk' },
  );
  assert.equal(Buffer.compare(rewritten, member.data), 0);
});

test('reads the three dialects of the vector packages: GNU signature, pax control, pax data with checksums', () => {
  const members = readGzipMembers(readFileSync(vector('apk', 'alpine-baselayout-3.2.0-r23.apk')));
  const sig = readTar(members[0]!.data, { mode: 'fragment' });
  assert.equal(sig.items.length, 1);
  assert.match(sig.items[0]!.entry.name, /^\.SIGN\.RSA\.alpine-devel@lists\.alpinelinux\.org-616ae350\.rsa\.pub$/);
  assert.equal(sig.items[0]!.data.length, 512);
  const control = readTar(members[1]!.data, { mode: 'fragment' });
  assert.deepEqual(
    control.items.map((i) => i.entry.name),
    ['.PKGINFO', '.pre-install', '.pre-upgrade', '.post-upgrade', '.post-install'],
  );
  assert.equal(control.items[0]!.entry.pax.ctime, '0');
  const data = readTar(members[2]!.data);
  assert.equal(data.ended, true);
  const files = data.items.filter((i) => i.entry.type === 'file');
  assert.ok(files.length > 5);
  for (const f of files) assert.match(f.entry.pax['APK-TOOLS.checksum.SHA1'] ?? '', /^[0-9a-f]{40}$/);
  const links = data.items.filter((i) => i.entry.type === 'symlink');
  assert.ok(links.length > 0);
  for (const l of links) assert.ok(l.entry.linkname.length > 0);
});

function sample(): TarWriteEntry[] {
  const long = `usr/share/${'deep/'.repeat(25)}file-with-a-rather-long-name.txt`;
  return [
    { name: 'etc/', type: 'dir', mode: 0o755, mtime: 1700000000 },
    {
      name: 'etc/hello',
      type: 'file',
      mode: 0o644,
      uid: 1000,
      gid: 1000,
      mtime: 1700000000,
      data: Buffer.from('hi\n'),
    },
    { name: 'etc/link', type: 'symlink', mode: 0o777, mtime: 1700000000, linkname: 'hello' },
    { name: long, type: 'file', mode: 0o600, mtime: 1700000000, data: Buffer.alloc(700, 7) },
    {
      name: 'usr/bin/ping',
      type: 'file',
      mode: 0o755,
      mtime: 1,
      data: Buffer.from('#!/bin/sh\n'),
      xattrs: { 'security.capability': Buffer.from([1, 0, 0, 2, 0, 32, 0, 0]) },
    },
    { name: 'etc/far', type: 'symlink', mode: 0o777, mtime: 1, linkname: `/${'x'.repeat(150)}` },
    { name: 'dev/null', type: 'chardev', mode: 0o666, mtime: 1, devmajor: 1, devminor: 3 },
  ];
}

for (const [dialect, longNames] of [
  ['ustar', 'pax'],
  ['gnu', 'gnu'],
  ['apk', 'gnu'],
] as const) {
  test(`write then read round-trips every field (${dialect}, long names via ${longNames})`, () => {
    const entries = sample();
    const tar = writeTar(entries, { dialect, longNames });
    assert.equal(tar.length % 512, 0);
    const { items } = readTar(tar);
    assert.equal(items.length, entries.length);
    entries.forEach((e, i) => {
      const got = items[i]!.entry;
      assert.equal(got.name, e.name);
      assert.equal(got.type, e.type);
      assert.equal(got.mode, e.mode);
      assert.equal(got.uid, e.uid ?? 0);
      assert.equal(got.mtime, e.mtime);
      assert.equal(got.linkname, e.linkname ?? '');
      assert.equal(got.devmajor, e.devmajor ?? 0);
      assert.equal(got.devminor, e.devminor ?? 0);
      assert.deepEqual(items[i]!.data, Buffer.from(e.data ?? []));
      for (const [k, v] of Object.entries(e.xattrs ?? {})) assert.deepEqual(got.xattrs[k], Buffer.from(v));
    });
    // Same input, same bytes.
    assert.deepEqual(writeTar(sample(), { dialect, longNames }), tar);
  });
}

test('GNU tar lists what we write, long names and all', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lupine-tar-'));
  try {
    for (const [dialect, longNames] of [
      ['ustar', 'pax'],
      ['gnu', 'gnu'],
    ] as const) {
      const file = join(dir, `${dialect}.tar`);
      writeFileSync(file, writeTar(sample(), { dialect, longNames }));
      const r = spawnSync('tar', ['-tvf', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      for (const e of sample()) assert.ok(r.stdout.includes(e.name), `${dialect}: ${e.name} not listed:\n${r.stdout}`);
      assert.match(r.stdout, /-rw-r--r-- 1000\/1000\s+3 .* etc\/hello/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pax records count their own length across digit boundaries', () => {
  for (let n = 0; n < 120; n++) {
    const rec = { key: 'k', value: Buffer.alloc(n, 0x61) };
    const enc = encodePax([rec]);
    const len = Number(enc.toString('latin1').split(' ')[0]);
    assert.equal(len, enc.length, `value of ${n} bytes`);
    assert.deepEqual(parsePax(enc, 0), [rec]);
  }
});

test('damaged tar input is refused with its own code', () => {
  const tar = writeTar(sample(), { dialect: 'ustar' });
  const badSum = Buffer.from(tar);
  badSum[0] = 0x41;
  assertCodeSync(() => readTar(badSum), 'TAR_BAD_CHECKSUM');
  assertCodeSync(() => readTar(tar.subarray(0, 1536 + 100)), 'TAR_TRUNCATED');
  assertCodeSync(() => readTar(Buffer.concat([tar, Buffer.from('junk'.repeat(128))])), 'TAR_TRAILING_DATA');
  const notTar = Buffer.alloc(1024, 0x20);
  assertCodeSync(() => readTar(notTar), 'TAR_BAD_HEADER');
  const badPax = writeTar(
    [{ name: 'a', type: 'file', mode: 0o644, mtime: 0, pax: [{ key: 'x', value: Buffer.from('y') }] }],
    { dialect: 'ustar' },
  );
  badPax[512] = 0x39; // the record's length digit
  assertCodeSync(() => readTar(badPax), 'TAR_BAD_PAX');
});

test('a link without a target is a bug in the caller: an InternalError, not a user error code', () => {
  assert.throws(
    () => writeTar([{ name: 'l', type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: 0 }], { dialect: 'ustar' }),
    (err: unknown) => err instanceof InternalError && /needs a target/.test(err.message),
  );
});
