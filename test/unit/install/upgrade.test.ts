import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixedClock } from '../../../src/core/index.js';
import { installPackages, parseInstalledDb, parseScriptsTar, parseTriggersDb } from '../../../src/install/index.js';
import { lockedFrom, packageSet } from './craft.js';
import { listTree, tempRoot } from './fixtures.js';

const opts = { clock: fixedClock(1234) };
const worldOf = (set: { name: string }[]) => set.map((p) => p.name);

describe('install, upgrade and uninstall of a 22-package root', () => {
  const root = tempRoot('upgrade');
  const fresh1 = tempRoot('fresh1');
  const fresh2 = tempRoot('fresh2');
  after(() => {
    for (const r of [root, fresh1, fresh2]) rmSync(r, { recursive: true, force: true });
  });
  const v1 = packageSet(1);
  const v2 = packageSet(2);

  it('installs generation 1', async () => {
    const r = await installPackages(root, v1, { ...opts, world: worldOf(v1) });
    assert.equal(r.installed.length, 22);
    const db = parseInstalledDb(readFileSync(join(root, 'lib/apk/db/installed'), 'utf8'));
    assert.equal(db.length, 22);
    const p03 = db.find((p) => p.info.name === 'p03');
    const dir = p03?.dirs.find((d) => d.path === 'usr/share/p03');
    assert.deepEqual([dir?.uid, dir?.gid], [501, 20]);
    assert.deepEqual(
      dir?.files.map((f) => f.name),
      ['a.txt', 'big.bin', 'link', 'hard', 'b.txt'],
    );
    assert.equal(statSync(join(root, 'usr/share/p03/a.txt')).ino, statSync(join(root, 'usr/share/p03/hard')).ino);
    assert.equal(statSync(join(root, 'usr/share/p03/a.txt')).mtimeMs, 1700000000 * 1000);
    assert.equal(statSync(join(root, 'usr/share/p03/a.txt')).uid, 501);
    assert.equal(statSync(join(root, 'usr/bin/p03')).mode & 0o7777, 0o755);
    assert.equal(readFileSync(join(root, 'usr/share/common/shared'), 'utf8'), 'shared from p00\n');
    const scripts = parseScriptsTar(readFileSync(join(root, 'lib/apk/db/scripts.tar')));
    assert.deepEqual(
      scripts.map((s) => `${s.pkgver}.${s.type}`),
      [
        'p00-1.1-r0.post-install',
        'p04-1.1-r0.post-install',
        'p05-1.1-r0.trigger',
        'p08-1.1-r0.post-install',
        'p12-1.1-r0.post-install',
        'p16-1.1-r0.post-install',
        'p20-1.1-r0.post-install',
      ],
    );
    const triggers = parseTriggersDb(readFileSync(join(root, 'lib/apk/db/triggers'), 'utf8'));
    assert.deepEqual(
      triggers.map((t) => t.globs),
      [['/usr/share/*']],
    );
  });

  it('a fresh install of generation 1 elsewhere gives the same tree', async () => {
    await installPackages(fresh1, v1, { ...opts, world: worldOf(v1) });
    assert.deepEqual(listTree(fresh1), listTree(root));
  });

  it('upgrades to generation 2: changed, removed, moved and new files', async () => {
    const r = await installPackages(root, v2, { ...opts, world: worldOf(v2) });
    assert.equal(r.upgraded.length, 20);
    assert.deepEqual(r.installed, ['p22']);
    assert.deepEqual(r.removed, ['p20']);
    assert.deepEqual(r.unchanged, ['p21']);
    assert.equal(existsSync(join(root, 'usr/share/p03/b.txt')), false);
    assert.equal(readFileSync(join(root, 'usr/share/p03/c.txt'), 'utf8'), 'p03 c generation 2\n');
    assert.equal(statSync(join(root, 'usr/share/p03/c.txt')).mode & 0o7777, 0o600);
    assert.equal(existsSync(join(root, 'usr/share/p20')), false);
    assert.equal(existsSync(join(root, 'usr/bin/p20')), false);
    assert.equal(readFileSync(join(root, 'usr/share/p21/b.txt'), 'utf8'), 'p21 b generation 1\n');
    assert.equal(readFileSync(join(root, 'usr/share/common/shared'), 'utf8'), 'shared from p01\n');
    const db = parseInstalledDb(readFileSync(join(root, 'lib/apk/db/installed'), 'utf8'));
    const owners = db.filter((p) => p.dirs.some((d) => d.path === 'usr/share/common' && d.files.length > 0));
    assert.deepEqual(
      owners.map((p) => p.info.name),
      ['p01'],
    );
  });

  it('the upgraded root is the same as a fresh install of generation 2, databases included', async () => {
    await installPackages(fresh2, v2, { ...opts, world: worldOf(v2) });
    assert.deepEqual(listTree(root), listTree(fresh2));
    for (const f of ['lib/apk/db/installed', 'lib/apk/db/triggers', 'etc/apk/world']) {
      assert.equal(readFileSync(join(root, f), 'utf8'), readFileSync(join(fresh2, f), 'utf8'), f);
    }
    // scripts.tar keeps install order: p21 stays where it was, the upgraded ones follow (apk appends).
    const names = (r: string) =>
      parseScriptsTar(readFileSync(join(r, 'lib/apk/db/scripts.tar')))
        .map((s) => s.pkgver)
        .sort();
    assert.deepEqual(names(root), names(fresh2));
  });

  it('uninstalls everything, leaving only the databases', async () => {
    const r = await installPackages(root, [], { ...opts, world: [] });
    assert.equal(r.removed.length, 22);
    assert.deepEqual(
      listTree(root).map((l) => l.split(' ').slice(0, 5).join(' ')),
      [
        'd 755 0:0 - ./etc',
        'd 755 0:0 - ./etc/apk',
        'f 644 0:0 1 ./etc/apk/world',
        'd 755 0:0 - ./lib',
        'd 755 0:0 - ./lib/apk',
        'd 755 0:0 - ./lib/apk/db',
        'f 644 0:0 0 ./lib/apk/db/installed',
        'f 600 0:0 0 ./lib/apk/db/lock',
        'f 644 0:0 1024 ./lib/apk/db/scripts.tar',
        'f 644 0:0 0 ./lib/apk/db/triggers',
      ],
    );
  });

  it('reinstalling generation 1 gives the first tree again', async () => {
    await installPackages(root, v1, { ...opts, world: worldOf(v1) });
    assert.deepEqual(listTree(root), listTree(fresh1));
  });

  it('does nothing when nothing changes', async () => {
    const before = listTree(root, { dirSizes: true });
    const mtime = statSync(join(root, 'lib/apk/db/installed')).mtimeMs;
    const r = await installPackages(root, v1, { ...opts, world: worldOf(v1) });
    assert.equal(r.unchanged.length, 22);
    assert.equal(statSync(join(root, 'lib/apk/db/installed')).mtimeMs, mtime);
    assert.deepEqual(listTree(root, { dirSizes: true }), before);
  });
});

describe('directory permissions when several packages own a directory (apk 2.14 rule)', () => {
  const root = tempRoot('dir-perms');
  after(() => rmSync(root, { recursive: true, force: true }));
  const withDir = (name: string, uid: number, mode: number) =>
    lockedFrom({
      name,
      version: '1',
      entries: [
        { name: 'opt/', type: 'dir' },
        { name: 'opt/shared/', type: 'dir', uid, gid: uid, mode },
      ],
    });

  it('the lowest owner wins and equal owners narrow the mode; removal keeps the rest', async () => {
    await installPackages(root, [withDir('a', 501, 0o777)], { world: [] });
    assert.deepEqual(modeOf(join(root, 'opt/shared')), [501, 501, 0o777]);
    await installPackages(root, [withDir('a', 501, 0o777), withDir('b', 0, 0o755), withDir('c', 0, 0o750)], {
      world: [],
    });
    assert.deepEqual(modeOf(join(root, 'opt/shared')), [0, 0, 0o750]);
    await installPackages(root, [withDir('a', 501, 0o777)], { world: [] });
    assert.equal(existsSync(join(root, 'opt/shared')), true);
  });
});

function modeOf(p: string): [number, number, number] {
  const st = statSync(p);
  return [st.uid, st.gid, st.mode & 0o7777];
}

describe('locally changed config files (protected paths +etc @etc/init.d !etc/apk)', () => {
  const root = tempRoot('apk-new');
  after(() => rmSync(root, { recursive: true, force: true }));
  const conf = (v: string) =>
    lockedFrom({
      name: 'conf',
      version: `${v}-r0`,
      entries: ['etc/conf.d/x', 'etc/conf.d/y', 'etc/apk/z', 'etc/init.d/svc', 'etc/motd', 'etc/same'].map((name) => ({
        name,
        type: 'file' as const,
        data: Buffer.from(name === 'etc/same' ? 'same\n' : `${name} ${v}\n`),
      })),
    });
  const read = (p: string) => readFileSync(join(root, p), 'utf8');

  it('keeps local changes and writes the new version as .apk-new', async () => {
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/motd'), 'my motd\n');
    writeFileSync(join(root, 'etc/same'), 'same\n');
    await installPackages(root, [conf('1')], { world: ['conf'] });
    // An unowned file in the way counts as changed locally; an identical one is simply kept.
    assert.equal(read('etc/motd'), 'my motd\n');
    assert.equal(read('etc/motd.apk-new'), 'etc/motd 1\n');
    assert.equal(existsSync(join(root, 'etc/same.apk-new')), false);
    assert.equal(read('etc/conf.d/x'), 'etc/conf.d/x 1\n');

    for (const f of ['etc/conf.d/x', 'etc/apk/z', 'etc/init.d/svc']) writeFileSync(join(root, f), 'edited\n');
    await installPackages(root, [conf('2')], { world: ['conf'] });
    assert.equal(read('etc/conf.d/x'), 'edited\n');
    assert.equal(read('etc/conf.d/x.apk-new'), 'etc/conf.d/x 2\n');
    assert.equal(read('etc/conf.d/y'), 'etc/conf.d/y 2\n', 'unchanged files are upgraded');
    // apk 2.14: '!etc/apk' is "protect all" and '@etc/init.d' keeps edited regular files too (the
    // modes differ only for `apk audit`).
    assert.equal(read('etc/apk/z'), 'edited\n');
    assert.equal(read('etc/apk/z.apk-new'), 'etc/apk/z 2\n');
    assert.equal(read('etc/init.d/svc'), 'edited\n');
    assert.equal(read('etc/init.d/svc.apk-new'), 'etc/init.d/svc 2\n');
    assert.equal(existsSync(join(root, 'etc/conf.d/y.apk-new')), false);
  });
});
