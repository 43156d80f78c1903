import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { gzipMember, readGzipMembers } from '../../../src/archive/index.js';
import { defaultLimits } from '../../../src/core/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';

test('vector packages split into contiguous gzip members with exact byte ranges', () => {
  const expected: Record<string, number> = {
    'alpine-baselayout-3.2.0-r23.apk': 3,
    'hello-0.1.0-r0.apk': 2,
    'pretend-baselayout-1.0.0-r0.apk': 3,
    'alpine-v3.17-main-aarch64-APKINDEX.tar.gz': 2,
    'melange-x86_64-APKINDEX.tar.gz': 2,
  };
  for (const [file, count] of Object.entries(expected)) {
    const bytes = readFileSync(vector('apk', file));
    const members = readGzipMembers(bytes);
    assert.equal(members.length, count, file);
    assert.equal(members[0]?.start, 0);
    for (let i = 1; i < members.length; i++) assert.equal(members[i]?.start, members[i - 1]?.end, file);
    assert.equal(members.at(-1)?.end, bytes.length, file);
    // Each range is a standalone gzip member that gunzip agrees with.
    for (const m of members) assert.deepEqual(gzipSync(m.data).length > 0, true);
  }
  // alpine-baselayout: the README gives the member sizes implicitly: signature 0..666.
  const alpine = readGzipMembers(readFileSync(vector('apk', 'alpine-baselayout-3.2.0-r23.apk')));
  assert.deepEqual(
    alpine.map((m) => [m.start, m.end]),
    [
      [0, 666],
      [666, 2229],
      [2229, 11012],
    ],
  );
});

test('gzipMember is deterministic and readable', () => {
  const data = Buffer.from('hello lupine\n'.repeat(100));
  const a = gzipMember(data);
  const b = gzipMember(Buffer.from(data));
  assert.deepEqual(a, b);
  assert.deepEqual([...a.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
  const [m] = readGzipMembers(a);
  assert.deepEqual(m?.data, data);
});

test('damaged gzip input is refused with its own code', () => {
  const good = gzipMember(Buffer.from('x'.repeat(5000)));
  assertCodeSync(() => readGzipMembers(Buffer.from('not gzip at all, not at all')), 'GZIP_BAD_HEADER');
  assertCodeSync(() => readGzipMembers(good.subarray(0, good.length - 4)), 'GZIP_TRUNCATED');
  const crc = Buffer.from(good);
  crc[crc.length - 6] = (crc[crc.length - 6] as number) ^ 0xff;
  assertCodeSync(() => readGzipMembers(crc), 'GZIP_CORRUPT');
  const body = Buffer.from(good);
  body[12] = 0xff;
  body[13] = 0xff;
  assert.throws(
    () => readGzipMembers(body),
    (e: Error & { code?: string }) => /^GZIP_/.test(e.code ?? ''),
  );
});

test('decompression limits: size and ratio', () => {
  const bomb = gzipMember(Buffer.alloc(20 * 1024 * 1024));
  assertCodeSync(() => readGzipMembers(bomb, { ...defaultLimits, maxCompressionRatio: 100 }), 'LIMIT_EXCEEDED');
  assertCodeSync(
    () => readGzipMembers(bomb, { ...defaultLimits, maxUncompressedBytes: 1024 * 1024 }),
    'LIMIT_EXCEEDED',
  );
  assert.equal(readGzipMembers(bomb)[0]?.data.length, 20 * 1024 * 1024);
});
