/**
 * Image builds from packages made in the test: reproducibility (same SOURCE_DATE_EPOCH → same index
 * digest at different wall-clock times; a changed package → a different one), the filesystem steps
 * (accounts, paths, busybox links, certificates, layering) and bad configs (one clear message with a
 * location, no output left behind).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readTar, type TarEntry } from '../../src/archive/index.js';
import { baseEnv, layerEntries, makeRepo, standardConfig, standardPackages, standardWork } from './image-build-repo.js';

const fx = standardWork('lupine-image-repro-');
const { config, build } = fx;

describe('reproducible builds', () => {
  test('same SOURCE_DATE_EPOCH at different wall-clock times gives the same index digest', async () => {
    const env = { ...baseEnv(), SOURCE_DATE_EPOCH: '1710000000' };
    const a = await build(config(), join(fx.work, 'r1'), env);
    assert.equal(a.code, 0, a.stderr);
    await sleep(1100);
    const b = await build(config(), join(fx.work, 'r2'), env);
    assert.equal(b.code, 0, b.stderr);
    assert.match(a.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(a.stdout, b.stdout);
    assert.equal(
      readFileSync(join(fx.work, 'r1', 'index.json'), 'utf8'),
      readFileSync(join(fx.work, 'r2', 'index.json'), 'utf8'),
    );
    const { cfg } = layerEntries(join(fx.work, 'r1'));
    assert.equal(cfg.created, '2024-03-09T16:00:00Z');
  });

  test('a changed package gives a different digest (same config text, same wall-clock time)', async () => {
    const env = { ...baseEnv(), SOURCE_DATE_EPOCH: '1710000000' };
    // One repository directory whose app package is replaced between the builds.
    const repoC = join(fx.work, 'repo-c');
    const keyC = await makeRepo(repoC, 'x86_64', standardPackages('1.0.0-r0'));
    const text = standardConfig(keyC, repoC);
    const first = await build(text, join(fx.work, 'c1'), env);
    const again = await build(text, join(fx.work, 'c1-again'), env);
    assert.equal(again.stdout, first.stdout);
    await makeRepo(repoC, 'x86_64', standardPackages('1.0.1-r0'));
    const changed = await build(text, join(fx.work, 'c2'), env);
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.notEqual(changed.stdout, first.stdout);
    const world = (layerEntries(join(fx.work, 'c2')).layers[0] as Map<string, { data: Buffer }>).get('etc/apk/world');
    assert.match(world?.data.toString() ?? '', /^app=1\.0\.1-r0$/m);
  });

  test('without SOURCE_DATE_EPOCH, created is the newest package build date', async () => {
    const r = await build(config(), join(fx.work, 'nodate'), baseEnv());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(layerEntries(join(fx.work, 'nodate')).cfg.created, '2023-11-14T22:13:20Z');
  });
});

describe('the assembled filesystem', () => {
  let entries: Map<string, { e: TarEntry; data: Buffer }>;
  let cfg: { config: Record<string, unknown> };
  before(async () => {
    const r = await build(config(), join(fx.work, 'fs'), { ...baseEnv(), SOURCE_DATE_EPOCH: '1710000000' });
    assert.equal(r.code, 0, r.stderr);
    const got = layerEntries(join(fx.work, 'fs'));
    entries = got.layers[0] as typeof entries;
    cfg = got.cfg;
  });

  test('the image config maps entrypoint, cmd, env, run-as, work-dir, volumes and stop-signal', () => {
    assert.deepEqual(cfg.config.Entrypoint, ['/usr/bin/app', '--serve']);
    assert.deepEqual(cfg.config.Cmd, ['-v']);
    assert.deepEqual(cfg.config.Env, [
      'FOO=bar',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/bin:/usr/sbin:/sbin:/bin',
      'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
    ]);
    assert.equal(cfg.config.User, '1000');
    assert.equal(cfg.config.WorkingDir, '/home/svc');
    assert.deepEqual(cfg.config.Volumes, { '/data': {} });
    assert.equal(cfg.config.StopSignal, 'SIGTERM');
  });

  test('accounts are merged into the baselayout files, with a locked shadow entry and a home', () => {
    const text = (p: string) => entries.get(p)?.data.toString('utf8');
    assert.equal(
      text('etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/false\nsvc:x:1000:1000:Account created by apko:/home/svc:/bin/sh\n',
    );
    assert.equal(text('etc/group'), 'root:x:0:\nnonroot:x:65532:\nsvc:x:1000:\n');
    assert.equal(text('etc/shadow'), 'svc:!:::::::\n');
    const home = entries.get('home/svc')?.e;
    assert.deepEqual([home?.type, home?.mode, home?.uid, home?.gid], ['dir', 0o700, 1000, 1000]);
  });

  test('world is pinned, the db is apko-style, paths and busybox links are applied', () => {
    assert.equal(
      entries.get('etc/apk/world')?.data.toString(),
      'app=1.0.0-r0\nbusybox=1.0.0-r0\nlibfoo=1.0.0-r0\ntest-baselayout=1.0.0-r0\n',
    );
    const db = entries.get('usr/lib/apk/db/installed')?.data.toString() ?? '';
    assert.deepEqual(
      [...db.matchAll(/^P:(.*)$/gm)].map((m) => m[1]),
      ['test-baselayout', 'libfoo', 'app', 'busybox'],
    );
    const data = entries.get('data')?.e;
    assert.deepEqual([data?.type, data?.mode, data?.uid, data?.gid], ['dir', 0o750, 1000, 1000]);
    const link = entries.get('usr/bin/app-link')?.e;
    assert.deepEqual([link?.type, link?.linkname], ['symlink', '/usr/bin/app']);
    assert.equal(entries.get('usr/bin/app')?.e.mode, 0o755, 'a symlink mutation leaves its target alone');
    for (const p of ['bin/sh', 'bin/ls', 'usr/bin/env']) {
      assert.equal(entries.get(p)?.e.linkname, '/bin/busybox', p);
    }
    assert.equal(entries.has('bin/cat'), false, 'busybox-paths.d is the list, not the built-in table');
  });

  test('additional certificates go to the bundle with a sidecar and take the build date', () => {
    const bundle = entries.get('etc/ssl/certs/ca-certificates.crt');
    assert.match(bundle?.data.toString() ?? '', /MIIBtest/);
    assert.equal(bundle?.e.mtime, 1710000000);
    const local = [...entries.keys()].filter((p) => p.startsWith('usr/local/share/ca-certificates/test-ca-'));
    assert.equal(local.length, 1);
    assert.match(entries.get('etc/ssl/certs/.ca-certificates.crt.sha256')?.data.toString() ?? '', /^[0-9a-f]{64}\n$/);
  });

  test('scripts are stored in scripts.tar, never run', () => {
    assert.equal(entries.has('script-ran'), false);
    const scripts = readTar(entries.get('usr/lib/apk/db/scripts.tar')?.data ?? Buffer.alloc(0)).items;
    assert.deepEqual(
      scripts.map((i) => i.entry.name.replace(/\.Q1[^.]*\./, '.Q1….')),
      ['app-1.0.0-r0.Q1….post-install'],
    );
    assert.equal(scripts[0]?.data.toString(), '#!/bin/sh\ntouch /script-ran\n');
    assert.equal(scripts[0]?.entry.mtime, 1710000000, 'mtime = SOURCE_DATE_EPOCH');
  });

  test("a package file's extended attributes are in the layer", () => {
    assert.deepEqual(entries.get('usr/lib/libfoo.so.1')?.e.xattrs, {
      'security.capability': Buffer.from([1, 0, 0, 2]),
    });
  });

  test('package files keep their mtimes; synthesized files and directories get 0', () => {
    assert.equal(entries.get('usr/bin/app')?.e.mtime, 1700000000);
    assert.equal(entries.get('etc/passwd')?.e.mtime, 0, 'rewritten by accounts');
    assert.equal(entries.get('usr/bin')?.e.mtime, 0);
    assert.equal(entries.get('etc/apk/world')?.e.mtime, 0);
  });

  test('layering by origin splits packages into layers and keeps every entry', async () => {
    const r = await build(config('layering:\n  strategy: origin\n  budget: 3\n'), join(fx.work, 'layered'), {
      ...baseEnv(),
      SOURCE_DATE_EPOCH: '1710000000',
    });
    assert.equal(r.code, 0, r.stderr);
    const { layers } = layerEntries(join(fx.work, 'layered'));
    assert.equal(layers.length, 4, '2 origin layers, 1 overflow, 1 top');
    const files = (l: Map<string, unknown>) => [...l.keys()];
    const owner = (p: string) => layers.findIndex((l) => l.has(p));
    // foo (libfoo + libfoo-extra? only libfoo is installed) and app are the two largest origins.
    assert.notEqual(owner('usr/bin/app'), owner('usr/lib/libfoo.so.1'));
    assert.equal(owner('etc/passwd'), layers.length - 1, 'files no package owns are on top');
    const all = new Set(layers.flatMap(files));
    for (const p of entries.keys()) assert.ok(all.has(p), p);
  });
});

const pem = () => readFileSync(fx.key, 'utf8');

describe('service bundles and runtime keys', () => {
  test('type service-bundle adds s6, writes /sv/<name>/run and runs s6-svscan; runtime_keyring lands in /etc/apk/keys', async () => {
    const text = config()
      .replace(
        'entrypoint:\n  command: /usr/bin/app --serve\n',
        'entrypoint:\n  type: service-bundle\n  services:\n    web: /usr/bin/app --serve\n',
      )
      .replace(
        '  repositories:\n',
        `  runtime_keyring:\n    - name: runtime.rsa.pub\n      content: |\n${pem()
          .trimEnd()
          .split('\n')
          .map((l) => `        ${l}`)
          .join('\n')}\n  repositories:\n`,
      );
    const r = await build(text, join(fx.work, 's6'), { ...baseEnv(), SOURCE_DATE_EPOCH: '1710000000' });
    assert.equal(r.code, 0, r.stderr);
    const { cfg, layers } = layerEntries(join(fx.work, 's6'));
    const entries = layers[0] as Map<string, { e: TarEntry; data: Buffer }>;
    assert.deepEqual(cfg.config.Entrypoint, ['/bin/s6-svscan', '/sv']);
    assert.ok(entries.has('bin/s6-svscan'));
    const run = entries.get('sv/web/run');
    assert.equal(run?.data.toString(), '#!/bin/execlineb\n/usr/bin/app --serve\n');
    assert.equal(run?.e.mode, 0o755);
    assert.equal(entries.get('etc/apk/keys/runtime.rsa.pub')?.data.toString(), pem());
  });
});

describe('SBOMs', () => {
  test('list every installed package with its purl, origin and license, per arch and for the index', async () => {
    const r = await build(config(), join(fx.work, 'sbom-image'), { ...baseEnv(), SOURCE_DATE_EPOCH: '1710000000' }, [
      '--sbom-path',
      join(fx.work, 'sboms'),
      '--sbom-formats',
      'spdx,cyclonedx',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const spdx = JSON.parse(readFileSync(join(fx.work, 'sboms', 'sbom-x86_64.spdx.json'), 'utf8')) as {
      packages: { name: string; licenseDeclared?: string; externalRefs?: { referenceLocator: string }[] }[];
      documentNamespace: string;
    };
    const purls = spdx.packages.flatMap((p) => (p.externalRefs ?? []).map((e) => e.referenceLocator));
    for (const name of ['app', 'busybox', 'test-baselayout']) {
      assert.ok(
        purls.includes(`pkg:apk/lupinetest/${name}@1.0.0-r0?arch=x86_64&distro=lupinetest-1.0`),
        `${name} in ${purls.join(' ')}`,
      );
    }
    // An origin other than the name is carried as `upstream`.
    assert.ok(purls.includes('pkg:apk/lupinetest/libfoo@1.0.0-r0?arch=x86_64&distro=lupinetest-1.0&upstream=foo'));
    const index = JSON.parse(readFileSync(join(fx.work, 'sboms', 'sbom-index.spdx.json'), 'utf8')) as {
      documentNamespace: string;
    };
    assert.notEqual(index.documentNamespace, spdx.documentNamespace);
    const cdx = JSON.parse(readFileSync(join(fx.work, 'sboms', 'sbom-x86_64.cdx.json'), 'utf8')) as {
      components: { purl?: string }[];
    };
    assert.equal(cdx.components.filter((c) => c.purl?.startsWith('pkg:apk/')).length, 4);
  });
});
