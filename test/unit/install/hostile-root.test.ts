/**
 * Issue 11, findings 1, 5 and 12: a root (or a package) that tries to turn the installer's own
 * bookkeeping against the host. Each case hashes a sentinel tree outside the root before and after.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeHeader } from '../../../src/archive/index.js';
import { fixedClock, LupineError } from '../../../src/core/index.js';
import { installPackages, type LockedPackage, TXN_DIR } from '../../../src/install/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { type CraftEntry, lockedFrom } from './craft.js';
import { hashTree, tempRoot } from './fixtures.js';

const pkg = (name: string, entries: CraftEntry[] = [], scripts?: Record<string, string>) =>
  lockedFrom({
    name,
    version: '1.0-r0',
    entries: [{ name: `usr/share/${name}/`, type: 'dir' }, ...entries],
    ...(scripts ? { scripts } : {}),
  });

/** A sentinel tree outside the root: a directory, a file and a nested file. */
function sentinel(): string {
  const dir = tempRoot('sentinel');
  mkdirSync(join(dir, 'victim/sub'), { recursive: true });
  writeFileSync(join(dir, 'victim/sub/keep'), 'keep me\n');
  writeFileSync(join(dir, 'x'), 'host file\n');
  return dir;
}

describe('finding 1: a planted install journal cannot reach the host', () => {
  const root = tempRoot('planted');
  const outside = sentinel();
  const base = [pkg('base')];
  before(async () => {
    await installPackages(root, base, { world: ['base'], clock: fixedClock(0) });
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  const up = () => relative(join(root, TXN_DIR), outside);
  const plant = (doc: unknown) => {
    mkdirSync(join(root, TXN_DIR, 'b'), { recursive: true });
    writeFileSync(join(root, TXN_DIR, 'journal.json'), JSON.stringify(doc));
  };
  const cases: [string, () => unknown][] = [
    [
      'a version-2 journal with ../ paths (mkdir and rename)',
      () => ({
        version: 2,
        ops: [
          { op: 'mkdir', path: `${relative(root, outside)}/victim`, uid: 0, gid: 0, mode: 0o755 },
          { op: 'rename', from: `${up()}/x`, to: 'stolen' },
        ],
      }),
    ],
    [
      'a current-looking journal with a forged seal',
      () => ({
        version: 3,
        txn: 'f'.repeat(32),
        root,
        ops: [{ op: 'rename', from: `${up()}/x`, to: 'stolen' }],
        seal: '0'.repeat(64),
      }),
    ],
    ['a journal that is not JSON', () => '{"version": 3, "ops": ['],
  ];
  for (const [what, doc] of cases) {
    it(`${what}: INSTALL_JOURNAL_FOREIGN, the host and the journal are left alone`, async () => {
      const d = doc();
      if (typeof d === 'string') {
        mkdirSync(join(root, TXN_DIR), { recursive: true });
        writeFileSync(join(root, TXN_DIR, 'journal.json'), d);
      } else plant(d);
      const journal = readFileSync(join(root, TXN_DIR, 'journal.json'));
      const hostBefore = hashTree(outside);
      const rootBefore = hashTree(root);
      await assertCode(
        () => installPackages(root, [...base, pkg('more')], { world: ['base', 'more'] }),
        'INSTALL_JOURNAL_FOREIGN',
      );
      assert.equal(hashTree(outside), hostBefore, 'the sentinel tree outside the root changed');
      assert.equal(hashTree(root), rootBefore, 'the root changed');
      assert.deepEqual(readFileSync(join(root, TXN_DIR, 'journal.json')), journal, 'the journal was not left');
      assert.equal(existsSync(join(root, 'stolen')), false);
      rmSync(join(root, TXN_DIR), { recursive: true, force: true });
    });
  }

  it('a staging directory that is a symlink out of the root is refused, the host untouched', async () => {
    const { symlinkSync } = await import('node:fs');
    writeFileSync(join(outside, 'done'), '');
    symlinkSync(outside, join(root, TXN_DIR));
    const hostBefore = hashTree(outside);
    await assertCode(
      () => installPackages(root, [...base, pkg('more')], { world: ['base', 'more'] }),
      'INSTALL_JOURNAL_FOREIGN',
    );
    assert.equal(hashTree(outside), hostBefore, 'the sentinel tree outside the root changed');
    rmSync(join(root, TXN_DIR));
    rmSync(join(outside, 'done'));
  });

  it('a genuine journal copied with its root to another place is refused there (bound to the root)', async () => {
    const copy = tempRoot('planted-copy');
    await assertCode(
      () =>
        installPackages(root, [...base, pkg('copied')], {
          world: ['base', 'copied'],
          pause: (point) => {
            if (point !== 'mid-commit') return;
            cpSync(root, copy, { recursive: true, verbatimSymlinks: true });
            throw new LupineError('USAGE', 'stop here');
          },
        }),
      'USAGE',
    );
    assert.equal(existsSync(join(copy, TXN_DIR, 'journal.json')), true, 'the copy holds the journal');
    const before = hashTree(copy);
    await assertCode(() => installPackages(copy, base, { world: ['base'] }), 'INSTALL_JOURNAL_FOREIGN');
    assert.equal(hashTree(copy), before, 'the copied root changed');
    assert.equal(existsSync(join(root, TXN_DIR)), false, 'the original rolled back at once');
    rmSync(copy, { recursive: true, force: true });
  });

  // Brief s4/A item 8: the previous release wrote `{version: 2, ops}` (no seal, no binding). Such a
  // journal, left by an interrupted transaction, confined and written by us (our file, 0600), is still
  // recovered; a version-2 journal reaching outside the root stays refused (the case above).
  it('a version-2 journal of an interrupted transaction, confined and ours, is rolled back as before', async () => {
    const { chmodSync } = await import('node:fs');
    const copy = tempRoot('v2-journal');
    await assertCode(
      () =>
        installPackages(root, [...base, pkg('legacy')], {
          world: ['base', 'legacy'],
          pause: (point) => {
            if (point !== 'mid-commit') return;
            cpSync(root, copy, { recursive: true, verbatimSymlinks: true });
            throw new LupineError('USAGE', 'stop here');
          },
        }),
      'USAGE',
    );
    const journal = join(copy, TXN_DIR, 'journal.json');
    const v3 = JSON.parse(readFileSync(journal, 'utf8')) as { ops: unknown[] };
    writeFileSync(journal, JSON.stringify({ version: 2, ops: v3.ops }));
    chmodSync(journal, 0o600);
    assert.equal(existsSync(join(copy, 'usr/share/legacy')), true, 'the copy was taken mid-commit');
    const r = await installPackages(copy, base, { world: ['base'] });
    assert.equal(r.recovered, 'rolled-back');
    assert.equal(existsSync(join(copy, 'usr/share/legacy')), false, 'the interrupted step was undone');
    assert.equal(existsSync(join(copy, TXN_DIR)), false);
    rmSync(copy, { recursive: true, force: true });
  });

  it('after the operator removes the planted journal, installing works again', async () => {
    const r = await installPackages(root, [...base, pkg('more')], { world: ['base', 'more'] });
    assert.deepEqual(r.installed, ['more']);
  });
});

/** A package holding the host's /bin/sh and the libraries it needs: enough to run scripts. */
function hostShell(): LockedPackage {
  const entries: CraftEntry[] = [];
  const add = (at: string, from: string) =>
    entries.push({ name: at, type: 'file', mode: 0o755, data: readFileSync(realpathSync(from)) });
  add('bin/sh', '/bin/sh');
  add('lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libc.so.6');
  add('lib64/ld-linux-x86-64.so.2', '/lib64/ld-linux-x86-64.so.2');
  return lockedFrom({ name: 'hostsh', version: '1-r0', entries });
}

describe('finding 5: database files are never written through a package symlink', {
  skip: !existsSync('/lib64/ld-linux-x86-64.so.2') && 'needs the host shell to run a failing script',
}, () => {
  const root = tempRoot('dblink');
  const outside = sentinel();
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('installed.new -> outside plus a failing post-install: the host is unchanged, the db is a file', async () => {
    const hostBefore = hashTree(outside);
    const evil = pkg(
      'evil',
      [
        { name: 'lib/', type: 'dir' },
        { name: 'lib/apk/', type: 'dir' },
        { name: 'lib/apk/db/', type: 'dir' },
        { name: 'lib/apk/db/installed.new', type: 'symlink', linkname: join(outside, 'x') },
        { name: 'lib/apk/db/scripts.tar.new', type: 'symlink', linkname: join(outside, 'x') },
        { name: 'lib/apk/db/installed.tmp', type: 'symlink', linkname: join(outside, 'x') },
      ],
      { 'post-install': '#!/bin/sh\nexit 3\n' },
    );
    const r = await installPackages(root, [hostShell(), evil], { world: ['evil'], runScripts: true });
    assert.deepEqual(
      r.scripts.map((s) => [s.package, s.exitCode]),
      [['evil-1.0-r0', 3]],
    );
    assert.equal(hashTree(outside), hostBefore, 'the sentinel tree outside the root changed');
    assert.equal(readFileSync(join(outside, 'x'), 'utf8'), 'host file\n');
    const db = join(root, 'lib/apk/db/installed');
    assert.equal(lstatSync(db).isFile(), true);
    assert.match(readFileSync(db, 'utf8'), /^f:s$/m, 'the failed script is recorded');
  });

  it("the scripts' directory shipped as a link out of the root: refused, the host unchanged", async () => {
    const hostBefore = hashTree(outside);
    const sly = pkg(
      'sly',
      [
        { name: 'var/', type: 'dir' },
        { name: 'var/cache/', type: 'dir' },
        { name: 'var/cache/misc', type: 'symlink', linkname: outside },
      ],
      { 'post-install': '#!/bin/sh\nexit 0\n' },
    );
    await assertCode(
      () => installPackages(root, [hostShell(), sly], { world: ['sly'], runScripts: true }),
      'INSTALL_SYMLINK_ESCAPE',
    );
    assert.equal(hashTree(outside), hostBefore, 'the sentinel tree outside the root changed');
  });
});

describe('finding 12: a symlink with an empty target', () => {
  const root = tempRoot('emptylink');
  after(() => rmSync(root, { recursive: true, force: true }));

  it('is refused with a package error (APK_MALFORMED), the root unchanged', async () => {
    await installPackages(root, [pkg('base')], { world: ['base'] });
    const before = hashTree(root);
    // No well-behaved writer makes one: the header is written by hand after the entries.
    const bad = lockedFrom({
      name: 'hollow',
      version: '1.0-r0',
      entries: [{ name: 'usr/share/hollow/', type: 'dir' }],
      rawData: encodeHeader(
        {
          name: 'usr/share/hollow/link',
          mode: 0o777,
          uid: 0,
          gid: 0,
          size: 0,
          mtime: 0,
          typeflag: '2',
          linkname: '',
          uname: '',
          gname: '',
          devmajor: 0,
          devminor: 0,
          prefix: '',
        },
        'ustar',
      ),
    });
    const err = await assertCode(
      () => installPackages(root, [pkg('base'), bad], { world: ['base', 'hollow'] }),
      'APK_MALFORMED',
    );
    assert.match(err.message, /hollow-1\.0-r0: .*usr\/share\/hollow\/link.*empty target/);
    assert.equal(hashTree(root), before);
  });
});
