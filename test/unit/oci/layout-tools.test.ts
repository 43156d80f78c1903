import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildDockerArchive,
  hasBlob,
  listBlobs,
  readBlob,
  readLayout,
  selectManifest,
  writeDockerArchive,
  writeOciArchive,
} from '../../../src/oci/index.js';
import { readTar } from '../../../src/archive/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { assertGolden } from '../../helpers/golden.js';
import { makeImage, type TestImage, writeApkoStyleLayout, writeNestedLayout, writeSingleLayout } from './fixtures.js';

// Real tools read what we write: skopeo (oci:, oci-archive:, docker-archive:) and umoci.
function skopeo(...args: string[]): string {
  return execFileSync('skopeo', ['--insecure-policy', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${relative(dir, p)} ${st.size} ${st.mtimeMs} ${readFileSync(p).toString('base64').slice(0, 40)}`);
    }
  };
  walk(dir);
  return out;
}

describe('OCI layout and archives', () => {
  let tmp: string;
  let amd64: TestImage;
  let arm64: TestImage;
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'lupine-oci-layout-'));
    amd64 = await makeImage('x86_64');
    arm64 = await makeImage('aarch64');
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('round trip, idempotent rewrite, verified reads', async () => {
    const dir = join(tmp, 'single');
    await writeSingleLayout(dir, amd64);
    const first = snapshot(dir);
    assert.deepEqual(
      first.map((l) => l.split(' ')[0]),
      [
        'blobs/sha256/' + amd64.layer.digest.slice(7),
        'blobs/sha256/' + amd64.config.descriptor.digest.slice(7),
        'blobs/sha256/' + amd64.manifest.descriptor.digest.slice(7),
        'index.json',
        'oci-layout',
      ].sort(),
    );
    await writeSingleLayout(dir, amd64);
    assert.deepEqual(snapshot(dir), first, 'writing the same layout again changes nothing, leaves no temp files');
    const { index } = await readLayout(dir);
    assert.equal(index.manifests[0]?.digest, amd64.manifest.descriptor.digest);
    assert.deepEqual(await readBlob(dir, amd64.config.descriptor.digest), amd64.config.bytes);
    assert.deepEqual(
      await listBlobs(dir),
      [amd64.layer.digest, amd64.config.descriptor.digest, amd64.manifest.descriptor.digest].sort(),
    );
    assert.equal(await hasBlob(dir, arm64.layer.digest), false);
    await assertCode(() => readBlob(dir, arm64.layer.digest), 'OCI_BLOB_UNKNOWN');
    writeFileSync(join(dir, 'blobs', 'sha256', amd64.config.descriptor.digest.slice(7)), Buffer.from('tampered'));
    await assertCode(() => readBlob(dir, amd64.config.descriptor.digest), 'OCI_DIGEST_MISMATCH');
    await assertCode(() => readLayout(join(tmp, 'nothing-here')), 'OCI_LAYOUT_INVALID');
  });

  test('skopeo inspects and copies a single-image layout', () => {
    const dir = join(tmp, 'skopeo-single');
    return writeSingleLayout(dir, amd64).then(() => {
      const info = JSON.parse(skopeo('inspect', `oci:${dir}`)) as {
        Digest: string;
        Architecture: string;
        Os: string;
        Layers: string[];
      };
      assert.equal(info.Digest, amd64.manifest.descriptor.digest);
      assert.equal(info.Architecture, 'amd64');
      assert.equal(info.Os, 'linux');
      assert.deepEqual(info.Layers, [amd64.layer.digest]);
      assert.equal(skopeo('inspect', '--raw', `oci:${dir}:latest`), amd64.manifest.bytes.toString());
      assert.equal(skopeo('inspect', '--config', '--raw', `oci:${dir}:latest`), amd64.config.bytes.toString());
      const out = join(tmp, 'skopeo-single-dir');
      skopeo('copy', `oci:${dir}:latest`, `dir:${out}`);
      assert.deepEqual(readFileSync(join(out, 'manifest.json')), amd64.manifest.bytes);
      assert.deepEqual(readFileSync(join(out, amd64.layer.digest.slice(7))), amd64.layer.blob);
    });
  });

  test('skopeo reads a two-platform index (nested under index.json) and copies it whole', async () => {
    const dir = join(tmp, 'nested');
    const index = await writeNestedLayout(dir, [amd64, arm64]);
    assert.equal(skopeo('inspect', '--raw', `oci:${dir}:latest`), index.bytes.toString());
    const arm = JSON.parse(skopeo('--override-arch', 'arm64', 'inspect', `oci:${dir}:latest`)) as {
      Digest: string;
      Architecture: string;
      Layers: string[];
    };
    // skopeo reports the index digest and the chosen platform's image.
    assert.equal(arm.Digest, index.descriptor.digest);
    assert.equal(arm.Architecture, 'arm64');
    assert.deepEqual(arm.Layers, [arm64.layer.digest]);
    const out = join(tmp, 'nested-dir');
    skopeo('copy', '--all', `oci:${dir}:latest`, `dir:${out}`);
    // skopeo 1.9 re-serializes an index it copies (its OCI index type has no artifactType), but keeps
    // each image manifest byte for byte.
    const copied = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      manifests: { digest: string; platform: unknown }[];
    };
    assert.deepEqual(
      copied.manifests.map((m) => [m.digest, m.platform]),
      [amd64, arm64].map((i) => [i.manifest.descriptor.digest, i.entry.platform]),
    );
    for (const img of [amd64, arm64]) {
      assert.deepEqual(
        readFileSync(join(out, `${img.manifest.descriptor.digest.slice(7)}.manifest.json`)),
        img.manifest.bytes,
      );
      assert.deepEqual(readFileSync(join(out, img.layer.digest.slice(7))), img.layer.blob);
    }
    assert.equal((await selectManifest(dir, 'arm64')).digest, arm64.manifest.descriptor.digest);
  });

  test('oci-archive: deterministic, and skopeo reads it', async () => {
    const dir = join(tmp, 'archive-src');
    await writeSingleLayout(dir, amd64);
    const a = join(tmp, 'a.tar');
    const b = join(tmp, 'b.tar');
    await writeOciArchive(dir, a);
    await writeOciArchive(dir, b);
    assert.deepEqual(readFileSync(a), readFileSync(b));
    const listing = readTar(readFileSync(a)).items.map(
      ({ entry, data }) =>
        `${entry.mode.toString(8).padStart(4, '0')} ${entry.uid} ${entry.gid} ${entry.size} ${entry.type === 'file' ? createHash('sha256').update(data).digest('hex') : '-'} ${entry.name}`,
    );
    assertGolden('oci/oci-archive-listing.txt', `${listing.join('\n')}\n`);
    const info = JSON.parse(skopeo('inspect', `oci-archive:${a}`)) as { Digest: string };
    assert.equal(info.Digest, amd64.manifest.descriptor.digest);
  });

  test('docker-archive: skopeo reads config, tags and layers; copying it back keeps the diffid', async () => {
    const dir = join(tmp, 'docker-src');
    await writeApkoStyleLayout(dir, [amd64, arm64]);
    const file = join(tmp, 'docker.tar');
    await writeDockerArchive(dir, file, { arch: 'aarch64', repoTags: ['lupine.test/hello:v1-arm64'] });
    const info = JSON.parse(skopeo('inspect', `docker-archive:${file}`)) as {
      Architecture: string;
      RepoTags?: string[];
    };
    assert.equal(info.Architecture, 'arm64');
    assert.equal(skopeo('inspect', '--config', '--raw', `docker-archive:${file}`), arm64.config.bytes.toString());
    const names = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n').sort();
    assert.deepEqual(
      names,
      [`${arm64.layer.digest.slice(7)}.tar.gz`, 'manifest.json', 'repositories', arm64.config.descriptor.digest].sort(),
    );
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', file, 'manifest.json'], { encoding: 'utf8' }));
    assert.deepEqual(manifest, [
      {
        Config: arm64.config.descriptor.digest,
        RepoTags: ['lupine.test/hello:v1-arm64'],
        Layers: [`${arm64.layer.digest.slice(7)}.tar.gz`],
      },
    ]);
    const repositories = JSON.parse(execFileSync('tar', ['-xOf', file, 'repositories'], { encoding: 'utf8' }));
    assert.deepEqual(repositories, { 'lupine.test/hello': { 'v1-arm64': arm64.layer.digest.slice(7) } });
    const back = join(tmp, 'docker-back');
    skopeo('copy', `docker-archive:${file}`, `oci:${back}:x`);
    const cfg = JSON.parse(skopeo('inspect', '--config', '--raw', `oci:${back}:x`)) as {
      rootfs: { diff_ids: string[] };
    };
    assert.deepEqual(cfg.rootfs.diff_ids, [arm64.layer.diffId]);
    assert.deepEqual(
      buildDockerArchive([
        { config: arm64.config.bytes, layers: [arm64.layer.blob], repoTags: ['lupine.test/hello:v1-arm64'] },
      ]),
      readFileSync(file),
    );
  });

  test('umoci unpacks the image', async () => {
    const dir = join(tmp, 'umoci');
    await writeSingleLayout(dir, amd64, 'v1');
    const out = join(tmp, 'umoci-bundle');
    execFileSync('umoci', ['unpack', '--rootless', '--image', `${dir}:v1`, out], { stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(readFileSync(join(out, 'rootfs', 'bin', 'hello'), 'utf8'), '#!/bin/sh\necho hello from lupine\n');
    assert.equal(readFileSync(join(out, 'rootfs', 'etc', 'arch'), 'utf8'), 'x86_64\n');
    assert.equal(statSync(join(out, 'rootfs', 'bin', 'hello')).mode & 0o777, 0o755);
    const runtime = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { process: { args: string[] } };
    assert.deepEqual(runtime.process.args, ['/bin/hello']);
  });
});
