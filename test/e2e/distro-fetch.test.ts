/**
 * `lupine distro fetch` / `outdated` against a Debian source archive served from a local directory
 * (apt with its own configuration, APT_CONFIG: the real apt, no network): the orig tarball lands in
 * the source store, checked against the recipe, and so does Debian's packaging tarball (its patches)
 * when a second fetch names it; a recipe whose checksum differs from Debian's file
 * fails naming both sums and stores nothing; `outdated` names the newer upstream release; and with
 * the store filled, `lupine distro build` succeeds in a network namespace with no network at all.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPackage } from '../../src/apk/index.js';
import { runCli } from '../helpers/cli.js';
import { binLupine } from '../helpers/paths.js';
import { type GuestRepo, makeGuestRepo } from '../unit/pkg/run-guest-repo.js';

const has = (cmd: string, args: string[]) => spawnSync(cmd, args).status === 0;
const canApt = has('apt-get', ['--version']) && existsSync('/usr/lib/apt/apt-helper');
const canUnshare = process.getuid?.() === 0 && has('unshare', ['-n', 'true']) && has('bwrap', ['--version']);

/** A reproducible tarball of `dir` (its entries `names`) at `file`, and its sha256 and md5. */
function tarball(file: string, dir: string, names: string[], compress: string) {
  execFileSync('tar', [
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    compress,
    '-cf',
    file,
    '-C',
    dir,
    ...names,
  ]);
  const bytes = readFileSync(file);
  return {
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    md5: createHash('md5').update(bytes).digest('hex'),
  };
}

/**
 * A flat Debian source archive (file: URI) with foo 1.0-1 (its orig, and Debian's packaging with a
 * patch) and 1.1-1; apt configured for it alone.
 */
function localArchive(base: string): { aptConfig: string; sha256: string; debianSha256: string } {
  const repo = join(base, 'archive');
  mkdirSync(join(repo, 'src', 'foo-1.0'), { recursive: true });
  writeFileSync(join(repo, 'src', 'foo-1.0', 'README'), 'hello from a Debian orig\n');
  const orig = join(repo, 'foo_1.0.orig.tar.gz');
  execFileSync('tar', [
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '-czf',
    orig,
    '-C',
    join(repo, 'src'),
    'foo-1.0',
  ]);
  const bytes = readFileSync(orig);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const md5 = createHash('md5').update(bytes).digest('hex');
  mkdirSync(join(repo, 'src', 'debian', 'patches'), { recursive: true });
  writeFileSync(join(repo, 'src', 'debian', 'patches', 'series'), 'fix.patch\n');
  writeFileSync(
    join(repo, 'src', 'debian', 'patches', 'fix.patch'),
    '--- a/README\n+++ b/README\n@@ -1 +1 @@\n-hello from a Debian orig\n+hello, patched by Debian\n',
  );
  const deb = tarball(join(repo, 'foo_1.0-1.debian.tar.xz'), join(repo, 'src'), ['debian'], '-J');
  const stanza = (v: string, up: string, debian: boolean) => {
    const files = [`${md5} ${bytes.length} foo_${up}.orig.tar.gz`];
    const sums = [`${sha256} ${bytes.length} foo_${up}.orig.tar.gz`];
    if (debian) {
      files.push(`${deb.md5} ${deb.size} foo_${v}.debian.tar.xz`);
      sums.push(`${deb.sha256} ${deb.size} foo_${v}.debian.tar.xz`);
    }
    return `Package: foo\nBinary: foo\nVersion: ${v}\nMaintainer: t <t@example.com>\nArchitecture: any\nFormat: 3.0 (quilt)\nDirectory: .\nFiles:\n ${files.join('\n ')}\nChecksums-Sha256:\n ${sums.join('\n ')}\n`;
  };
  writeFileSync(join(repo, 'Sources'), `${stanza('1.0-1', '1.0', true)}\n${stanza('1.1-1', '1.1', false)}`);
  const etc = join(base, 'apt');
  mkdirSync(join(etc, 'lists', 'partial'), { recursive: true });
  mkdirSync(join(etc, 'cache'), { recursive: true });
  writeFileSync(join(etc, 'sources.list'), `deb-src [trusted=yes] file:${repo} ./\n`);
  const aptConfig = join(etc, 'apt.conf');
  writeFileSync(
    aptConfig,
    [
      `Dir::Etc::sourcelist "${join(etc, 'sources.list')}";`,
      `Dir::Etc::sourceparts "${join(etc, 'none')}";`,
      `Dir::State::Lists "${join(etc, 'lists')}";`,
      `Dir::Cache "${join(etc, 'cache')}";`,
      'APT::Sandbox::User "root";',
      '',
    ].join('\n'),
  );
  execFileSync('apt-get', ['update', '-qq'], { env: { ...process.env, APT_CONFIG: aptConfig }, stdio: 'ignore' });
  return { aptConfig, sha256, debianSha256: deb.sha256 };
}

const recipe = (name: string, sum: string) => `package:
  name: ${name}
  version: "1.0"
  epoch: 0
  description: built from a Debian orig tarball
  copyright:
    - license: MIT
vars:
  debian-source: foo=1.0-1
environment:
  contents:
    packages:
      - busybox
      - tar
pipeline:
  - uses: fetch
    with:
      uri: debian-orig:foo_1.0.orig.tar.gz
      expected-sha256: ${sum}
  - runs: |
      mkdir -p \${{targets.destdir}}/usr/share/${name}
      cp README \${{targets.destdir}}/usr/share/${name}/
`;

describe('lupine distro fetch / outdated: the source store from a Debian source archive', {
  skip: !canApt && 'needs apt',
}, () => {
  let repo: GuestRepo;
  let aptConfig = '';
  let sha256 = '';
  let debianSha256 = '';
  let env: Record<string, string | undefined> = {};
  let tree = '';
  let cache = '';
  before(async () => {
    repo = await makeGuestRepo('distro-fetch');
    ({ aptConfig, sha256, debianSha256 } = localArchive(repo.base));
    env = { ...process.env, APT_CONFIG: aptConfig, SOURCE_DATE_EPOCH: '0' };
    tree = join(repo.base, 'tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'foo.yaml'), recipe('foo', sha256));
    cache = join(repo.base, 'cache');
  });
  after(() => {
    if (repo) rmSync(repo.base, { recursive: true, force: true });
  });

  it('fills the store from the archive with apt, once', async () => {
    const r = await runCli(['distro', 'fetch', tree, '--cache-dir', cache], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^foo: debian \(Debian's orig, not repacked\): debian-orig:foo_1\.0\.orig\.tar\.gz$/m);
    const stored = join(cache, 'sources', 'sha256', sha256);
    assert.ok(!lstatSync(stored).isSymbolicLink(), 'the store keeps its own copy');
    assert.equal(createHash('sha256').update(readFileSync(stored)).digest('hex'), sha256);
    const again = await runCli(['distro', 'fetch', tree, '--cache-dir', cache], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /1 already stored, 0 from Debian's archive/);
  });

  it("fills Debian's packaging tarball (its patches) that a second fetch names, beside the orig", async () => {
    const patched = join(repo.base, 'patched-tree');
    mkdirSync(patched);
    const two = recipe('baz', sha256).replace(
      '  - runs: |\n',
      `  - uses: fetch\n    with:\n      uri: debian:foo_1.0-1.debian.tar.xz\n      expected-sha256: ${debianSha256}\n      strip-components: "0"\n  - runs: |\n`,
    );
    writeFileSync(join(patched, 'baz.yaml'), two);
    const c = join(repo.base, 'patched-cache');
    const r = await runCli(['distro', 'fetch', patched, '--cache-dir', c], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^baz: debian \(Debian's orig, not repacked\): debian-orig:foo_1\.0\.orig\.tar\.gz$/m);
    assert.match(
      r.stdout,
      /^baz: debian \(Debian's packaging: the patches Debian applies\): debian:foo_1\.0-1\.debian\.tar\.xz$/m,
    );
    const stored = join(c, 'sources', 'sha256', debianSha256);
    assert.equal(createHash('sha256').update(readFileSync(stored)).digest('hex'), debianSha256);
    assert.ok(existsSync(join(c, 'sources', 'sha256', sha256)), 'the orig too');
  });

  it("refuses Debian's file when it differs from the recipe's checksum, naming both", async () => {
    const bad = join(repo.base, 'bad-tree');
    mkdirSync(bad);
    const wrong = 'd'.repeat(64);
    writeFileSync(join(bad, 'bar.yaml'), recipe('bar', wrong));
    const badCache = join(repo.base, 'bad-cache');
    const r = await runCli(['distro', 'fetch', bad, '--cache-dir', badCache], { env });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /SOURCE_CHECKSUM_MISMATCH/);
    assert.match(
      r.stderr,
      new RegExp(`Debian's foo_1\\.0\\.orig\\.tar\\.gz .* have sha256 ${sha256}, the recipe expects ${wrong}`),
    );
    assert.ok(!existsSync(join(badCache, 'sources', 'sha256', wrong)));
    assert.ok(!existsSync(join(badCache, 'sources', 'sha256', sha256)));
  });

  it('lists the recipe whose Debian source has a newer upstream release', async () => {
    const r = await runCli(['distro', 'outdated', tree], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'foo 1.0 -> 1.1 (Debian 1.1-1)\n');
    assert.match(r.stderr, /1 of 1 recipes have a newer upstream release/);
  });

  it('builds with no network at all once the store is filled', {
    skip: !canUnshare && 'needs root, unshare and bwrap',
  }, () => {
    // lupine pkg build (a distro build needs the whole tree's packages): the same source store
    const args = (out: string, c: string) => [
      '-n',
      process.execPath,
      binLupine,
      'pkg',
      'build',
      join(tree, 'foo.yaml'),
      '--out-dir',
      out,
      '--cache-dir',
      c,
      '-r',
      repo.dir,
      '-k',
      repo.keysDir,
      '--signing-key',
      repo.keyFile,
      '--package-cache-dir',
      repo.packageCacheDir,
    ];
    // an empty store offline: the build stops before it starts, saying what to do
    const empty = spawnSync('unshare', args(join(repo.base, 'out-empty'), join(repo.base, 'cache-empty')), {
      encoding: 'utf8',
      env,
    });
    assert.notEqual(empty.status, 0);
    assert.match(empty.stderr + empty.stdout, /not in the source store/);
    const r = spawnSync('unshare', args(join(repo.base, 'out-offline'), cache), { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    const pkg = readPackage(readFileSync(join(repo.base, 'out-offline', 'x86_64', 'foo-1.0-r0.apk')));
    const readme = pkg.files.find((f) => f.name === 'usr/share/foo/README');
    assert.equal(readme?.content.toString(), 'hello from a Debian orig\n');
  });
});
