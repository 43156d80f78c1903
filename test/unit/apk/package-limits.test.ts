import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkPackageData,
  dataAllowance,
  readPackage,
  readPackageHead,
  verifyPackage,
} from '../../../src/apk/index.js';
import { readGzipMembers } from '../../../src/archive/index.js';
import { assertCode, assertCodeSync } from '../../helpers/assert-code.js';
import { assemblePackage, dataMember, pkginfoText, zeroBombMember } from '../../helpers/hostile-packages.js';

const MiB = 1024 * 1024;

test('dataAllowance: the declared size plus tar overhead per entry; without one, what deflate could produce', () => {
  assert.equal(dataAllowance(4096, 0, 1000), 4096 + MiB);
  assert.equal(dataAllowance(4096, 10, 1000), 4096 + MiB + 20480);
  assert.equal(dataAllowance(0, 10, 1000), 1000 * 1032 + MiB);
});

test('readPackage and verifyPackage stop inflating a bomb at the declared size (LIMIT_EXCEEDED)', async () => {
  const data = await zeroBombMember('usr/zeros', 256 * MiB);
  const bytes = assemblePackage({ pkginfo: pkginfoText('bomb', '1.0-r0', 4096), data });
  assertCodeSync(() => readPackage(bytes), 'LIMIT_EXCEEDED');
  assertCodeSync(() => verifyPackage(bytes, new Map(), { requireSignature: false }), 'LIMIT_EXCEEDED');
  const head = readPackageHead(bytes, bytes.length);
  assert.ok(head);
  await assertCode(
    () =>
      checkPackageData(
        async function* () {
          yield bytes.subarray(head.dataStart);
        },
        { source: 'bomb', declaredSize: 4096, compressedBytes: bytes.length - head.dataStart },
      ),
    'LIMIT_EXCEEDED',
  );
});

test('a symlink with an empty target is APK_MALFORMED in verifyPackage (as apk refuses it)', () => {
  const header = Buffer.alloc(512);
  header.write('usr/l', 0, 'latin1');
  header.write('0000777\0', 100, 'latin1');
  header.write('0000000\0', 108, 'latin1');
  header.write('0000000\0', 116, 'latin1');
  header.write('00000000000\0', 124, 'latin1');
  header.write('00000000000\0', 136, 'latin1');
  header.write('2', 156, 'latin1');
  header.write('ustar\x0000', 257, 'latin1');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of header) sum += x;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const bytes = assemblePackage({
    pkginfo: pkginfoText('emptylink', '1.0-r0', 4096),
    data: dataMember([], Buffer.concat([header, Buffer.alloc(1024)])),
  });
  assert.equal(readGzipMembers(bytes).length, 2);
  assertCodeSync(() => verifyPackage(bytes, new Map(), { requireSignature: false }), 'APK_MALFORMED');
});

test('readPackageHead reads a package from its first bytes, or says it needs more', () => {
  const bytes = assemblePackage({
    pkginfo: pkginfoText('head', '1.0-r0', 4096),
    data: dataMember([{ name: 'f', type: 'file', mode: 0o644, mtime: 0, data: Buffer.alloc(100000, 1) }]),
  });
  const full = readPackage(bytes);
  const head = readPackageHead(bytes.subarray(0, 1024), bytes.length);
  assert.ok(head);
  assert.equal(head.identity, full.identity);
  assert.deepEqual(head.info, full.info);
  assert.equal(readPackageHead(bytes.subarray(0, 20), bytes.length), undefined);
});
