import assert from 'node:assert/strict';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { emptyPackageInfo } from '../../../src/apk/index.js';
import type { PackageContents, PackageEntry } from '../../../src/install/index.js';
import {
  assembleGuest,
  cacheEntryName,
  ExpandedPackageCache,
  type PackageKey,
  planGuest,
} from '../../../src/sandbox/index.js';
import { assertCode, assertCodeSync } from '../../helpers/assert-code.js';

/** Puts a package whose tree is `files` (path → content; a trailing '/' is a dir, '->' a symlink). */
async function put(cache: ExpandedPackageCache, name: string, files: Record<string, string>): Promise<PackageKey> {
  const key = { name, version: '1-r0', identity: `id-${name}-${JSON.stringify(files)}` };
  await cache.put(key, async (tree) => {
    for (const [path, content] of Object.entries(files)) {
      const abs = join(tree, path);
      if (path.endsWith('/')) mkdirSync(abs, { recursive: true });
      else {
        mkdirSync(join(abs, '..'), { recursive: true });
        if (content.startsWith('->')) {
          symlinkSync(content.slice(2), abs);
        } else writeFileSync(abs, content, { mode: 0o755 });
      }
    }
  });
  return key;
}

function file(path: string, type: PackageEntry['type'], extra: Partial<PackageEntry> = {}): PackageEntry {
  return {
    path,
    type,
    mode: type === 'dir' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    mtime: 1_600_000_000,
    size: 0,
    linkTarget: '',
    devmajor: 0,
    devminor: 0,
    xattrs: {},
    sha1: '',
    ...extra,
  };
}

function contents(name: string, files: PackageEntry[], data: Record<number, string> = {}): PackageContents {
  return {
    info: emptyPackageInfo(name, '2.0-r1'),
    identity: `Q1${Buffer.from(name).toString('base64')}`,
    scripts: [],
    files,
    content: (i) => Buffer.from(data[i] ?? ''),
  };
}

describe('ExpandedPackageCache and assembleGuest', () => {
  let dir: string;
  let cache: ExpandedPackageCache;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lupine-assemble-'));
    cache = new ExpandedPackageCache(join(dir, 'cache'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('ten packages: files hardlinked from the cache, dirs merged, symlinks kept', async () => {
    const keys: PackageKey[] = [];
    for (let i = 0; i < 10; i++) {
      keys.push(
        await put(cache, `pkg${i}`, { [`usr/share/pkg${i}/data`]: `data ${i}\n`, [`usr/bin/tool${i}`]: '#!x' }),
      );
    }
    keys.push(await put(cache, 'links', { 'usr/bin/alias': '->tool0' }));
    const target = join(dir, 'guest10');
    const g = await assembleGuest({ cache, packages: keys, target });
    assert.equal(g.method, 'hardlink');
    assert.equal(g.files, 20);
    assert.equal(g.symlinks, 1);
    assert.equal(readFileSync(join(target, 'usr/share/pkg7/data'), 'utf8'), 'data 7\n');
    const hit = await cache.lookup(keys[7] as PackageKey);
    const cached = statSync(join(hit?.tree ?? '', 'usr/share/pkg7/data'));
    const placed = statSync(join(target, 'usr/share/pkg7/data'));
    assert.equal(placed.ino, cached.ino, 'the same inode: a hardlink');
    assert.equal(placed.mode & 0o777, 0o755);
    assert.equal(readlinkSync(join(target, 'usr/bin/alias')), 'tool0');
  });

  test('copy mode gives separate inodes with the same bytes and modes', async () => {
    const key = await put(cache, 'copyme', { 'etc/conf': 'x=1\n' });
    const target = join(dir, 'guest-copy');
    const g = await assembleGuest({ cache, packages: [key], target, method: 'copy' });
    assert.equal(g.method, 'copy');
    const hit = await cache.lookup(key);
    assert.notEqual(statSync(join(target, 'etc/conf')).ino, statSync(join(hit?.tree ?? '', 'etc/conf')).ino);
    assert.equal(readFileSync(join(target, 'etc/conf'), 'utf8'), 'x=1\n');
  });

  test('extra files replace cached ones without touching the cache', async () => {
    const key = await put(cache, 'base', { 'etc/passwd': 'root:x:0:0::/root:/bin/sh\n' });
    const target = join(dir, 'guest-extra');
    await assembleGuest({
      cache,
      packages: [key],
      target,
      files: [{ path: 'etc/passwd', data: 'build:x:1000:1000::/home/build:/bin/sh\n' }],
    });
    assert.equal(readFileSync(join(target, 'etc/passwd'), 'utf8'), 'build:x:1000:1000::/home/build:/bin/sh\n');
    const hit = await cache.lookup(key);
    assert.equal(readFileSync(join(hit?.tree ?? '', 'etc/passwd'), 'utf8'), 'root:x:0:0::/root:/bin/sh\n');
  });

  test('a symlinked directory is followed inside the guest; later packages win', async () => {
    const merged = await put(cache, 'usrmerge', { 'usr/bin/': '', bin: '->usr/bin' });
    const old = await put(cache, 'oldstyle', { 'bin/ls': 'old ls' });
    const newer = await put(cache, 'newer', { 'usr/bin/ls': 'new ls' });
    const target = join(dir, 'guest-merge');
    const g = await assembleGuest({ cache, packages: [merged, old, newer], target });
    assert.ok(lstatSync(join(target, 'bin')).isSymbolicLink());
    assert.equal(readFileSync(join(target, 'usr/bin/ls'), 'utf8'), 'new ls');
    assert.deepEqual(g.replaced, [{ path: 'usr/bin/ls', from: 'oldstyle-1-r0', by: 'newer-1-r0' }]);
  });

  test('refuses escapes, conflicts, missing packages and a non-empty target', async () => {
    const evil = await put(cache, 'evil', { escape: '->/etc' });
    const rider = await put(cache, 'rider', { 'escape/passwd': 'pwned' });
    await assertCode(
      () => assembleGuest({ cache, packages: [evil, rider], target: join(dir, 'g-evil') }),
      'INSTALL_SYMLINK_ESCAPE',
    );
    const asDir = await put(cache, 'asdir', { 'opt/thing/': '' });
    const asFile = await put(cache, 'asfile', { 'opt/thing': 'file' });
    const err = await assertCode(
      () => assembleGuest({ cache, packages: [asFile, asDir], target: join(dir, 'g-conflict') }),
      'SANDBOX_GUEST_CONFLICT',
    );
    assert.match(err.message, /asdir-1-r0/);
    const missing = { name: 'ghost', version: '1-r0', identity: 'nope' };
    const miss = await assertCode(
      () => assembleGuest({ cache, packages: [asDir, missing], target: join(dir, 'g-miss') }),
      'SANDBOX_CACHE_MISS',
    );
    assert.match(miss.message, /ghost-1-r0/);
    const full = join(dir, 'g-full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), '');
    await assertCode(() => assembleGuest({ cache, packages: [asDir], target: full }), 'SANDBOX_BAD_GUEST');
  });

  test('cache keys: readable, identity-bound, and path-safe', async () => {
    const name = cacheEntryName({ name: 'busybox', version: '1.36.1-r2', identity: 'Q1abc=' });
    assert.match(name, /^busybox-1\.36\.1-r2@[0-9a-f]{20}$/);
    assert.notEqual(name, cacheEntryName({ name: 'busybox', version: '1.36.1-r2', identity: 'Q1abd=' }));
    assertCodeSync(() => cacheEntryName({ name: '../x', version: '1', identity: 'i' }), 'USAGE');
    assertCodeSync(() => cacheEntryName({ name: 'x', version: '1', identity: '' }), 'USAGE');
    const key = { name: 'twice', version: '1-r0', identity: 'same' };
    let fills = 0;
    const fill = async (tree: string) => {
      fills++;
      writeFileSync(join(tree, 'f'), 'x');
    };
    const [a, b] = await Promise.all([cache.put(key, fill), cache.put(key, fill)]);
    assert.equal(a.tree, b.tree);
    await cache.put(key, fill);
    assert.ok(fills <= 2, 'a warm key is not filled again');
    assert.deepEqual(a.entries, [{ type: 'file', path: 'f', mode: statSync(join(a.tree, 'f')).mode & 0o7777 }]);
  });

  test('putContents expands a verified package: dirs, files, symlinks, hardlinks; devices skipped', async () => {
    const pkg = contents(
      'expandme',
      [
        file('usr/', 'dir'),
        file('usr/bin/', 'dir'),
        file('usr/bin/tool', 'file', { mode: 0o4755, size: 4 }),
        file('usr/bin/tool2', 'hardlink', { linkTarget: 'usr/bin/tool' }),
        file('usr/bin/t', 'symlink', { linkTarget: 'tool' }),
        file('dev/null', 'chardev', { devmajor: 1, devminor: 3 }),
        file('etc/', 'dir', { mode: 0o555 }),
        file('etc/motd', 'file', { size: 3 }),
      ],
      { 2: 'tool', 7: 'hi\n' },
    );
    const hit = await cache.putContents(pkg);
    assert.deepEqual(
      hit.entries.map((e) => `${e.type} ${e.path}`),
      [
        'dir etc',
        'file etc/motd',
        'dir usr',
        'dir usr/bin',
        'symlink usr/bin/t',
        'file usr/bin/tool',
        'file usr/bin/tool2',
      ],
    );
    const tool = statSync(join(hit.tree, 'usr/bin/tool'));
    assert.equal(tool.mode & 0o7777, 0o4755);
    assert.equal(tool.mtimeMs, 1_600_000_000_000);
    assert.equal(statSync(join(hit.tree, 'usr/bin/tool2')).ino, tool.ino);
    assert.equal(statSync(join(hit.tree, 'etc')).mode & 0o7777, 0o555);
    assert.equal(readFileSync(join(hit.tree, 'etc/motd'), 'utf8'), 'hi\n');
    const target = join(dir, 'guest-expanded');
    await assembleGuest({ cache, packages: [hit.key], target });
    assert.equal(statSync(join(target, 'etc')).mode & 0o7777, 0o555, 'directory modes set last');
    assert.equal(readFileSync(join(target, 'usr/bin/t'), 'utf8'), 'tool');
  });

  test('putContents refuses a package writing through its own absolute symlink', async () => {
    const hostile = contents(
      'hostile',
      [file('lib', 'symlink', { linkTarget: '/etc' }), file('lib/evil.conf', 'file', { size: 1 })],
      { 1: 'x' },
    );
    await assertCode(() => cache.putContents(hostile), 'INSTALL_SYMLINK_ESCAPE');
    assert.equal(await cache.lookup({ name: 'hostile', version: '2.0-r1', identity: hostile.identity }), undefined);
  });

  test('planGuest is pure: parents added, sorted parents-first', () => {
    const plan = planGuest([
      {
        key: { name: 'p', version: '1', identity: 'i' },
        tree: '/cache/p',
        entries: [
          { type: 'file', path: 'a/b/c', mode: 0o644 },
          { type: 'symlink', path: 'a-link', target: 'a' },
        ],
      },
    ]);
    assert.deepEqual(plan.dirs, [
      { path: 'a', mode: 0o755 },
      { path: 'a/b', mode: 0o755 },
    ]);
    assert.deepEqual(plan.files, [{ path: 'a/b/c', source: '/cache/p/a/b/c' }]);
  });
});
