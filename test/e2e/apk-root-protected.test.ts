/**
 * Issue 13, real roots beyond the shared vectors: apk-tools 2.14's protected paths (the built-in
 * `+etc @etc/init.d !etc/apk` plus `etc/apk/protected_paths.d/*.list`, matched per directory with
 * fnmatch, the last matching rule winning, every mode but "no rule" keeping local edits),
 * `--clean-protected`, `--purge`, file-versus-directory conflicts, failing scripts and the
 * `--force-overwrite` warning. Minimal root scenarios in the style of
 * ../shared/vectors/apk-tools-behaviour/root/, packages built here, run through `bin/lupine apk`
 * with stdout and stderr merged as apk's were (`2>&1`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TreeEntry } from '../../src/apk/index.js';
import { hostShellPackage, makeTestRepo, type TestRepo } from '../helpers/apk-repo.js';
import { binLupine } from '../helpers/paths.js';
import { tempRoot } from '../unit/install/fixtures.js';

const base = tempRoot('apk-protected');
after(() => rmSync(base, { recursive: true, force: true }));

const dir = (path: string): TreeEntry => ({ path, type: 'dir' });
const file = (path: string, text: string): TreeEntry => ({ path, type: 'file', data: Buffer.from(text) });

let repo: TestRepo;
before(async () => {
  repo = await makeTestRepo(base);
  const cfg = (version: string, extra: TreeEntry[] = []): TreeEntry[] => [
    dir('etc'),
    file('etc/cfg.conf', `cfg ${version}\n`),
    dir('etc/init.d'),
    file('etc/init.d/cfg', `#!/sbin/openrc-run ${version}\n`),
    dir('etc/apk'),
    file('etc/apk/cfg.txt', `apk-owned ${version}\n`),
    dir('opt'),
    dir('opt/app'),
    file('opt/app/app.conf', `app ${version}\n`),
    dir('srv'),
    dir('srv/www'),
    dir('srv/www/conf'),
    file('srv/www/conf/site.conf', `site ${version}\n`),
    dir('srv/www/data'),
    file('srv/www/data/page.html', `page ${version}\n`),
    dir('usr'),
    dir('usr/share'),
    file('usr/share/cfg.txt', `data ${version}\n`),
    ...extra,
  ];
  await repo.add([
    { name: 'cfg', version: '1.0-r0', files: cfg('1', [file('etc/old-only.conf', 'old\n')]) },
    { name: 'cfg', version: '2.0-r0', files: cfg('2') },
    { name: 'aaa', version: '1.0-r0', files: [dir('usr'), dir('usr/share'), file('usr/share/thing', 'a file\n')] },
    {
      name: 'bbb',
      version: '1.0-r0',
      files: [
        dir('usr'),
        dir('usr/bin'),
        file('usr/bin/bbb', 'bbb\n'),
        dir('usr/share'),
        dir('usr/share/thing'),
        file('usr/share/thing/inside', 'a directory\n'),
      ],
    },
    { name: 'ccc', version: '1.0-r0', files: [dir('usr'), dir('usr/share'), file('usr/share/thing', 'ccc copy\n')] },
    { name: 'ddd', version: '1.0-r0', files: [dir('usr'), dir('usr/bin'), file('usr/bin/ddd', 'ddd\n')] },
  ]);
});

interface Step {
  readonly output: string;
  readonly code: number | null;
}

/** `lupine apk ARGS` with both streams into one file, in order (like `2>&1`). */
function merged(args: readonly string[]): Step {
  const out = join(base, 'step.out');
  const fd = openSync(out, 'w');
  try {
    const r = spawnSync(process.execPath, [binLupine, 'apk', ...args], {
      env: { PATH: process.env.PATH, HOME: base },
      stdio: ['ignore', fd, fd],
    });
    return { output: readFileSync(out, 'utf8'), code: r.status };
  } finally {
    closeSync(fd);
  }
}

/** `lupine apk --root ROOT ARGS` against the test repository, merged. */
function apk(root: string, ...args: string[]): Step {
  return merged(['--root', root, '--keys-dir', repo.keysDir, '-X', repo.dir, ...args]);
}

let n = 0;
/** A fresh root after `--initdb add`. */
function freshRoot(): string {
  const root = join(base, `root-${n++}`);
  const r = apk(root, '--initdb', 'add');
  assert.equal(r.code, 0, r.output);
  return root;
}

const edit = (root: string, path: string) => writeFileSync(join(root, path), 'local edit\n');
const read = (root: string, path: string) => readFileSync(join(root, path), 'utf8');
const exists = (root: string, path: string) => existsSync(join(root, path));

describe('protected paths as apk-tools 2.14 decides them', () => {
  it('del keeps every edited file under a protected directory (+etc, @etc/init.d, !etc/apk), and no other', () => {
    const root = freshRoot();
    assert.equal(apk(root, 'add', 'cfg=1.0-r0').code, 0);
    for (const p of ['etc/cfg.conf', 'etc/init.d/cfg', 'etc/apk/cfg.txt', 'opt/app/app.conf', 'usr/share/cfg.txt'])
      edit(root, p);
    const r = apk(root, 'del', 'cfg');
    assert.equal(r.output, '(1/1) Purging cfg (1.0-r0)\nOK: 0 MiB in 0 packages\n');
    assert.equal(r.code, 0);
    // @etc/init.d protects edited regular files too (its mode only matters to `apk audit`); !etc/apk is
    // "protect all", not "unprotected".
    assert.equal(read(root, 'etc/cfg.conf'), 'local edit\n');
    assert.equal(read(root, 'etc/init.d/cfg'), 'local edit\n');
    assert.equal(read(root, 'etc/apk/cfg.txt'), 'local edit\n');
    // No rule covers opt/ or usr/: edits there go with the package.
    assert.equal(exists(root, 'opt/app/app.conf'), false);
    assert.equal(exists(root, 'usr/share/cfg.txt'), false);
    // Unedited files go, protected or not.
    assert.equal(exists(root, 'etc/old-only.conf'), false);
  });

  it("reads the root's etc/apk/protected_paths.d/*.list: plain, '-' and fnmatch patterns, per directory", () => {
    const root = freshRoot();
    mkdirSync(join(root, 'etc/apk/protected_paths.d'), { recursive: true });
    // A plain line means '+'; '-' (ignore: for audit) still keeps local edits; 'srv/*/conf' matches one
    // directory level by fnmatch; a file not ending in .list is not read.
    writeFileSync(join(root, 'etc/apk/protected_paths.d/app.list'), '# comment\n\nopt/app/\n-/srv/*/conf\n');
    writeFileSync(join(root, 'etc/apk/protected_paths.d/ignored.txt'), '+usr\n');
    assert.equal(apk(root, 'add', 'cfg=1.0-r0').code, 0);
    for (const p of ['opt/app/app.conf', 'srv/www/conf/site.conf', 'srv/www/data/page.html', 'usr/share/cfg.txt'])
      edit(root, p);
    const r = apk(root, 'del', 'cfg');
    assert.equal(r.code, 0, r.output);
    assert.equal(read(root, 'opt/app/app.conf'), 'local edit\n');
    assert.equal(read(root, 'srv/www/conf/site.conf'), 'local edit\n');
    assert.equal(exists(root, 'srv/www/data/page.html'), false);
    assert.equal(exists(root, 'usr/share/cfg.txt'), false);
  });

  it('upgrade writes .apk-new beside an edited etc/init.d script and etc/apk file; unedited ones are replaced', () => {
    const root = freshRoot();
    assert.equal(apk(root, 'add', 'cfg=1.0-r0').code, 0);
    edit(root, 'etc/init.d/cfg');
    edit(root, 'etc/apk/cfg.txt');
    const r = apk(root, 'add', 'cfg=2.0-r0');
    assert.equal(r.output, '(1/1) Upgrading cfg (1.0-r0 -> 2.0-r0)\nOK: 0 MiB in 1 packages\n');
    assert.equal(read(root, 'etc/init.d/cfg'), 'local edit\n');
    assert.equal(read(root, 'etc/init.d/cfg.apk-new'), '#!/sbin/openrc-run 2\n');
    assert.equal(read(root, 'etc/apk/cfg.txt'), 'local edit\n');
    assert.equal(read(root, 'etc/apk/cfg.txt.apk-new'), 'apk-owned 2\n');
    assert.equal(read(root, 'etc/cfg.conf'), 'cfg 2\n');
    assert.equal(exists(root, 'etc/cfg.conf.apk-new'), false);
  });

  it('--clean-protected keeps the local edit and writes no .apk-new', () => {
    const root = freshRoot();
    assert.equal(apk(root, 'add', 'cfg=1.0-r0').code, 0);
    edit(root, 'etc/cfg.conf');
    const r = apk(root, '--clean-protected', 'add', 'cfg=2.0-r0');
    assert.equal(r.code, 0, r.output);
    assert.equal(read(root, 'etc/cfg.conf'), 'local edit\n');
    assert.equal(exists(root, 'etc/cfg.conf.apk-new'), false);
  });

  it('--purge: del removes edited protected files too; upgrade removes an edited file the new version dropped', () => {
    const root = freshRoot();
    assert.equal(apk(root, 'add', 'cfg=1.0-r0').code, 0);
    edit(root, 'etc/old-only.conf');
    edit(root, 'etc/cfg.conf');
    // Without --purge the edited old-only file stays (unowned) on upgrade.
    const kept = freshRoot();
    assert.equal(apk(kept, 'add', 'cfg=1.0-r0').code, 0);
    edit(kept, 'etc/old-only.conf');
    assert.equal(apk(kept, 'add', 'cfg=2.0-r0').code, 0);
    assert.equal(read(kept, 'etc/old-only.conf'), 'local edit\n');

    const up = apk(root, '--purge', 'add', 'cfg=2.0-r0');
    assert.equal(up.code, 0, up.output);
    assert.equal(exists(root, 'etc/old-only.conf'), false);
    // A file the new version ships is not purged: the edit stays and the new one goes to .apk-new.
    assert.equal(read(root, 'etc/cfg.conf'), 'local edit\n');
    assert.equal(read(root, 'etc/cfg.conf.apk-new'), 'cfg 2\n');
    const del = apk(root, '--purge', 'del', 'cfg');
    assert.equal(del.output, '(1/1) Purging cfg (2.0-r0)\nOK: 0 MiB in 0 packages\n');
    assert.equal(exists(root, 'etc/cfg.conf'), false);
    assert.equal(exists(root, 'etc/init.d/cfg'), false);
  });
});

describe('conflicts install the rest, as apk does', () => {
  it('a directory where another package has a file: the error comes at that package, the rest is installed', () => {
    const root = freshRoot();
    const r = apk(root, 'add', 'aaa', 'bbb', 'ddd');
    assert.equal(
      r.output,
      '(1/3) Installing aaa (1.0-r0)\n' +
        '(2/3) Installing bbb (1.0-r0)\n' +
        'ERROR: Failed to create usr/share/thing/inside: Not a directory\n' +
        '(3/3) Installing ddd (1.0-r0)\n' +
        '1 error; 0 MiB in 3 packages\n',
    );
    assert.equal(r.code, 1);
    assert.equal(read(root, 'usr/share/thing'), 'a file\n');
    assert.equal(read(root, 'usr/bin/bbb'), 'bbb\n');
    assert.equal(read(root, 'usr/bin/ddd'), 'ddd\n');
    const db = read(root, 'lib/apk/db/installed');
    assert.match(db, /\nP:bbb\n(?:[^\n]+\n)*f:f\n/);
    assert.doesNotMatch(db, /R:inside/);
    assert.equal(read(root, 'etc/apk/world'), 'aaa\nbbb\nddd\n');
  });

  it('a file where another package has a directory: refused, the rest installed, exit = number of errors', () => {
    const root = freshRoot();
    assert.equal(apk(root, 'add', 'bbb').code, 0);
    const r = apk(root, 'add', 'aaa', 'ddd');
    assert.equal(
      r.output,
      '(1/2) Installing aaa (1.0-r0)\n' +
        'ERROR: aaa-1.0-r0: failed to commit usr/share/thing: Is a directory\n' +
        '(2/2) Installing ddd (1.0-r0)\n' +
        '1 error; 0 MiB in 3 packages\n',
    );
    assert.equal(r.code, 1);
    assert.equal(read(root, 'usr/share/thing/inside'), 'a directory\n');
    assert.equal(read(root, 'usr/bin/ddd'), 'ddd\n');
  });

  it("an empty directory no package owns is in the way of a file too (apk's rename(2) fails: EISDIR)", () => {
    const root = freshRoot();
    mkdirSync(join(root, 'usr/share/thing'), { recursive: true });
    const r = apk(root, 'add', 'aaa');
    assert.equal(
      r.output,
      '(1/1) Installing aaa (1.0-r0)\n' +
        'ERROR: aaa-1.0-r0: failed to commit usr/share/thing: Is a directory\n' +
        '1 error; 0 MiB in 1 packages\n',
    );
    assert.equal(r.code, 1);
    assert.equal(readdirSync(join(root, 'usr/share/thing')).length, 0);
  });

  it('a file conflict prints its ERROR under the offending package, not after every line', () => {
    const root = freshRoot();
    const r = apk(root, 'add', 'aaa', 'ccc', 'ddd');
    assert.equal(
      r.output,
      '(1/3) Installing aaa (1.0-r0)\n' +
        '(2/3) Installing ccc (1.0-r0)\n' +
        'ERROR: ccc-1.0-r0: trying to overwrite usr/share/thing owned by aaa-1.0-r0.\n' +
        '(3/3) Installing ddd (1.0-r0)\n' +
        '1 error; 0 MiB in 3 packages\n',
    );
    assert.equal(r.code, 1);
  });

  it("--force-overwrite warns in apk's words and overwrites", () => {
    const root = freshRoot();
    const r = apk(root, '--force-overwrite', 'add', 'aaa', 'ccc');
    assert.equal(
      r.output,
      '(1/2) Installing aaa (1.0-r0)\n' +
        '(2/2) Installing ccc (1.0-r0)\n' +
        'WARNING: ccc-1.0-r0: overwriting usr/share/thing owned by aaa-1.0-r0.\n' +
        'OK: 0 MiB in 2 packages\n',
    );
    assert.equal(r.code, 0);
    assert.equal(read(root, 'usr/share/thing'), 'ccc copy\n');
  });
});

describe('a failing script is an error, as in apk', {
  skip: !existsSync('/lib64/ld-linux-x86-64.so.2') || !existsSync('/usr/bin/bwrap'),
}, () => {
  let scripts: TestRepo;
  before(async () => {
    scripts = await makeTestRepo(join(base, 'scripts'));
    await scripts.add([
      hostShellPackage(),
      {
        name: 'failing',
        version: '1.0-r0',
        depends: ['hostsh'],
        files: [dir('etc'), file('etc/failing.conf', 'x\n')],
        scripts: { 'post-install': '#!/bin/sh\nexit 3\n' },
      },
      { name: 'zzz', version: '1.0-r0', files: [dir('usr'), file('usr/zzz', 'z\n')] },
      {
        name: 'trig',
        version: '1.0-r0',
        depends: ['hostsh'],
        files: [dir('usr'), dir('usr/lib'), dir('usr/lib/plugins')],
        triggers: ['/usr/lib/plugins'],
        scripts: { trigger: '#!/bin/sh\nexit 4\n' },
      },
      {
        name: 'plugin',
        version: '1.0-r0',
        files: [dir('usr'), dir('usr/lib'), dir('usr/lib/plugins'), file('usr/lib/plugins/p.so', 'p\n')],
      },
    ]);
  });

  it('prints ERROR: pkg.post-install: script exited with error N under its line and counts it', () => {
    const root = join(base, 'scripted');
    const r = merged([
      '--root',
      root,
      '--initdb',
      '--keys-dir',
      scripts.keysDir,
      '-X',
      scripts.dir,
      '--scripts',
      'add',
      'failing',
      'zzz',
    ]);
    // The size is the host's shell and libc: not fixed.
    assert.equal(
      r.output.replace(/\d+ MiB/, 'N MiB'),
      '(1/3) Installing hostsh (1-r0)\n' +
        '(2/3) Installing failing (1.0-r0)\n' +
        'ERROR: failing-1.0-r0.post-install: script exited with error 3\n' +
        '(3/3) Installing zzz (1.0-r0)\n' +
        '1 error; N MiB in 3 packages\n',
    );
    assert.equal(r.code, 1);
    assert.match(read(root, 'lib/apk/db/installed'), /\nP:failing\n(?:[^\n]+\n)*f:s\n/);
  });

  it('a failing trigger is an ERROR after the change lines and one more error (apk 2.14 run_triggers)', () => {
    const root = join(base, 'triggered');
    const run = (...args: string[]) =>
      merged(['--root', root, '--keys-dir', scripts.keysDir, '-X', scripts.dir, '--scripts', ...args]);
    assert.equal(run('--initdb', 'add', 'trig').code, 1);
    const r = run('add', 'failing', 'plugin');
    assert.equal(
      r.output.replace(/\d+ MiB/, 'N MiB'),
      '(1/2) Installing failing (1.0-r0)\n' +
        'ERROR: failing-1.0-r0.post-install: script exited with error 3\n' +
        '(2/2) Installing plugin (1.0-r0)\n' +
        'ERROR: trig-1.0-r0.trigger: script exited with error 4\n' +
        '2 errors; N MiB in 4 packages\n',
    );
    assert.equal(r.code, 2);
    assert.match(read(root, 'lib/apk/db/installed'), /\nP:trig\n(?:[^\n]+\n)*f:s\n/);
  });
});
