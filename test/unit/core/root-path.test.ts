/**
 * The one walk of a path inside a root, under each caller's rules: read as the root's programs see
 * it (absolute targets restart at the root) or confined (they are refused); sync and async agree.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RootPathKind, type RootWalkRules, walkRoot, walkRootSync } from '../../../src/core/index.js';

const tree: Record<string, RootPathKind> = {
  etc: { kind: 'dir' },
  'etc/passwd': { kind: 'other' },
  lib: { kind: 'symlink', target: 'usr/lib' },
  usr: { kind: 'dir' },
  'usr/lib': { kind: 'dir' },
  abs: { kind: 'symlink', target: '/etc' },
  up: { kind: 'symlink', target: '../../etc' },
  loop: { kind: 'symlink', target: 'loop' },
};
const lookup = (p: string): RootPathKind => tree[p] ?? { kind: 'missing' };

const inRoot: RootWalkRules = {
  followLast: true,
  absolute: 'restart',
  aboveRoot: 'stay',
  missing: 'pass',
  notDir: 'pass',
};
const confined: RootWalkRules = {
  followLast: true,
  absolute: 'refuse',
  aboveRoot: 'refuse',
  missing: 'pass',
  notDir: 'refuse',
};

describe('walkRoot', () => {
  it('reads a root as its programs would: absolute targets and .. stay inside', () => {
    assert.deepEqual(walkRootSync('lib/x', inRoot, lookup), { ok: true, path: 'usr/lib/x' });
    assert.deepEqual(walkRootSync('abs/passwd', inRoot, lookup), { ok: true, path: 'etc/passwd' });
    assert.deepEqual(walkRootSync('up/passwd', inRoot, lookup), { ok: true, path: 'etc/passwd' });
  });

  it('confined: an absolute target, a climb above the root and a file in the way are refused', () => {
    assert.deepEqual(walkRootSync('abs/passwd', confined, lookup), {
      ok: false,
      why: 'absolute',
      at: 'abs',
      target: '/etc',
    });
    assert.equal(walkRootSync('up/passwd', confined, lookup).ok, false);
    assert.deepEqual(walkRootSync('etc/passwd/x', confined, lookup), { ok: false, why: 'not-dir', at: 'etc/passwd' });
    assert.deepEqual(walkRootSync('etc/new/x', confined, lookup), { ok: true, path: 'etc/new/x' });
  });

  it('a symlink loop stops the walk; the last component is kept when not followed', () => {
    assert.equal((walkRootSync('loop', inRoot, lookup) as { why: string }).why, 'loop');
    assert.deepEqual(walkRootSync('lib', { ...inRoot, followLast: false }, lookup), { ok: true, path: 'lib' });
  });

  it('the async walk (image layers) gives what the sync one does', async () => {
    const stop: RootWalkRules = { ...inRoot, missing: 'stop', notDir: 'stop' };
    for (const p of ['lib/x', 'abs/passwd', 'up/passwd', 'etc/passwd/x', 'nope/x', 'loop']) {
      assert.deepEqual(await walkRoot(p, stop, async (q) => lookup(q)), walkRootSync(p, stop, lookup), p);
    }
  });
});
