/**
 * The pure and small I/O pieces of image assembly: accounts merging, apko's installed-db format,
 * origin layering, and the layer tar (WalkDir order, ownership, mtimes, hardlinks, long names, xattrs).
 */
import assert from 'node:assert/strict';
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readTar } from '../../../src/archive/index.js';
import { parseInstalledDb } from '../../../src/install/index.js';
import {
  DEFAULT_BUSYBOX_LINKS,
  formatApkoInstalledDb,
  type ImagePackage,
  installBusyboxLinks,
  mergeAccounts,
  planLayers,
  type RootEntry,
  scanRoot,
  writeLayerTar,
} from '../../../src/image/index.js';

describe('accounts', () => {
  const svc = { username: 'svc', uid: 1000, gid: 1000, shell: '/bin/sh', homedir: '/home/svc' };
  test('appends new users and groups after what the baselayout ships, with locked shadow entries', () => {
    const out = mergeAccounts(
      { passwd: 'root:x:0:0:root:/root:/bin/sh', group: 'root:x:0:\n', shadow: undefined },
      { users: [svc], groups: [{ groupname: 'svc', gid: 1000, members: ['a', 'b'] }] },
    );
    assert.equal(
      out.passwd,
      'root:x:0:0:root:/root:/bin/sh\nsvc:x:1000:1000:Account created by apko:/home/svc:/bin/sh\n',
    );
    assert.equal(out.group, 'root:x:0:\nsvc:x:1000:a,b\n');
    assert.equal(out.shadow, 'svc:!:::::::\n');
  });
  test('an id or name already present is left alone; nothing configured creates only an empty passwd', () => {
    const out = mergeAccounts(
      { passwd: 'other:x:1000:1000::/:/bin/false\n', group: undefined, shadow: 'svc:*:::::::\n' },
      { users: [svc], groups: [] },
    );
    assert.equal(out.passwd, 'other:x:1000:1000::/:/bin/false\n');
    assert.equal(out.shadow, 'svc:*:::::::\n');
    assert.deepEqual(
      mergeAccounts({ passwd: undefined, group: undefined, shadow: undefined }, { users: [], groups: [] }),
      {
        passwd: '',
        group: undefined,
        shadow: undefined,
      },
    );
  });
});

describe("apko's installed database", () => {
  test('fixed field order, empty lines kept, i: as a Go slice, file ACLs with 4 octal digits', () => {
    const db = parseInstalledDb(
      'C:Q1abc=\nP:foo\nV:1-r0\nA:x86_64\nS:10\nI:20\nT:desc\nU:\nL:MIT\no:foo\nm:me\nt:5\nc:abc\nD:bar\nr:old\ni:baz\nF:etc\nR:conf\na:501:20:644\nZ:Q1zz=\nF:var\nM:0:0:1777\n\n',
    );
    assert.equal(
      formatApkoInstalledDb(db),
      'P:foo\nV:1-r0\nA:x86_64\nL:MIT\nT:desc\no:foo\nm:me\nU:\nD:bar\np:\nr:old\nc:abc\ni:[baz]\nt:5\nS:10\nI:20\nk:0\nC:Q1abc=\nF:etc\nR:conf\na:501:20:0644\nZ:Q1zz=\nF:var\nM:0:0:1777\n\n',
    );
  });
});

const entry = (path: string, type: RootEntry['type'] = 'file'): RootEntry => ({
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
  inode: '',
  virtual: false,
});

const pkg = (name: string, origin: string, installedSize: number, replaces: string[] = []): ImagePackage => ({
  name,
  version: '1-r0',
  arch: 'x86_64',
  identity: '',
  origin,
  repository: '',
  buildDate: 0,
  installedSize,
  replaces,
});

describe('origin layering', () => {
  const entries = ['usr', 'usr/a', 'usr/b', 'usr/b2', 'usr/c', 'etc', 'etc/passwd'].map((p) =>
    entry(p, p.includes('/') ? 'file' : 'dir'),
  );
  const owned = new Map([
    ['a', ['usr', 'usr/a']],
    ['b', ['usr', 'usr/b']],
    ['b-sub', ['usr', 'usr/b2']],
    ['c', ['usr', 'usr/c']],
  ]);
  const packages = [pkg('a', 'a', 10), pkg('b', 'b', 50), pkg('b-sub', 'b', 60), pkg('c', 'c', 5)];

  test('without a budget there is one layer', () => {
    assert.equal(planLayers(entries, packages, owned, undefined).layers.length, 1);
  });

  test('the largest origins get layers, the rest overflow, unowned files go on top; parents come along', () => {
    const { layers } = planLayers(entries, packages, owned, 2);
    assert.deepEqual(
      layers.map((l) => l.map((e) => e.path)),
      [
        ['usr', 'usr/b', 'usr/b2'],
        ['usr', 'usr/a', 'usr/c'],
        ['etc', 'etc/passwd'],
      ],
    );
  });

  test('replaces merges groups', () => {
    const { layers } = planLayers(
      entries,
      [pkg('a', 'a', 10, ['c']), pkg('b', 'b', 50), pkg('b-sub', 'b', 60), pkg('c', 'c', 5)],
      owned,
      3,
    );
    assert.deepEqual(
      layers.map((l) => l.map((e) => e.path)),
      [
        ['usr', 'usr/a', 'usr/c'],
        ['usr', 'usr/b', 'usr/b2'],
        ['etc', 'etc/passwd'],
      ],
    );
  });
});

describe('layer tar', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'lupine-layer-tar-'));
    mkdirSync(join(root, 'a/b'), { recursive: true });
    mkdirSync(join(root, 'a-b'));
    writeFileSync(join(root, 'a/b/file'), 'hello');
    linkSync(join(root, 'a/b/file'), join(root, 'a-b/hard'));
    symlinkSync('../a/b/file', join(root, 'a-b/sym'));
    const long = 'x'.repeat(120);
    writeFileSync(join(root, long), 'long');
    writeFileSync(join(root, 'pkgfile'), 'p');
    utimesSync(join(root, 'pkgfile'), 1234, 1234);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('fs.WalkDir order, build ownership and mtimes, hardlinks, long names, xattrs, virtual nodes', async () => {
    const entries = await scanRoot(root, {
      knownUids: new Set([0]),
      knownGids: new Set([0]),
      packagePaths: new Set(['pkgfile']),
      owners: new Map([['a/b', { uid: 7, gid: 8 }]]),
      xattrs: new Map([['a/b/file', { 'user.test': Buffer.from('v') }]]),
      virtual: [{ path: 'a/b/null', mode: 0o666, devmajor: 1, devminor: 3 }],
    });
    assert.deepEqual(
      entries.map((e) => e.path),
      ['a', 'a/b', 'a/b/file', 'a/b/null', 'a-b', 'a-b/hard', 'a-b/sym', 'pkgfile', 'x'.repeat(120)],
    );
    const { tar, diffId } = await writeLayerTar(root, entries);
    assert.match(diffId, /^sha256:[0-9a-f]{64}$/);
    assert.equal(tar.length % 512, 0);
    const items = readTar(tar).items.map((i) => i.entry);
    const by = new Map(items.map((e) => [e.name, e]));
    assert.deepEqual([by.get('a/b')?.uid, by.get('a/b')?.gid], [7, 8]);
    assert.equal(by.get('a-b/hard')?.type, 'hardlink');
    assert.equal(by.get('a-b/hard')?.linkname, 'a/b/file');
    assert.equal(by.get('a-b/sym')?.linkname, '../a/b/file');
    assert.equal(by.get('a/b/null')?.type, 'chardev');
    assert.equal(by.get('a/b/null')?.devminor, 3);
    assert.equal(by.get('a/b/file')?.xattrs['user.test']?.toString(), 'v');
    assert.equal(by.get('pkgfile')?.mtime, 1234, 'a package file keeps its mtime');
    assert.equal(by.get('a/b/file')?.mtime, 0, 'other files take 0');
    assert.ok(by.has('x'.repeat(120)), 'a long name survives (pax path)');
    assert.equal(items.length, 9, 'no root entry');
    const again = await writeLayerTar(
      root,
      await scanRoot(root, {
        knownUids: new Set([0]),
        knownGids: new Set([0]),
        packagePaths: new Set(['pkgfile']),
        owners: new Map([['a/b', { uid: 7, gid: 8 }]]),
        xattrs: new Map([['a/b/file', { 'user.test': Buffer.from('v') }]]),
        virtual: [{ path: 'a/b/null', mode: 0o666, devmajor: 1, devminor: 3 }],
      }),
    );
    assert.equal(again.diffId, diffId, 'deterministic');
  });
});

describe('busybox links', () => {
  test('without busybox-paths.d the built-in table is used; existing paths stay; no busybox, no links', () => {
    const root = mkdtempSync(join(tmpdir(), 'lupine-busybox-'));
    try {
      assert.deepEqual(installBusyboxLinks(root), []);
      mkdirSync(join(root, 'bin'));
      writeFileSync(join(root, 'bin/busybox'), '');
      writeFileSync(join(root, 'bin/ls'), 'real ls');
      const made = installBusyboxLinks(root);
      assert.ok(made.includes('bin/sh') && made.includes('usr/bin/env') && made.includes('sbin/ifconfig'));
      assert.equal(made.includes('bin/ls'), false);
      assert.equal(readlinkSync(join(root, 'usr/bin/env')), '/bin/busybox');
      assert.equal(readFileSync(join(root, 'bin/ls'), 'utf8'), 'real ls');
      assert.equal(made.length, DEFAULT_BUSYBOX_LINKS.length - 1);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
