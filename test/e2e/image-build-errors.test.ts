/**
 * `image build` failures and output handling: --lockfile against `image lock`, never replacing a
 * directory that is not a layout, and bad configs (one clear message with a location, no output).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { baseEnv, layerEntries, makeRepo, standardConfig, standardPackages, standardWork } from './image-build-repo.js';

const fx = standardWork('lupine-image-errors-');
const { config, build } = fx;

describe('--lockfile', () => {
  test('installs what `image lock` wrote, and fails when the config no longer matches', async () => {
    const env = { ...baseEnv(), SOURCE_DATE_EPOCH: '1710000000' };
    const cfgPath = join(fx.work, 'locked.yaml');
    writeFileSync(cfgPath, config());
    const lock = await runCli(['image', 'lock', cfgPath, '--output', join(fx.work, 'locked.lock.json')], {
      cwd: fx.work,
      env,
    });
    assert.equal(lock.code, 0, lock.stderr);
    const free = await runCli(['image', 'build', cfgPath, 'a:1', join(fx.work, 'unlocked')], { cwd: fx.work, env });
    const locked = await runCli(
      ['image', 'build', cfgPath, 'a:1', join(fx.work, 'locked'), '--lockfile', join(fx.work, 'locked.lock.json')],
      { cwd: fx.work, env },
    );
    assert.equal(locked.code, 0, locked.stderr);
    assert.equal(locked.stdout, free.stdout);
    writeFileSync(cfgPath, config().replace('    - busybox\n', '    - busybox\n    - libfoo-extra\n'));
    const stale = await runCli(
      ['image', 'build', cfgPath, 'a:1', join(fx.work, 'stale'), '--lockfile', join(fx.work, 'locked.lock.json')],
      { cwd: fx.work, env },
    );
    assert.equal(stale.code, 3);
    assert.match(stale.stderr, /error\[IMAGE_LOCK_(STALE|MISMATCH)\]/);
    assert.equal(existsSync(join(fx.work, 'stale')), false);
  });
});

describe('repositories', () => {
  // apko's repositories are base URLs (`<repo>/<arch>/APKINDEX.tar.gz` below them): an index file
  // named directly is no repository, so no lock pointing at `…/APKINDEX.tar.gz/x86_64/…` is written.
  test('image lock and image build refuse a repository that names an APKINDEX.tar.gz: REPO_NOT_FOUND, nothing written', async () => {
    const env = { ...baseEnv(), SOURCE_DATE_EPOCH: '1710000000' };
    const cfgPath = join(fx.work, 'index-file.yaml');
    writeFileSync(
      cfgPath,
      config().replace(`    - ${fx.repo}\n`, `    - ${join(fx.repo, 'x86_64', 'APKINDEX.tar.gz')}\n`),
    );
    const lockFile = join(fx.work, 'index-file.lock.json');
    const lock = await runCli(['image', 'lock', cfgPath, '--output', lockFile], { cwd: fx.work, env });
    assert.equal(lock.code, 3, lock.stderr);
    assert.match(lock.stderr, /error\[REPO_NOT_FOUND\]/);
    assert.equal(existsSync(lockFile), false);
    const out = join(fx.work, 'index-file');
    const r = await build(readFileSync(cfgPath, 'utf8'), out, env);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /error\[REPO_NOT_FOUND\]/);
    assert.equal(existsSync(out), false);
  });
});

describe('outputs', () => {
  test('an existing directory that is not a layout is never replaced', async () => {
    const out = join(fx.work, 'not-a-layout');
    mkdirSync(out);
    writeFileSync(join(out, 'precious'), 'keep me');
    const r = await build(config(), out, { ...baseEnv(), SOURCE_DATE_EPOCH: '1710000000' });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /error\[IMAGE_BUILD_OUTPUT\]/);
    assert.equal(readFileSync(join(out, 'precious'), 'utf8'), 'keep me');
  });

  test('an existing layout is replaced as a whole', async () => {
    const out = join(fx.work, 'relayout');
    const env = { ...baseEnv(), SOURCE_DATE_EPOCH: '1710000000' };
    assert.equal((await build(config(), out, env)).code, 0);
    const second = await build(config().replace('FOO: bar', 'FOO: baz'), out, env);
    assert.equal(second.code, 0, second.stderr);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    assert.equal(`${index.manifests[0]?.digest}\n`, second.stdout);
    assert.equal(readdirSync(join(out, 'blobs', 'sha256')).length, 4, 'index, manifest, config, layer: no stale blobs');
  });
});

describe('hostile packages', () => {
  test("symlinks a package plants never lead the build's writes or reads to host files", async () => {
    const host = join(fx.work, 'host-secret');
    writeFileSync(host, 'secret line\n');
    const evilRepo = join(fx.work, 'evil-repo');
    const evilKey = await makeRepo(evilRepo, 'x86_64', [
      ...standardPackages('1.0.0-r0').filter((p) => p.name !== 'busybox'),
      {
        name: 'busybox',
        files: [
          { path: 'bin', type: 'dir' },
          { path: 'bin/busybox', type: 'file', data: Buffer.from('bb'), mode: 0o755 },
          { path: 'etc', type: 'dir' },
          { path: 'etc/lupine.json', type: 'symlink', linkname: host },
          { path: 'etc/busybox-paths.d', type: 'dir' },
          { path: 'etc/busybox-paths.d/busybox', type: 'symlink', linkname: host },
          { path: 'etc/ssl', type: 'dir' },
          { path: 'etc/ssl/certs', type: 'dir' },
          { path: 'etc/ssl/certs/ca-certificates.crt', type: 'symlink', linkname: host },
        ],
      },
    ]);
    const text = standardConfig(evilKey, evilRepo);
    const r = await build(text, join(fx.work, 'evil'), { ...baseEnv(), SOURCE_DATE_EPOCH: '1710000000' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(host, 'utf8'), 'secret line\n', 'the host file is untouched');
    const { layers } = layerEntries(join(fx.work, 'evil'));
    const entries = layers[0] as Map<string, { data: Buffer }>;
    const inside = host.slice(1);
    assert.match(
      entries.get(inside)?.data.toString() ?? '',
      /MIIBtest/,
      `writes land at the link target inside the image: ${[...entries.keys()].filter((k) => k.startsWith('tmp/')).join(' ')}`,
    );
    assert.equal(entries.has('secret line'), false, 'no applet named after a host file line');
  });
});

describe('bad configs', () => {
  const cases: [string, () => string, RegExp][] = [
    [
      'unknown key',
      () => config().replace('work-dir:', 'workdir:'),
      /:\d+:\d+: error\[IMAGE_CONFIG_UNKNOWN_KEY\].*workdir/,
    ],
    [
      'wrong type',
      () => config().replace('stop-signal: SIGTERM', 'stop-signal: [1]'),
      /:\d+:\d+: error\[IMAGE_CONFIG_TYPE\]/,
    ],
    [
      'missing package',
      () => config().replace('    - busybox', '    - nosuchpkg'),
      /cfg-.*\.yaml:\d+:7: error\[IMAGE_BUILD_UNRESOLVABLE\]: package 'nosuchpkg' is in no repository/,
    ],
    [
      'unsatisfiable constraints',
      () => config().replace('    - app\n', '    - app>2\n'),
      /cfg-.*\.yaml:\d+:7: error\[IMAGE_BUILD_UNRESOLVABLE\]: cannot resolve/,
    ],
    [
      'bad path entry',
      () =>
        config().replace(
          '    source: /usr/bin/app\n',
          '    source: /usr/bin/app\n  - path: /nope\n    type: permissions\n    permissions: 0o600\n',
        ),
      /cfg-.*\.yaml:\d+:\d+: error\[IMAGE_BUILD_PATH\]: paths: permissions \/nope/,
    ],
  ];
  for (const [name, text, want] of cases) {
    test(`${name}: one clear message with its location, and no output`, async () => {
      const out = join(fx.work, `bad-${name.replace(/ /g, '-')}`);
      const r = await build(text(), out, baseEnv());
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, want);
      assert.equal(r.stderr.match(/error\[/g)?.length, 1, r.stderr);
      assert.equal(existsSync(out), false);
      assert.deepEqual(
        readdirSync(fx.work).filter((n) => n.startsWith('.bad-')),
        [],
        'no temporary output left',
      );
    });
  }
});
