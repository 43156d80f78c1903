/**
 * The read-only applets on a real root, printed as apk-tools 2.14 prints them: `info -L/-W/-a/-s`,
 * `dot --installed` through provided (`so:`) names, and `--keys-dir` resolved inside `--root`. The
 * root is made from the apk-tools-behaviour B1 scenario's signed repository (read in place).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { humanSize } from '../../src/cli/commands/apk/info.js';
import { runCli } from '../helpers/cli.js';
import { vector } from '../helpers/paths.js';

const scenario = vector('apk-tools-behaviour', 'root', 'B1-config-del');
const keys = join(scenario, 'keys');
const repo = join(scenario, 'repo');
const env = { PATH: process.env.PATH, SOURCE_DATE_EPOCH: '0' };

test('installed sizes are rounded as apk_get_human_size does', () => {
  assert.equal(humanSize(0), '0 B');
  assert.equal(humanSize(60), '60 B');
  assert.equal(humanSize(9999), '9999 B');
  assert.equal(humanSize(10000), '9 KiB');
  assert.equal(humanSize(1048576), '1024 KiB');
  assert.equal(humanSize(10239999), '9999 KiB');
  assert.equal(humanSize(10485759), '9 MiB');
  assert.equal(humanSize(10485760), '10 MiB');
  assert.equal(humanSize(10240 * 1024 * 1024), '10 GiB');
});

describe('a root with foo installed from a signed repository', () => {
  const base = mkdtempSync(join(tmpdir(), 'lupine-apk-info-'));
  const root = join(base, 'root');
  const apk = (...args: string[]) => runCli(['apk', '--root', root, ...args], { env, cwd: base });
  before(async () => {
    mkdirSync(root);
    assert.equal((await apk('--initdb', 'add')).code, 0);
    const r = await apk('--keys-dir', keys, '-X', repo, 'add', 'foo');
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('info -L lists the files foo owns', async () => {
    const r = await apk('info', '-L', 'foo');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'foo-1.0-r0 contains:\netc/bar.conf\netc/baz.conf\netc/foo.conf\nusr/bin/foo\n\n');
    const v = await apk('-v', 'info', '-L', 'foo');
    assert.equal(v.stdout, 'foo: etc/bar.conf\nfoo: etc/baz.conf\nfoo: etc/foo.conf\nfoo: usr/bin/foo\n\n');
  });

  it('info -W names the owner of each path, and counts the paths nobody owns', async () => {
    const r = await apk('info', '-W', '/etc/foo.conf', 'usr/bin/foo', '/etc/nothing');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '/etc/foo.conf is owned by foo-1.0-r0\nusr/bin/foo is owned by foo-1.0-r0\n');
    assert.equal(r.stderr, 'ERROR: /etc/nothing: Could not find owner package\n');
    const q = await apk('-q', 'info', '-W', '/etc/foo.conf', '/usr/bin/foo');
    assert.equal(q.code, 0, q.stderr);
    assert.equal(q.stdout, 'foo\n');
  });

  it('info -a prints every section of an installed package, in apk order', async () => {
    const r = await apk('info', '-a', 'foo');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'foo-1.0-r0 description:\ntest package foo\n\n',
        'foo-1.0-r0 webpage:\nhttps://example.invalid/\n\n',
        'foo-1.0-r0 installed size:\n60 B\n\n',
        'foo-1.0-r0 depends on:\n\n',
        'foo-1.0-r0 provides:\n\n',
        'foo-1.0-r0 is required by:\n\n',
        'foo-1.0-r0 contains:\netc/bar.conf\netc/baz.conf\netc/foo.conf\nusr/bin/foo\n\n',
        'foo-1.0-r0 triggers:\n\n',
        'foo-1.0-r0 has auto-install rule:\n\n',
        'foo-1.0-r0 affects auto-installation of:\n\n',
        'foo-1.0-r0 replaces:\n\n',
        'foo-1.0-r0 license:\nMIT\n\n',
      ].join(''),
    );
  });

  it('search without any repository configured finds installed packages', async () => {
    const r = await apk('search', 'fo');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'foo-1.0-r0\n');
    assert.equal((await apk('-q', 'search', 'fo')).stdout, 'foo\n');
    assert.equal((await apk('-v', 'search', 'fo')).stdout, 'foo-1.0-r0 - test package foo\n');
  });

  it('search -e and -x (--exact) match the whole name, as apk 2.14 (APK_OPT_S2("ex"))', async () => {
    for (const flag of ['-e', '-x', '--exact']) {
      const whole = await apk('search', flag, 'foo');
      assert.equal(whole.code, 0, whole.stderr);
      assert.equal(whole.stdout, 'foo-1.0-r0\n');
      const part = await apk('search', flag, 'fo');
      assert.equal(part.code, 0, part.stderr);
      assert.equal(part.stdout, '');
    }
  });

  it('info of a name nothing provides prints nothing and fails', async () => {
    const r = await apk('info', 'nosuchpackage');
    assert.equal(r.stdout, '');
    assert.equal(r.code, 1);
  });

  it('a relative --keys-dir is looked up inside the root, not the working directory', async () => {
    cpSync(keys, join(root, 'trusted'), { recursive: true });
    // The working directory holds no `trusted` folder: only ROOT/trusted can verify the index.
    const r = await apk('--keys-dir', 'trusted', '-X', repo, '--simulate', 'add', 'foo');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'OK: 0 MiB in 1 packages\n');
    const missing = await apk('--keys-dir', 'elsewhere', '-X', repo, '--simulate', 'add', 'foo');
    assert.notEqual(missing.code, 0);
  });
});

describe('dot and info over an installed database with so: dependencies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lupine-apk-dot-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'installed'),
    [
      'C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:musl\nV:1.2.4-r2\nS:1\nI:646000\np:so:libc.musl-x86_64.so.1=1\n',
      'C:Q1BBBBBBBBBBBBBBBBBBBBBBBBBBB=\nP:app\nV:1-r0\nS:1\nI:1\nD:so:libc.musl-x86_64.so.1 helper\ni:musl\n',
      'C:Q1CCCCCCCCCCCCCCCCCCCCCCCCCCC=\nP:helper\nV:2-r0\nS:1\nI:1\nD:musl\n',
      '',
    ].join('\n'),
  );
  const apk = (...args: string[]) => runCli(['apk', '--test-instdb', 'installed', ...args], { env, cwd: dir });

  test('dot --installed follows a so: name to the package providing it', async () => {
    const r = await apk('dot', '--installed', 'app');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      'digraph "apkindex" {\n  rankdir=LR;\n  node [shape=box];\n' +
        '  "app-1-r0" -> "musl-1.2.4-r2"[arrowhead=inv,label="so:libc.musl-x86_64.so.1",];\n' +
        '  "helper-2-r0" -> "musl-1.2.4-r2"[];\n' +
        '  "app-1-r0" -> "helper-2-r0"[];\n' +
        '}\n',
    );
  });

  test('dot of a package without dependencies prints no graph and fails', async () => {
    const r = await apk('dot', '--installed', 'musl');
    assert.equal(r.stdout, '');
    assert.equal(r.code, 1);
  });

  test('info sections read through provided names and install_if', async () => {
    const r = await apk('info', '-r', '-s', '--rinstall-if', 'musl');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      'musl-1.2.4-r2 installed size:\n630 KiB\n\n' +
        'musl-1.2.4-r2 is required by:\napp-1-r0\nhelper-2-r0\n\n' +
        'musl-1.2.4-r2 affects auto-installation of:\napp-1-r0\n\n',
    );
    const so = await apk('info', 'so:libc.musl-x86_64.so.1');
    assert.equal(
      so.stdout,
      'musl-1.2.4-r2 description:\n\n\nmusl-1.2.4-r2 webpage:\n\n\nmusl-1.2.4-r2 installed size:\n630 KiB\n\n',
    );
  });
});

describe('a root whose installed database has triggers and replaces', () => {
  const root = mkdtempSync(join(tmpdir(), 'lupine-apk-trig-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'lib/apk/db'), { recursive: true });
  writeFileSync(
    join(root, 'lib/apk/db/installed'),
    'C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:mandoc\nV:1.14-r0\nS:1\nI:20480\nr:man-db\n' +
      'F:usr\nF:usr/bin\nR:lupine-test-man\nZ:Q1uNTSeVFu7KxA0VJAb5k5h9zMpPE=\n\n',
  );
  writeFileSync(
    join(root, 'lib/apk/db/triggers'),
    'Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA= /usr/share/man* /usr/local/share/man*\n',
  );
  const apk = (...args: string[]) => runCli(['apk', '--root', root, ...args], { env, cwd: root });

  test('info -t and --replaces read the triggers and installed databases', async () => {
    const r = await apk('info', '-t', '--replaces', '-s', 'mandoc');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      'mandoc-1.14-r0 installed size:\n20 KiB\n\n' +
        'mandoc-1.14-r0 triggers:\n/usr/share/man*\n/usr/local/share/man*\n\n' +
        'mandoc-1.14-r0 replaces:\nman-db\n\n',
    );
    const v = await apk('-v', 'info', '-t', 'mandoc');
    assert.equal(v.stdout, 'mandoc: trigger /usr/share/man*\nmandoc: trigger /usr/local/share/man*\n\n');
  });

  test('info -W through a symlink names the owner of its absolute target', async () => {
    // The target exists only in the root, so resolving the argument on the host fails and apk reads
    // the link inside the root instead.
    symlinkSync('/usr/bin/lupine-test-man', join(root, 'manlink'));
    const r = await apk('info', '-W', 'manlink');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'manlink symlink target is owned by mandoc-1.14-r0\n');
  });
});
