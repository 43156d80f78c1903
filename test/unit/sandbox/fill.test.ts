import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { emptyPackageInfo, packageIdentity, writePackage } from '../../../src/apk/index.js';
import { fixedClock } from '../../../src/core/index.js';
import type { LockedPackage } from '../../../src/install/index.js';
import { assembleGuest, ExpandedPackageCache, fillFromLocked } from '../../../src/sandbox/index.js';
import { assertCode } from '../../helpers/assert-code.js';

function locked(name: string, files: Record<string, string>, fetches: string[]): LockedPackage {
  const apk = writePackage({
    files: [
      { path: 'usr/bin', type: 'dir' },
      ...Object.entries(files).map(([path, data]) => ({
        path,
        type: 'file' as const,
        mode: 0o755,
        data: Buffer.from(data),
      })),
    ],
    info: { ...emptyPackageInfo(name, '1.0-r0'), arch: 'x86_64', license: 'MIT' },
    clock: fixedClock(0),
  });
  return {
    name,
    version: '1.0-r0',
    identity: packageIdentity(apk),
    arch: 'x86_64',
    repository: 'test',
    fetch: async () => {
      fetches.push(name);
      return apk;
    },
  };
}

describe('fillFromLocked', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lupine-fill-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('verifies and expands real .apk packages once; a warm cache fetches nothing', async () => {
    const cache = new ExpandedPackageCache(join(dir, 'cache'));
    const fetches: string[] = [];
    const set = [locked('alpha', { 'usr/bin/alpha': 'A' }, fetches), locked('beta', { 'usr/bin/beta': 'B' }, fetches)];
    const cold = await fillFromLocked(cache, set);
    assert.equal(cold.filled, 2);
    assert.deepEqual(fetches, ['alpha', 'beta']);
    const warm = await fillFromLocked(cache, set);
    assert.equal(warm.filled, 0);
    assert.deepEqual(fetches, ['alpha', 'beta'], 'nothing fetched again');
    const target = join(dir, 'guest');
    await assembleGuest({ cache, packages: warm.packages, target });
    assert.equal(readFileSync(join(target, 'usr/bin/beta'), 'utf8'), 'B');
    assert.equal(statSync(join(target, 'usr/bin/alpha')).mode & 0o777, 0o755);
  });

  test('a package that does not match its identity is refused and not cached', async () => {
    const cache = new ExpandedPackageCache(join(dir, 'cache2'));
    const good = locked('gamma', { 'usr/bin/gamma': 'G' }, []);
    const other = locked('gamma', { 'usr/bin/gamma': 'tampered' }, []);
    const swapped: LockedPackage = { ...good, fetch: other.fetch };
    await assertCode(() => fillFromLocked(cache, [swapped]), 'APK_BAD_IDENTITY');
    assert.equal(await cache.lookup({ name: 'gamma', version: '1.0-r0', identity: good.identity }), undefined);
  });
});
