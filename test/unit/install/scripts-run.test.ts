import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { installPackages, type LockedPackage, parseInstalledDb, parseScriptsTar } from '../../../src/install/index.js';
import { type CraftEntry, lockedFrom } from './craft.js';
import { tempRoot } from './fixtures.js';

/** A package holding the host's /bin/sh and the two libraries it needs: enough to run scripts. */
function hostShell(): LockedPackage {
  const entries: CraftEntry[] = [];
  const add = (at: string, from: string) =>
    entries.push({ name: at, type: 'file', mode: 0o755, data: readFileSync(realpathSync(from)) });
  add('bin/sh', '/bin/sh');
  add('lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libc.so.6');
  add('lib64/ld-linux-x86-64.so.2', '/lib64/ld-linux-x86-64.so.2');
  return lockedFrom({ name: 'hostsh', version: '1-r0', entries });
}

const scripted = (version: string) =>
  lockedFrom({
    name: 'scripted',
    version,
    entries: [{ name: 'etc/scripted.conf', type: 'file', data: Buffer.from(version) }],
    scripts: {
      'pre-install': '#!/bin/sh\necho "pre-install $1" >> /log\n',
      'post-install': '#!/bin/sh\n[ -f /etc/scripted.conf ] && echo "post-install $1" >> /log\n',
      'post-upgrade': '#!/bin/sh\necho "post-upgrade $1 $2" >> /log\n',
    },
  });

const withDeinstall = lockedFrom({
  name: 'leaving',
  version: '1-r0',
  entries: [{ name: 'etc/leaving', type: 'file', data: Buffer.from('x') }],
  scripts: {
    'pre-deinstall': '#!/bin/sh\n[ -f /etc/leaving ] && echo "pre-deinstall $1" >> /log\n',
    'post-deinstall': '#!/bin/sh\n[ -f /etc/leaving ] || echo "post-deinstall $1" >> /log\n',
  },
});

describe('running scriptlets in a bubblewrap chroot (runScripts)', {
  skip: !existsSync('/lib64/ld-linux-x86-64.so.2'),
}, () => {
  const root = tempRoot('scripts');
  after(() => rmSync(root, { recursive: true, force: true }));
  const shell = hostShell();

  it('stores scripts without running them by default', async () => {
    await installPackages(root, [shell, scripted('1.0-r0')], { world: ['scripted'] });
    assert.equal(existsSync(join(root, 'log')), false);
    const stored = parseScriptsTar(readFileSync(join(root, 'lib/apk/db/scripts.tar')));
    assert.deepEqual(
      stored.map((s) => s.type),
      ['pre-install', 'post-install', 'post-upgrade'],
    );
  });

  it("runs pre- and post- scripts with apk arguments when asked, around each package's own files", async () => {
    // One transaction: hostsh's files are in place before scripted's pre-install runs.
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root);
    const r = await installPackages(root, [shell, scripted('1.0-r0')], { world: ['scripted'], runScripts: true });
    assert.equal(readFileSync(join(root, 'log'), 'utf8'), 'pre-install 1.0-r0\npost-install 1.0-r0\n');
    assert.deepEqual(
      r.scripts.map((s) => `${s.type}=${s.exitCode}`),
      ['pre-install=0', 'post-install=0'],
    );
    await installPackages(root, [shell, scripted('2.0-r0')], { world: ['scripted'], runScripts: true });
    assert.match(readFileSync(join(root, 'log'), 'utf8'), /post-upgrade 2\.0-r0 1\.0-r0\n$/);
    assert.equal(existsSync(join(root, 'var/cache/misc/scripted-2.0-r0.post-upgrade')), false);
  });

  it('reports a failing script without undoing the install', async () => {
    const bad = lockedFrom({
      name: 'bad',
      version: '1-r0',
      entries: [],
      scripts: { 'post-install': '#!/bin/sh\nexit 3\n' },
    });
    const r = await installPackages(root, [shell, scripted('2.0-r0'), bad], { world: ['bad'], runScripts: true });
    assert.deepEqual(r.scripts, [{ package: 'bad-1-r0', name: 'bad', type: 'post-install', exitCode: 3 }]);
    assert.deepEqual(r.notes, [
      { package: 'bad', level: 'error', text: 'bad-1-r0.post-install: script exited with error 3' },
    ]);
    assert.deepEqual(r.installed, ['bad']);
    const db = parseInstalledDb(readFileSync(join(root, 'lib/apk/db/installed'), 'utf8'));
    assert.equal(db.find((p) => p.info.name === 'bad')?.flags, 's', 'marked f:s as apk does');
    assert.equal(db.find((p) => p.info.name === 'scripted')?.flags, '');
  });

  it('runs deinstall scripts around the removal, from the stored scripts.tar', async () => {
    await installPackages(root, [shell, withDeinstall], { world: [] });
    rmSync(join(root, 'log'), { force: true });
    await installPackages(root, [shell], { world: [], runScripts: true });
    assert.equal(readFileSync(join(root, 'log'), 'utf8'), 'pre-deinstall 1-r0\npost-deinstall 1-r0\n');
  });

  it('runs triggers once at the end with the changed directories matching their globs', async () => {
    const trig = lockedFrom({
      name: 'trig',
      version: '1-r0',
      entries: [{ name: 'usr/share/trig/readme', type: 'file', data: Buffer.from('x') }],
      extraPkgInfo: 'triggers = /usr/share/* /nomatch\n',
      scripts: { trigger: '#!/bin/sh\necho "trigger $*" >> /trigger-log\n' },
    });
    const other = (n: string) =>
      lockedFrom({
        name: n,
        version: '1-r0',
        entries: [{ name: `usr/share/${n}/f`, type: 'file', data: Buffer.from(n) }],
      });
    await installPackages(root, [shell, trig], { world: ['trig'], runScripts: true });
    // Just installed: it sees every matching directory the installed packages own.
    assert.equal(readFileSync(join(root, 'trigger-log'), 'utf8'), 'trigger /usr/share/trig\n');
    const r = await installPackages(root, [shell, trig, other('o1'), other('o2')], { world: [], runScripts: true });
    assert.equal(
      readFileSync(join(root, 'trigger-log'), 'utf8'),
      'trigger /usr/share/trig\ntrigger /usr/share/o1 /usr/share/o2\n',
    );
    assert.deepEqual(
      r.scripts.map((x) => `${x.package}.${x.type}`),
      ['trig-1-r0.trigger'],
    );
  });
});
