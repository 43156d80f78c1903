/**
 * `paths` mutations on a root: each type, ownership recorded, modes without apko's pitfalls, and
 * paths resolved inside the image (an absolute symlink never leads to a host path).
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  applyPathMutations,
  type OwnerMap,
  type ResolvedPathMutation,
  resolveImagePath,
} from '../../../src/image/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';

const m = (p: Partial<ResolvedPathMutation> & Pick<ResolvedPathMutation, 'path' | 'type'>): ResolvedPathMutation => ({
  owner: null,
  permissions: null,
  source: null,
  recursive: false,
  ...p,
});

let root: string;
let outside: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lupine-paths-'));
  outside = mkdtempSync(join(tmpdir(), 'lupine-paths-host-'));
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  writeFileSync(join(root, 'usr/bin/app'), 'app', { mode: 0o755 });
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('path mutations', () => {
  test('directory (recursive), empty-file, hardlink and symlink', () => {
    const owners: OwnerMap = new Map();
    mkdirSync(join(root, 'srv/a'), { recursive: true });
    writeFileSync(join(root, 'srv/a/f'), 'x');
    const created = applyPathMutations(
      root,
      [
        m({ path: '/srv', type: 'directory', owner: { uid: 10, gid: 20 }, permissions: 0o750, recursive: true }),
        m({ path: '/var/empty', type: 'empty-file' }),
        m({ path: '/usr/bin/app2', type: 'hardlink', source: '/usr/bin/app' }),
        m({ path: '/usr/bin/app3', type: 'symlink', source: '/usr/bin/app', permissions: 0o600 }),
        m({ path: '/new/dir', type: 'directory' }),
      ],
      owners,
    );
    assert.deepEqual(created, ['var/empty', 'usr/bin/app2', 'usr/bin/app3', 'new/dir']);
    assert.equal(statSync(join(root, 'srv/a/f')).mode & 0o7777, 0o750);
    assert.deepEqual(owners.get('srv/a/f'), { uid: 10, gid: 20 });
    assert.equal(statSync(join(root, 'var/empty')).size, 0);
    assert.equal(statSync(join(root, 'usr/bin/app2')).ino, statSync(join(root, 'usr/bin/app')).ino);
    assert.equal(readlinkSync(join(root, 'usr/bin/app3')), '/usr/bin/app');
    assert.equal(statSync(join(root, 'usr/bin/app')).mode & 0o7777, 0o755, "a symlink never changes its target's mode");
    assert.equal(statSync(join(root, 'new/dir')).mode & 0o7777, 0o755, 'no permissions: a sane default, not 0000');
  });

  test('permissions on a missing path, a hardlink without a file and .. are errors naming the entry', () => {
    const owners: OwnerMap = new Map();
    const e = assertCodeSync(
      () => applyPathMutations(root, [m({ path: '/nope', type: 'permissions', permissions: 0o600 })], owners),
      'IMAGE_BUILD_PATH',
    );
    assert.match(e.message, /permissions \/nope/);
    assertCodeSync(
      () => applyPathMutations(root, [m({ path: '/x', type: 'hardlink', source: '/missing' })], owners),
      'IMAGE_BUILD_PATH',
    );
    assertCodeSync(
      () => applyPathMutations(root, [m({ path: '/../etc', type: 'directory' })], owners),
      'IMAGE_BUILD_PATH',
    );
  });

  test('an absolute symlink in the image resolves inside the root, never to the host', () => {
    symlinkSync(outside, join(root, 'escape'));
    assert.equal(resolveImagePath(root, '/escape/file', true), `${outside.slice(1)}/file`);
    applyPathMutations(root, [m({ path: '/escape/planted', type: 'empty-file' })], new Map());
    assert.equal(lstatSync(join(root, outside.slice(1), 'planted')).isFile(), true);
    assert.throws(() => lstatSync(join(outside, 'planted')), /ENOENT/);
  });
});
