import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixedClock } from '../../../src/core/index.js';
import { installPackages, type LockedPackage } from '../../../src/install/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { type CraftEntry, hugeHeader, lockedFrom } from './craft.js';
import { hashTree, tempRoot } from './fixtures.js';

const good = (name: string, entries: CraftEntry[] = []) =>
  lockedFrom({
    name,
    version: '1.0-r0',
    entries: [{ name: `usr/share/${name}/`, type: 'dir' }, ...entries],
  });

describe('refusing bad packages leaves the root unchanged', () => {
  const root = tempRoot('refuse');
  const outside = tempRoot('outside');
  let base: LockedPackage[];
  before(async () => {
    base = [
      good('base', [
        { name: 'usr/', type: 'dir' },
        { name: 'usr/share/', type: 'dir' },
        { name: 'usr/share/base/file', type: 'file', data: Buffer.from('base\n') },
      ]),
    ];
    await installPackages(root, base, { world: ['base'], clock: fixedClock(0) });
    mkdirSync(join(root, 'var'));
    symlinkSync(outside, join(root, 'var/abs'));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  const cases: [string, string, LockedPackage][] = [
    [
      'path traversal (..)',
      'INSTALL_UNSAFE_PATH',
      good('trav', [{ name: 'usr/../../evil', type: 'file', data: Buffer.from('x') }]),
    ],
    [
      'absolute name',
      'INSTALL_UNSAFE_PATH',
      good('abs', [{ name: '/etc/evil', type: 'file', data: Buffer.from('x') }]),
    ],
    [
      'absolute symlink, then a file written through it',
      'INSTALL_SYMLINK_ESCAPE',
      good('through', [
        { name: 'usr/share/through/out', type: 'symlink', linkname: outside },
        { name: 'usr/share/through/out/evil', type: 'file', data: Buffer.from('x') },
      ]),
    ],
    [
      'relative symlink above the root, then a file through it',
      'INSTALL_SYMLINK_ESCAPE',
      good('up', [
        { name: 'usr/share/up/up', type: 'symlink', linkname: '../../../..' },
        { name: 'usr/share/up/up/evil', type: 'file', data: Buffer.from('x') },
      ]),
    ],
    [
      "a file through the root's own absolute symlink",
      'INSTALL_SYMLINK_ESCAPE',
      good('rootlink', [{ name: 'var/abs/evil', type: 'file', data: Buffer.from('x') }]),
    ],
    [
      "a symlink into lupine's staging directory, then a file through it",
      'INSTALL_UNSAFE_PATH',
      good('staging', [
        { name: 'usr/share/staging/txn', type: 'symlink', linkname: '../../../.lupine-txn' },
        { name: 'usr/share/staging/txn/journal.json', type: 'file', data: Buffer.from('{}') },
      ]),
    ],
    [
      'a wrong file checksum',
      'APK_BAD_FILE_CHECKSUM',
      good('badsum', [{ name: 'usr/share/badsum/f', type: 'file', data: Buffer.from('x'), sha1: '0'.repeat(40) }]),
    ],
    [
      'a truncated gzip data member',
      'APK_BAD_DATAHASH',
      lockedFrom({
        name: 'trunc',
        version: '1',
        entries: [{ name: 'usr/share/trunc/f', type: 'file', data: Buffer.alloc(50000, 7) }],
        truncateDataTo: 60,
      }),
    ],
    [
      'a huge declared size',
      'LIMIT_EXCEEDED',
      lockedFrom({ name: 'huge', version: '1', entries: [], rawData: hugeHeader('usr/huge', 0o77777777777) }),
    ],
    [
      'a device node',
      'INSTALL_DEVICE_REFUSED',
      good('dev', [{ name: 'usr/share/dev/sda', type: 'blockdev', devmajor: 8, devminor: 0 }]),
    ],
    [
      "another package's file without replaces",
      'INSTALL_FILE_CONFLICT',
      good('conflict', [{ name: 'usr/share/base/file', type: 'file', data: Buffer.from('mine\n') }]),
    ],
    [
      'an identity that does not match the index',
      'APK_BAD_IDENTITY',
      { ...good('ident'), identity: 'Q1AAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
    ],
  ];

  for (const [what, code, pkg] of cases) {
    it(`${what}: ${code}`, async () => {
      const before = hashTree(root);
      await assertCode(() => installPackages(root, [...base, pkg], { world: ['base', pkg.name] }), code);
      assert.equal(hashTree(root), before, 'the root changed');
      assert.equal(existsSync(join(outside, 'evil')), false, 'something was written outside the root');
    });
  }

  it('still installs a good package afterwards', async () => {
    const r = await installPackages(root, [...base, good('fine')], { world: ['base', 'fine'] });
    assert.deepEqual(r.installed, ['fine']);
  });
});

describe('conflicts with the root itself are refused before anything changes', () => {
  const root = tempRoot('in-the-way');
  after(() => rmSync(root, { recursive: true, force: true }));

  it('a symlink where the root has a non-empty directory: INSTALL_FILE_CONFLICT, root unchanged', async () => {
    mkdirSync(join(root, 'lib/keep'), { recursive: true });
    const before = hashTree(root);
    const pkg = lockedFrom({
      name: 'merged',
      version: '1',
      entries: [{ name: 'lib', type: 'symlink', linkname: 'usr/lib' }],
    });
    await assertCode(() => installPackages(root, [pkg], { world: ['merged'] }), 'INSTALL_FILE_CONFLICT');
    assert.equal(hashTree(root), before);
  });

  it('the same name twice in the locked set: USAGE', async () => {
    const pkg = lockedFrom({ name: 'twice', version: '1', entries: [] });
    await assertCode(() => installPackages(root, [pkg, pkg]), 'USAGE');
  });

  it('a target on another file system (a mount inside the root): IO_ERROR before anything changes', async (t) => {
    mkdirSync(join(root, 'mnt'));
    if (spawnSync('mount', ['-t', 'tmpfs', 'lupine-test', join(root, 'mnt')]).status !== 0) {
      t.skip('cannot mount a tmpfs here');
      return;
    }
    try {
      const before = hashTree(root);
      const pkg = lockedFrom({
        name: 'across',
        version: '1',
        entries: [{ name: 'mnt/x', type: 'file', data: Buffer.from('x') }],
      });
      await assertCode(() => installPackages(root, [pkg], { world: ['across'] }), 'IO_ERROR');
      assert.equal(hashTree(root), before);
    } finally {
      spawnSync('umount', [join(root, 'mnt')]);
    }
  });
});

describe('a directory where the root has a file', () => {
  const root = tempRoot('file-in-way');
  after(() => rmSync(root, { recursive: true, force: true }));

  it('is refused when no leaving package owns the file, allowed when the file goes away with its package', async () => {
    writeFileSync(join(root, 'opt'), 'a user file\n');
    const before = hashTree(root);
    const dirPkg = lockedFrom({ name: 'd', version: '1', entries: [{ name: 'opt/', type: 'dir' }] });
    await assertCode(() => installPackages(root, [dirPkg], { world: ['d'] }), 'INSTALL_FILE_CONFLICT');
    assert.equal(hashTree(root), before);
    rmSync(join(root, 'opt'));
    const filePkg = lockedFrom({
      name: 'f',
      version: '1',
      entries: [{ name: 'opt', type: 'file', data: Buffer.from('x') }],
    });
    await installPackages(root, [filePkg], { world: ['f'] });
    // f is replaced by d in one change: f's file gives way to d's directory.
    const r = await installPackages(root, [dirPkg], { world: ['d'] });
    assert.deepEqual([r.installed, r.removed], [['d'], ['f']]);
    assert.equal(statSync(join(root, 'opt')).isDirectory(), true);
  });
});
