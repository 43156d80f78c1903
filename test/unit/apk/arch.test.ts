import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ARCH_TABLE, hostApkArch } from '../../../src/apk/index.js';
import { ALL_ARCHS, ociPlatform, toApkArch } from '../../../src/image/index.js';
import { apkArch, knownApkArches, platformFor } from '../../../src/oci/index.js';
import { archFacts, toBuildArch } from '../../../src/pkg/index.js';

describe('one arch table', () => {
  test('every lookup gives the same apk arch for every way of naming it', () => {
    for (const row of ARCH_TABLE) {
      for (const name of [row.apk, row.oci, `linux/${row.oci}`]) {
        assert.equal(apkArch(name), row.apk, `oci: ${name}`);
        assert.equal(toApkArch(name), row.apk, `image: ${name}`);
        assert.equal(toBuildArch(name), row.apk, `build: ${name}`);
      }
      if (row.node) assert.equal(hostApkArch(row.node), row.apk, `node: ${row.node}`);
    }
    for (const name of ['arm', 'mips', 'linux/arm', '']) {
      assert.equal(toApkArch(name), undefined, name);
      assert.equal(toBuildArch(name), undefined, name);
      assert.throws(() => apkArch(name));
    }
  });

  test('the image and OCI platforms agree, and every list has the same arches in apko order', () => {
    for (const a of ALL_ARCHS) assert.deepEqual(ociPlatform(a), platformFor(a));
    assert.deepEqual([...knownApkArches], [...ALL_ARCHS]);
    assert.deepEqual(ALL_ARCHS, [
      'x86',
      'x86_64',
      'armhf',
      'armv7',
      'aarch64',
      'loongarch64',
      'ppc64le',
      'riscv64',
      's390x',
    ]);
    assert.equal(archFacts('armv7')?.gnu, 'armv7-unknown-linux-gnueabihf');
    assert.equal(archFacts('riscv64')?.rust, 'riscv64gc-unknown-linux-gnu');
    assert.equal(archFacts('x86_64')?.goarch, 'amd64');
  });
});
