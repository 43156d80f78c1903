import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ARCH_TABLE, selectArch, selectArchs } from '../../../src/apk/index.js';
import { imageArchs } from '../../../src/image/index.js';
import { assertCode } from '../../helpers/assert-code.js';

const every = ARCH_TABLE.map((r) => r.apk);

describe('one arch-selection rule', () => {
  test('--arch: csv and repeated values, OCI or apk names, deduplicated, in apko order', () => {
    const got = selectArchs({ requested: ['arm64,amd64', 'x86_64', ' '], otherwise: 'host', command: 'c' });
    assert.deepEqual(got, ['x86_64', 'aarch64']);
    assert.deepEqual(selectArchs({ requested: 'linux/arm/v7', otherwise: 'all', command: 'c' }), ['armv7']);
  });

  test('host is this machine; all is every arch whatever else is asked', () => {
    assert.deepEqual(selectArchs({ requested: 'host', otherwise: 'all', command: 'c', nodeArch: 'arm64' }), [
      'aarch64',
    ]);
    assert.deepEqual(selectArchs({ requested: 's390x,all', otherwise: 'host', command: 'c' }), every);
  });

  test("nothing asked: the config's archs, else every arch (images) or the host's (packages, distro)", () => {
    assert.deepEqual(selectArchs({ configured: ['aarch64', 'x86_64'], otherwise: 'all', command: 'c' }), [
      'x86_64',
      'aarch64',
    ]);
    assert.deepEqual(selectArchs({ configured: [], otherwise: 'all', command: 'c' }), every);
    assert.deepEqual(selectArchs({ otherwise: 'host', command: 'c', nodeArch: 's390x' }), ['s390x']);
    assert.deepEqual(selectArchs({ otherwise: 'host', command: 'c', nodeArch: 'mips' }), ['x86_64']);
    assert.deepEqual(imageArchs({ archs: ['aarch64'] }, undefined, 'image lock'), ['aarch64']);
    assert.deepEqual(imageArchs({ archs: ['aarch64'] }, ['amd64'], 'image lock'), ['x86_64']);
  });

  test('an unknown name is USAGE naming the command and the name', async () => {
    await assertCode(() => selectArchs({ requested: 'amd64,mips', otherwise: 'all', command: 'image lock' }), 'USAGE');
    assert.throws(
      () => selectArchs({ requested: 'arm', otherwise: 'host', command: 'pkg build' }),
      /pkg build: unknown arch 'arm'/,
    );
  });

  test('a one-arch command takes exactly one', async () => {
    assert.equal(selectArch({ requested: 'arm64', otherwise: 'host', command: 'distro build' }), 'aarch64');
    await assertCode(() => selectArch({ requested: 'all', otherwise: 'host', command: 'distro build' }), 'USAGE');
  });
});
