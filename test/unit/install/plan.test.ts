import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyPackageInfo, type PackageInfo } from '../../../src/apk/index.js';
import {
  type IncomingPackage,
  type InstalledPackage,
  normalizeEntryPath,
  type PackageEntry,
  type PathKind,
  planInstall,
  replacesDecision,
  resolveInRoot,
  xattrHash,
} from '../../../src/install/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';

function info(name: string, extra: Partial<PackageInfo> = {}): PackageInfo {
  return { ...emptyPackageInfo(name, '1.0-r0'), identity: `Q1${name.padEnd(27, 'x')}=`, ...extra };
}

function file(path: string, type: PackageEntry['type'] = 'file'): PackageEntry {
  return {
    path,
    type,
    mode: type === 'dir' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    mtime: 0,
    size: 0,
    linkTarget: '',
    devmajor: 0,
    devminor: 0,
    xattrs: {},
    sha1: 'aa'.repeat(20),
  };
}

function installedWith(name: string, paths: string[], extra: Partial<PackageInfo> = {}): InstalledPackage {
  const plan = planInstall({
    installed: [],
    incoming: [{ info: info(name, extra), files: paths.map((p) => file(p, p.endsWith('/') ? 'dir' : 'file')) }],
    remove: [],
  });
  return plan.installed[0] as InstalledPackage;
}

describe('replaces (apk_pkg_replaces_file)', () => {
  it('same name, same origin and replaces allow; higher owner priority skips; otherwise conflict', () => {
    assert.equal(replacesDecision(info('a'), info('a')), 'yes');
    assert.equal(replacesDecision(info('a', { origin: 'o' }), info('b', { origin: 'o' })), 'yes');
    assert.equal(replacesDecision(info('a'), info('b', { replaces: ['a'] })), 'yes');
    assert.equal(replacesDecision(info('a'), info('b', { replaces: ['a<1.0'] })), 'conflict');
    assert.equal(replacesDecision(info('a'), info('b', { replaces: ['a>=1.0'] })), 'yes');
    assert.equal(
      replacesDecision(
        info('a', { replaces: ['b'], replacesPriority: 10 }),
        info('b', { replaces: ['a'], replacesPriority: 5 }),
      ),
      'no',
    );
    assert.equal(
      replacesDecision(
        info('a', { replaces: ['b'], replacesPriority: 5 }),
        info('b', { replaces: ['a'], replacesPriority: 5 }),
      ),
      'yes',
    );
    assert.equal(replacesDecision(info('a'), info('b')), 'conflict');
  });
});

describe('planInstall', () => {
  it('moves ownership to a replacing package and keeps the old owner record', () => {
    const a = installedWith('a', ['etc/', 'etc/os-release']);
    const b: IncomingPackage = {
      info: info('b', { replaces: ['a'] }),
      files: [file('etc/', 'dir'), file('etc/os-release')],
    };
    const plan = planInstall({ installed: [a], incoming: [b], remove: [] });
    const [pa, pb] = plan.installed;
    assert.deepEqual(
      pa?.dirs.map((d) => [d.path, d.files.length]),
      [['etc', 0]],
    );
    assert.deepEqual(
      pb?.dirs.map((d) => [d.path, d.files.map((f) => f.name)]),
      [['etc', ['os-release']]],
    );
    assert.deepEqual(plan.removeFiles, []);
    assert.deepEqual(
      plan.place.map((p) => p.path),
      ['etc', 'etc/os-release'],
    );
  });

  it('skips a file whose owner has the higher replaces_priority', () => {
    const a = installedWith('a', ['f'], { replaces: ['b'], replacesPriority: 9 });
    const b: IncomingPackage = { info: info('b', { replaces: ['a'] }), files: [file('f'), file('g')] };
    const plan = planInstall({ installed: [a], incoming: [b], remove: [] });
    assert.deepEqual(plan.skipped, [{ path: 'f', package: 'b', owner: 'a' }]);
    assert.deepEqual(
      plan.place.map((p) => p.path),
      ['g'],
    );
  });

  it('refuses a conflict unless forced, and then changes the owner', () => {
    const a = installedWith('a', ['f']);
    const b: IncomingPackage = { info: info('b'), files: [file('f')] };
    const err = assertCodeSync(
      () => planInstall({ installed: [a], incoming: [b], remove: [] }),
      'INSTALL_FILE_CONFLICT',
    );
    assert.match(err.message, /b: trying to overwrite f owned by a\./);
    const plan = planInstall({ installed: [a], incoming: [b], remove: [], forceOverwrite: true });
    assert.deepEqual(plan.overwritten, [{ path: 'f', package: 'b', owner: 'a' }]);
    assert.equal(plan.installed.find((p) => p.info.name === 'a')?.dirs[0]?.files.length, 0);
  });

  it('frees files of removed packages and removes what no one owns any more', () => {
    const a = installedWith('a', ['usr/', 'usr/share/', 'usr/share/a/', 'usr/share/a/x', 'usr/share/s']);
    const b: IncomingPackage = {
      info: info('b'),
      files: [file('usr/', 'dir'), file('usr/share/', 'dir'), file('usr/share/s')],
    };
    const plan = planInstall({ installed: [a], incoming: [b], remove: ['a'] });
    assert.deepEqual(
      plan.installed.map((p) => p.info.name),
      ['b'],
    );
    assert.deepEqual(plan.removeFiles, ['usr/share/a/x']);
    assert.deepEqual(plan.removeDirs, ['usr/share/a']);
  });

  it('does not touch its inputs', () => {
    const a = installedWith('a', ['f']);
    const snapshot = JSON.stringify(a);
    planInstall({
      installed: [a],
      incoming: [{ info: info('b', { replaces: ['a'] }), files: [file('f')] }],
      remove: [],
    });
    assert.equal(JSON.stringify(a), snapshot);
  });

  it('refuses device nodes unless allowed', () => {
    const dev: IncomingPackage = { info: info('d'), files: [file('dev/x', 'chardev')] };
    assertCodeSync(() => planInstall({ installed: [], incoming: [dev], remove: [] }), 'INSTALL_DEVICE_REFUSED');
    assert.equal(planInstall({ installed: [], incoming: [dev], remove: [], allowDevices: true }).place.length, 1);
  });

  it('hashes xattrs as apk does (sorted, length-prefixed)', () => {
    assert.equal(xattrHash({}), '');
    const h = xattrHash({ 'user.b': Buffer.from('2'), 'user.a': Buffer.from('1') });
    assert.equal(h, xattrHash({ 'user.a': Buffer.from('1'), 'user.b': Buffer.from('2') }));
    assert.match(h, /^Q1[A-Za-z0-9+/]{27}=$/);
  });
});

describe('safe paths', () => {
  it('normalizes entry names and refuses .. and absolute ones', () => {
    assert.equal(normalizeEntryPath('./usr/bin/'), 'usr/bin');
    assert.equal(normalizeEntryPath('./'), '');
    assertCodeSync(() => normalizeEntryPath('usr/../../x'), 'INSTALL_UNSAFE_PATH');
    assertCodeSync(() => normalizeEntryPath('/etc/passwd'), 'INSTALL_UNSAFE_PATH');
  });

  it('follows relative symlinks inside the root and refuses ones that leave it', () => {
    const fs: Record<string, PathKind> = {
      lib: { kind: 'symlink', target: 'usr/lib' },
      usr: { kind: 'dir' },
      'usr/lib': { kind: 'dir' },
      'usr/lib/apk': { kind: 'dir' },
      abs: { kind: 'symlink', target: '/etc' },
      up: { kind: 'symlink', target: '../..' },
      loop: { kind: 'symlink', target: 'loop' },
      file: { kind: 'other' },
    };
    const lookup = (p: string): PathKind => fs[p] ?? { kind: 'missing' };
    assert.equal(resolveInRoot('lib/apk/db', lookup, true), 'usr/lib/apk/db');
    assert.equal(resolveInRoot('lib', lookup, false), 'lib');
    assertCodeSync(() => resolveInRoot('abs/x', lookup, false), 'INSTALL_SYMLINK_ESCAPE');
    assertCodeSync(() => resolveInRoot('up/x', lookup, false), 'INSTALL_SYMLINK_ESCAPE');
    assertCodeSync(() => resolveInRoot('loop/x', lookup, false), 'INSTALL_SYMLINK_ESCAPE');
    assertCodeSync(() => resolveInRoot('file/x', lookup, false), 'INSTALL_UNSAFE_PATH');
  });
});

describe('xattrs', () => {
  it('records the xattr hash and marks the package f:x, since lupine cannot set xattrs', () => {
    const f: PackageEntry = { ...file('usr/bin/ping'), xattrs: { 'security.capability': Buffer.from([1, 0, 0, 2]) } };
    const plan = planInstall({ installed: [], incoming: [{ info: info('ping'), files: [f] }], remove: [] });
    const rec = plan.installed[0];
    assert.equal(rec?.flags, 'x');
    assert.equal(rec?.dirs[0]?.files[0]?.xattrHash, xattrHash(f.xattrs));
    const applied = planInstall({
      installed: [],
      incoming: [{ info: info('ping'), files: [f] }],
      remove: [],
      xattrsApplied: true,
    });
    assert.equal(applied.installed[0]?.flags, '');
  });
});
