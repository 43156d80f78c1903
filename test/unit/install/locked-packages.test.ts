/**
 * `lockedPackages` turns a resolved locked set into the installer's packages: each carries the index's
 * `I:` (installedSize), which holds the data the installer inflates to what the index declares.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyPackageInfo } from '../../../src/apk/index.js';
import { type LockedSetEntry, lockedPackages } from '../../../src/install/index.js';
import { openedRepository } from './fixtures.js';

describe('lockedPackages', () => {
  it("passes the index's installed size (I:) and the tag to each package", () => {
    const info = { ...emptyPackageInfo('zlib', '1.3-r0'), identity: 'Q1zlib=', installedSize: 4096 };
    const repo = openedRepository('/srv/repo', [info]);
    const entry: LockedSetEntry = {
      name: 'zlib',
      version: '1.3-r0',
      identity: 'Q1zlib=',
      arch: 'x86_64',
      repository: '/srv/repo',
      tag: '',
      url: '/srv/repo/x86_64/zlib-1.3-r0.apk',
      size: 1000,
      installedSize: 4096,
    };
    const [p] = lockedPackages([entry], [repo]);
    assert.equal(p?.installedSize, 4096);
    assert.equal(p?.identity, 'Q1zlib=');
    assert.equal(p?.tag, '');
  });
});
