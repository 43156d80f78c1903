/**
 * `lupine apk` on real roots: the replayout install compared with what apk-tools 2.14 printed and
 * wrote, and a 22-package root built in the test that installs, upgrades and uninstalls cleanly.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixedClock } from '../../src/core/index.js';
import { installLockedSet, openRepositories, resolveAndInstall, resolvePackageSet } from '../../src/index.js';
import { formatInstalledDb, parseInstalledDb } from '../../src/install/index.js';
import { loadKeyring } from '../../src/repo/index.js';
import { hostShellPackage, makeTestRepo, packageGeneration, type TestRepo } from '../helpers/apk-repo.js';
import { assertCode } from '../helpers/assert-code.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { vector } from '../helpers/paths.js';
import { hashTree, listTree, tempRoot } from '../unit/install/fixtures.js';

const golden = vector('apk-tools-out', 'root-replayout');
const packages = vector('apko', 'golden-testdata', 'packages');
const env = { ...process.env, SOURCE_DATE_EPOCH: '0' };

describe('apk add replayout into an empty root, as apk-tools 2.14 did', () => {
  const root = tempRoot('apk-replayout');
  let r: ReturnType<typeof spawnCli>;
  before(() => {
    r = spawnCli(
      [
        'apk',
        '--root',
        root,
        '--initdb',
        '--arch',
        'x86_64',
        '--keys-dir',
        packages,
        '-X',
        packages,
        '--no-cache',
      ].concat(['add', 'replayout', 'custom-ca-certs-1']),
      { env },
    );
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('prints exactly what apk printed', () => {
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      '(1/3) Installing custom-ca-certs-1 (1.0.0-r0)\n' +
        '(2/3) Installing pretend-baselayout (1.0.0-r0)\n' +
        '(3/3) Installing replayout (1.0.0-r0)\n' +
        'OK: 0 MiB in 3 packages\n',
    );
  });

  it('writes the same installed, scripts.tar, triggers, world and arch, byte for byte', () => {
    for (const [ours, theirs] of [
      ['lib/apk/db/installed', 'installed'],
      ['lib/apk/db/scripts.tar', 'scripts.tar'],
      ['lib/apk/db/triggers', 'triggers'],
      ['etc/apk/world', 'world'],
      ['etc/apk/arch', 'arch'],
    ] as const) {
      assert.deepEqual(readFileSync(join(root, ours)), readFileSync(join(golden, theirs)), ours);
    }
  });

  it('lays out the same tree (types, modes, owners, sizes, links)', () => {
    const theirs = readFileSync(join(golden, 'tree.txt'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (l.startsWith('d ') ? l.replace(/^(d \S+ \S+) \S+/, '$1 -') : l));
    assert.deepEqual(listTree(root), theirs);
  });

  it('the installed database round-trips', () => {
    const text = readFileSync(join(root, 'lib/apk/db/installed'), 'utf8');
    assert.equal(formatInstalledDb(parseInstalledDb(text, 'installed')), text);
  });

  it('a second identical add changes nothing and says so', () => {
    const before = hashTree(root);
    const again = spawnCli(
      ['apk', '--root', root, '--keys-dir', packages, '-X', packages, '--no-cache', 'add', 'replayout'],
      { env },
    );
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'OK: 0 MiB in 3 packages\n');
    assert.equal(hashTree(root), before);
  });
});

describe('a root of 22 packages built in the test: install, upgrade, uninstall', () => {
  const base = tempRoot('apk-22');
  const root = join(base, 'root');
  let repo: TestRepo;
  const apk = (...args: string[]) =>
    runCli(['apk', '--root', root, '-X', repo.dir, '--keys-dir', repo.keysDir, '--arch', 'x86_64', ...args], {
      env,
    });
  before(async () => {
    repo = await makeTestRepo(base);
    await repo.add(packageGeneration(21, 1));
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('--simulate shows the plan and changes nothing', async () => {
    const r = await apk('--initdb', '--simulate', 'add', 'meta');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n').filter((l) => / Installing /.test(l)).length, 22);
    assert.ok(!existsSync(root));
  });

  it('installs all 22, dependencies first, creating the root (--initdb)', async () => {
    const r = await apk('--initdb', 'add', 'meta');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 23);
    assert.equal(lines[0], '(1/22) Installing lib00 (1.0-r0)');
    assert.equal(lines[20], '(21/22) Installing lib20 (1.0-r0)');
    assert.equal(lines[21], '(22/22) Installing meta (1.0-r0)');
    assert.equal(lines[22], 'OK: 0 MiB in 22 packages');
    assert.equal(readFileSync(join(root, 'usr/share/lib07/data.txt'), 'utf8'), 'lib07 generation 1\n');
    assert.equal(readFileSync(join(root, 'etc/apk/world'), 'utf8'), 'meta\n');
    const info = await apk('info');
    assert.equal(info.stdout.split('\n').filter(Boolean).length, 22);
  });

  it('upgrades all 22 and removes the files the old versions shipped alone', async () => {
    await repo.add(packageGeneration(21, 2));
    const r = await apk('upgrade');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.filter((l) => / Upgrading lib\d\d \(1\.0-r0 -> 2\.0-r0\)$/.test(l)).length, 21);
    assert.ok(lines.includes('(22/22) Upgrading meta (1.0-r0 -> 2.0-r0)'));
    assert.equal(lines.at(-1), 'OK: 0 MiB in 22 packages');
    assert.equal(readFileSync(join(root, 'usr/share/lib07/data.txt'), 'utf8'), 'lib07 generation 2\n');
    assert.ok(existsSync(join(root, 'usr/share/lib07/gen-2')));
    assert.ok(!existsSync(join(root, 'usr/share/lib07/gen-1')));
    const list = await apk('list', '--installed', 'lib0*');
    assert.match(list.stdout, /^lib00-2\.0-r0 x86_64 \{lib00\} \(MIT\) \[installed\]$/m);
  });

  it('upgrading again is a no-op that leaves the root byte-identical', async () => {
    const h = hashTree(root);
    const r = await apk('upgrade');
    assert.equal(r.stdout, 'OK: 0 MiB in 22 packages\n');
    assert.equal(hashTree(root), h);
  });

  it('fix reinstalls a package whose files were damaged', async () => {
    const file = join(root, 'usr/share/lib07/data.txt');
    rmSync(file);
    const r = await apk('fix', 'lib07');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '(1/1) Reinstalling lib07 (2.0-r0)\nOK: 0 MiB in 22 packages\n');
    assert.equal(readFileSync(file, 'utf8'), 'lib07 generation 2\n');
  });

  it('del meta purges everything, leaving an empty database', async () => {
    const r = await apk('del', 'meta');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.filter((l) => / Purging /.test(l)).length, 22);
    assert.equal(lines.at(-1), 'OK: 0 MiB in 0 packages');
    assert.equal(readFileSync(join(root, 'lib/apk/db/installed'), 'utf8'), '');
    assert.equal(readFileSync(join(root, 'etc/apk/world'), 'utf8'), '\n');
    assert.ok(!existsSync(join(root, 'usr/share/lib07')));
  });

  it('add ./file.apk pins its identity in world', async () => {
    const file = join(repo.dir, 'x86_64', 'lib00-2.0-r0.apk');
    const r = await apk('add', file);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '(1/1) Installing lib00 (2.0-r0)\nOK: 0 MiB in 1 packages\n');
    assert.match(readFileSync(join(root, 'etc/apk/world'), 'utf8'), /^lib00><Q1[A-Za-z0-9+/]{27}=\n$/);
  });

  it('add -t makes a virtual package that holds its dependencies', async () => {
    // (apk's usual `.name` is refused by the .PKGINFO name check of src/apk; a plain name works.)
    const r = await apk('add', '-t', 'virt-deps=1', 'lib03');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Installing virt-deps \(1\)\n/);
    assert.match(readFileSync(join(root, 'lib/apk/db/installed'), 'utf8'), /^P:virt-deps\nV:1\n/m);
    assert.match(readFileSync(join(root, 'etc/apk/world'), 'utf8'), /^virt-deps=1$/m);
    const del = await apk('del', 'virt-deps');
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /Purging virt-deps \(1\)/);
    assert.doesNotMatch(readFileSync(join(root, 'lib/apk/db/installed'), 'utf8'), /P:lib03/);
  });

  it('--progress draws apk’s bar while packages are fetched and erases it before the change lines', async () => {
    const other = join(base, 'progress-root');
    mkdirSync(other);
    const r = await runCli(
      ['apk', '--root', other, '-X', repo.dir, '--keys-dir', repo.keysDir, '--progress', 'add', 'lib01'],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    const bar = (pct: number, n: number) => `\x1b7${String(pct).padStart(3)}% ${'#'.repeat(n)}`;
    assert.equal(
      r.stdout,
      // The lines come once the change is staged, each with what apk said for its package.
      `${bar(50, 37)}\x1b8\x1b[0K${bar(100, 74)}\x1b8\x1b[0K` +
        '(1/2) Installing lib00 (2.0-r0)\n(2/2) Installing lib01 (2.0-r0)\nOK: 0 MiB in 2 packages\n',
    );
  });

  it('a package that is not signed by a trusted key is refused and the root is unchanged', async () => {
    const h = hashTree(root);
    const r = await runCli(
      ['apk', '--root', root, '-X', repo.dir, '--keys-dir', join(base, 'no-keys'), '--arch', 'x86_64', 'add', 'meta'],
      { env },
    );
    assert.equal(r.code, 3);
    assert.match(r.stderr, /error\[INDEX_UNTRUSTED\]/);
    assert.equal(hashTree(root), h);
  });
});

describe('library API: resolve into a locked set, install a locked set', () => {
  const root = tempRoot('apk-lib');
  after(() => rmSync(root, { recursive: true, force: true }));

  it('resolvePackageSet gives names, versions, identities and URLs; installLockedSet installs them', async () => {
    const keys = await loadKeyring([packages]);
    const repos = await openRepositories({ repositories: [packages], arch: 'x86_64', keys });
    const r = resolvePackageSet(['replayout', 'custom-ca-certs-1'], repos, 'x86_64');
    assert.ok(r.ok);
    // In apko's install order (world order, dependencies first), as `image lock` writes it.
    assert.deepEqual(
      r.packages.map((p) => `${p.name}-${p.version} ${p.identity.slice(0, 2)} ${p.url.slice(packages.length)}`),
      [
        'pretend-baselayout-1.0.0-r0 Q1 /x86_64/pretend-baselayout-1.0.0-r0.apk',
        'replayout-1.0.0-r0 Q1 /x86_64/replayout-1.0.0-r0.apk',
        'custom-ca-certs-1-1.0.0-r0 Q1 /x86_64/custom-ca-certs-1-1.0.0-r0.apk',
      ],
    );
    const result = await installLockedSet(root, r.packages, repos, {
      world: ['replayout', 'custom-ca-certs-1'],
      initDb: true,
      arch: 'x86_64',
      keyring: keys,
      clock: fixedClock(0),
    });
    assert.deepEqual([...result.installed].sort(), ['custom-ca-certs-1', 'pretend-baselayout', 'replayout']);
    assert.deepEqual(readFileSync(join(root, 'lib/apk/db/installed')), readFileSync(join(golden, 'installed')));
  });

  it('an unsatisfiable list is a conflict with apk’s report', async () => {
    const repos = await openRepositories({ repositories: [packages], arch: 'x86_64', allowUntrusted: true });
    const r = resolvePackageSet(['no-such-thing'], repos, 'x86_64');
    assert.ok(!r.ok);
    assert.equal(
      r.report,
      'ERROR: unable to select packages:\n  no-such-thing (no such package):\n    required by: world[no-such-thing]\n',
    );
    await assertCode(
      () =>
        resolveAndInstall(root, {
          packages: ['no-such-thing'],
          repositories: [packages],
          arch: 'x86_64',
          allowUntrusted: true,
        }),
      'RESOLVE_UNSATISFIABLE',
    );
  });
});

describe('apk verify', () => {
  it('prints apk’s `FILE: rc - result` lines and counts failures, with the checks of lupine verify', async () => {
    const apkFile = join(packages, 'x86_64', 'replayout-1.0.0-r0.apk');
    const index = join(packages, 'x86_64', 'APKINDEX.tar.gz');
    const ok = await runCli(['apk', '--keys-dir', packages, 'verify', apkFile, index]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, `${apkFile}: 0 - OK\n${index}: 0 - OK\n`);
    const untrusted = await runCli(['apk', '--keys-dir', vector('apk', 'db'), 'verify', apkFile]);
    assert.equal(untrusted.code, 1);
    assert.equal(untrusted.stdout, `${apkFile}: -126 - UNTRUSTED signature\n`);
    const quiet = await runCli(['apk', '-q', '--keys-dir', vector('apk', 'db'), 'verify', apkFile, index]);
    assert.equal(quiet.stdout, `${apkFile}\n${index}\n`);
  });
});

describe('apk --scripts runs package scripts in a bubblewrap chroot of the root', {
  skip: !existsSync('/lib64/ld-linux-x86-64.so.2') || !existsSync('/usr/bin/bwrap'),
}, () => {
  const base = tempRoot('apk-scripts');
  let repo: TestRepo;
  before(async () => {
    repo = await makeTestRepo(base);
    await repo.add([
      hostShellPackage(),
      {
        name: 'scripted',
        version: '1.0-r0',
        depends: ['hostsh'],
        files: [
          { path: 'etc', type: 'dir' },
          { path: 'etc/scripted.conf', type: 'file', data: Buffer.from('x') },
        ],
        scripts: { 'post-install': '#!/bin/sh\n[ -f /etc/scripted.conf ] && echo "post-install $1" >> /log\n' },
      },
    ]);
  });
  after(() => rmSync(base, { recursive: true, force: true }));
  const add = (root: string, ...extra: string[]) =>
    runCli(['apk', '--root', root, '-X', repo.dir, '--keys-dir', repo.keysDir, ...extra, 'add', 'scripted'], { env });

  it('stores scripts without running them by default', async () => {
    const root = join(base, 'stored');
    mkdirSync(root);
    const r = await add(root);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(join(root, 'log')));
    assert.match(readFileSync(join(root, 'lib/apk/db/scripts.tar')).toString('latin1'), /scripted-1\.0-r0\.Q1/);
  });

  it('runs them with --scripts', async () => {
    const root = join(base, 'run');
    mkdirSync(root);
    const r = await add(root, '--scripts');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(root, 'log'), 'utf8'), 'post-install 1.0-r0\n');
  });
});

describe("the root's own etc/apk/repositories (with @tag lines) and etc/apk/keys", () => {
  const base = tempRoot('apk-rootcfg');
  const root = join(base, 'root');
  let repo: TestRepo;
  before(async () => {
    repo = await makeTestRepo(base);
    await repo.add(packageGeneration(2, 1));
    mkdirSync(join(root, 'etc/apk/keys'), { recursive: true });
    writeFileSync(join(root, 'etc/apk/keys', repo.keyName), readFileSync(join(repo.keysDir, repo.keyName)));
    writeFileSync(join(root, 'etc/apk/repositories'), `# pinned only\n@testing ${repo.dir}\n`);
    writeFileSync(join(root, 'etc/apk/arch'), 'x86_64\n');
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('a tagged repository serves only world entries pinned to its tag', async () => {
    const plain = await runCli(['apk', '--root', root, 'add', 'lib00'], { env });
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /^ERROR: unable to select packages:\n {2}lib00-1\.0-r0:\n {4}masked in: @testing\n/);
    const pinned = await runCli(['apk', '--root', root, 'add', 'lib01@testing'], { env });
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.equal(
      pinned.stdout,
      '(1/2) Installing lib00@testing (1.0-r0)\n(2/2) Installing lib01@testing (1.0-r0)\nOK: 0 MiB in 2 packages\n',
    );
    assert.equal(readFileSync(join(root, 'etc/apk/world'), 'utf8'), 'lib01@testing\n');
    assert.match(readFileSync(join(root, 'lib/apk/db/installed'), 'utf8'), /^P:lib00\n(?:.*\n)*?s:testing\n/m);
    const policy = await runCli(['apk', '--root', root, 'policy', 'lib00'], { env });
    assert.equal(policy.stdout, `lib00 policy:\n  1.0-r0:\n    lib/apk/db/installed\n    @testing ${repo.dir}\n`);
  });
});

describe('add -t .build-deps: a dot-named virtual package, as apk users write it', () => {
  const base = tempRoot('apk-virtual');
  const root = join(base, 'root');
  let repo: TestRepo;
  const apk = (...args: string[]) =>
    runCli(['apk', '--root', root, '-X', repo.dir, '--keys-dir', repo.keysDir, '--arch', 'x86_64', ...args], {
      env,
    });
  before(async () => {
    repo = await makeTestRepo(base);
    await repo.add(packageGeneration(4, 1));
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('installs the virtual package and what it needs into a real root, and records it', async () => {
    const r = await apk('--initdb', 'add', '-t', '.build-deps', 'lib03');
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      '(1/5) Installing lib00 (1.0-r0)\n' +
        '(2/5) Installing lib01 (1.0-r0)\n' +
        '(3/5) Installing lib02 (1.0-r0)\n' +
        '(4/5) Installing lib03 (1.0-r0)\n' +
        '(5/5) Installing .build-deps (19700101.000000)\n' +
        'OK: 0 MiB in 5 packages\n',
    );
    // World pins the virtual package's version, as apk writes it.
    assert.equal(readFileSync(join(root, 'etc/apk/world'), 'utf8'), '.build-deps=19700101.000000\n');
    const db = parseInstalledDb(readFileSync(join(root, 'lib/apk/db/installed'), 'utf8'), 'installed');
    const virt = db.find((p) => p.info.name === '.build-deps');
    assert.ok(virt, 'the installed database holds .build-deps');
    assert.equal(virt.info.version, '19700101.000000');
    assert.deepEqual(virt.info.depends, ['lib03']);
    assert.equal(readFileSync(join(root, 'usr/share/lib03/data.txt'), 'utf8'), 'lib03 generation 1\n');
  });

  it('deleting the virtual package removes what only it needed', async () => {
    const r = await apk('del', '.build-deps');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      '(1/5) Purging .build-deps (19700101.000000)\n' +
        '(2/5) Purging lib03 (1.0-r0)\n' +
        '(3/5) Purging lib02 (1.0-r0)\n' +
        '(4/5) Purging lib01 (1.0-r0)\n' +
        '(5/5) Purging lib00 (1.0-r0)\n' +
        'OK: 0 MiB in 0 packages\n',
    );
    assert.equal(readFileSync(join(root, 'etc/apk/world'), 'utf8'), '\n');
    assert.ok(!existsSync(join(root, 'usr/share/lib03/data.txt')));
  });
});
