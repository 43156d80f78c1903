import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type HttpRequest,
  type HttpTransport,
  nodeTransport,
  parseReference,
  pullToLayout,
  pushLayout,
  RegistryClient,
  sha256Digest,
} from '../../src/oci/index.js';
import { assertCode } from '../helpers/assert-code.js';
import { startProxy, startRegistry, type TestProxy, type TestRegistry } from '../helpers/registry.js';
import { makeImage, type TestImage, writeApkoStyleLayout, writeNestedLayout } from '../unit/oci/fixtures.js';

// Pushes to a real CNCF distribution registry on 127.0.0.1 and reads back with skopeo.
function skopeo(...args: string[]): string {
  return execFileSync('skopeo', ['--insecure-policy', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const fast = { attempts: 8, baseDelayMs: 5, maxDelayMs: 50 };

/** A real transport that also records what was sent (method and Content-Range), to see chunking happen. */
function recordingTransport(): HttpTransport & { log: { method: string; range?: string; size: number }[] } {
  const inner = nodeTransport();
  const log: { method: string; range?: string; size: number }[] = [];
  return {
    log,
    send: (req: HttpRequest) => {
      const range = req.headers?.['content-range'];
      log.push({ method: req.method, ...(range ? { range } : {}), size: req.body?.length ?? 0 });
      return inner.send(req);
    },
    close: () => inner.close(),
  };
}

describe('registry push and pull (docker-registry on 127.0.0.1)', () => {
  let reg: TestRegistry;
  let tmp: string;
  let amd64: TestImage;
  let arm64: TestImage;
  let layout: string;
  let indexBytes: Buffer;
  const clients: RegistryClient[] = [];
  const client = (options: ConstructorParameters<typeof RegistryClient>[0] = {}) => {
    const c = new RegistryClient({ retry: fast, ...options });
    clients.push(c);
    return c;
  };

  before(async () => {
    reg = await startRegistry();
    tmp = mkdtempSync(join(tmpdir(), 'lupine-registry-e2e-'));
    amd64 = await makeImage('x86_64');
    arm64 = await makeImage('aarch64');
    layout = join(tmp, 'apko-style');
    await writeApkoStyleLayout(layout, [amd64, arm64]);
    indexBytes = readFileSync(join(layout, 'index.json'));
  });
  after(async () => {
    for (const c of clients) c.close();
    await reg?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('pushes a two-platform index; skopeo reads the same digests and bytes', async () => {
    const c = client();
    const r = await pushLayout(c, layout, parseReference(`${reg.host}/lupine/multi:v1`));
    assert.equal(r.digest, sha256Digest(indexBytes));
    assert.deepEqual(r.blobs, { existed: 0, mounted: 0, uploaded: 4 });
    assert.equal(r.manifests, 3);
    assert.equal(
      skopeo('inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/lupine/multi:v1`),
      indexBytes.toString(),
    );
    for (const img of [amd64, arm64]) {
      const ref = `docker://${reg.host}/lupine/multi@${img.manifest.descriptor.digest}`;
      assert.equal(skopeo('inspect', '--tls-verify=false', '--raw', ref), img.manifest.bytes.toString());
      const info = JSON.parse(skopeo('inspect', '--tls-verify=false', ref)) as {
        Digest: string;
        Layers: string[];
        Architecture: string;
      };
      assert.equal(info.Digest, img.manifest.descriptor.digest);
      assert.deepEqual(info.Layers, [img.layer.digest]);
      assert.equal(info.Architecture, img.entry.platform?.architecture);
    }
    const list = JSON.parse(
      skopeo('inspect', '--tls-verify=false', '--override-arch', 'arm64', `docker://${reg.host}/lupine/multi:v1`),
    ) as { Digest: string };
    assert.equal(list.Digest, r.digest);
  });

  test('a second push skips every blob; tags list; pull reproduces every byte', async () => {
    const c = client();
    const again = await pushLayout(c, layout, parseReference(`${reg.host}/lupine/multi:v2`));
    assert.deepEqual(again.blobs, { existed: 4, mounted: 0, uploaded: 0 });
    assert.deepEqual(await c.listTags({ registry: reg.host, repository: 'lupine/multi' }, 1), ['v1', 'v2']);
    const out = join(tmp, 'pulled');
    const pulled = await pullToLayout(c, parseReference(`${reg.host}/lupine/multi:v1`), out);
    assert.deepEqual(pulled.bytes, indexBytes);
    assert.equal(pulled.blobs.size, 6);
    for (const name of readdirSync(join(layout, 'blobs', 'sha256'))) {
      assert.deepEqual(
        readFileSync(join(out, 'blobs', 'sha256', name)),
        readFileSync(join(layout, 'blobs', 'sha256', name)),
      );
    }
    const head = await c.headManifest(parseReference(`${reg.host}/lupine/multi:v2`));
    assert.equal(head?.digest, again.digest);
  });

  test('chunked upload (PATCH with Content-Range) of a multi-chunk layer', async () => {
    // Incompressible padding so the gzip blob spans several 1 KiB chunks.
    const bigLayout = join(tmp, 'chunked');
    const img = await makeImage('armv7', 'oci', 5000);
    await writeNestedLayout(bigLayout, [img]);
    const t = recordingTransport();
    const c = client({ transport: t });
    const r = await pushLayout(c, bigLayout, parseReference(`${reg.host}/lupine/chunked:v1`), {
      chunkSize: 1024,
      concurrency: 1,
    });
    t.close();
    const patches = t.log.filter((l) => l.method === 'PATCH');
    assert.ok(img.layer.size > 3 * 1024, `layer is ${img.layer.size} bytes`);
    assert.equal(patches.length, Math.ceil(img.layer.size / 1024) + Math.ceil(img.config.bytes.length / 1024));
    assert.equal(patches[0]?.range, '0-1023');
    assert.equal(patches[1]?.range, '1024-2047');
    const info = JSON.parse(
      skopeo('inspect', '--tls-verify=false', `docker://${reg.host}/lupine/chunked@${img.manifest.descriptor.digest}`),
    ) as { Layers: string[] };
    assert.deepEqual(info.Layers, [img.layer.digest]);
    assert.deepEqual(
      await c.getBlob({ registry: reg.host, repository: 'lupine/chunked' }, img.layer.digest),
      img.layer.blob,
    );
    assert.equal(r.digest, sha256Digest(readFileSync(join(bigLayout, 'blobs', 'sha256', r.digest.slice(7)))));
  });

  test('cross-repository mount', async () => {
    const c = client();
    const repo = { registry: reg.host, repository: 'lupine/mounted' };
    const r = await c.pushBlob(repo, amd64.layer.blob, { mountFrom: 'lupine/multi' });
    assert.equal(r.outcome, 'mounted');
    assert.equal(await c.blobExists(repo, amd64.layer.digest), true);
    assert.equal(
      await c.mountBlob({ registry: reg.host, repository: 'lupine/mounted2' }, arm64.layer.digest, 'lupine/multi'),
      true,
    );
  });

  test('unknown manifests and blobs have their own codes', async () => {
    const c = client();
    const repo = { registry: reg.host, repository: 'lupine/multi' };
    await assertCode(() => c.getManifest(parseReference(`${reg.host}/lupine/multi:nope`)), 'OCI_MANIFEST_UNKNOWN');
    await assertCode(() => c.getBlob(repo, sha256Digest('absent')), 'OCI_BLOB_UNKNOWN');
    assert.equal(await c.headManifest(parseReference(`${reg.host}/lupine/multi:nope`)), undefined);
    // A manifest whose blobs are missing is refused by the registry.
    const orphan = await makeImage('s390x');
    await assertCode(
      () =>
        c.putManifest(
          parseReference(`${reg.host}/lupine/orphan:x`),
          orphan.manifest.bytes,
          orphan.manifest.descriptor.mediaType,
        ),
      'OCI_BLOB_UNKNOWN',
    );
  });

  describe('behind a faulty proxy (drops every 5th connection, 503 on every 7th request)', () => {
    let proxy: TestProxy;
    before(async () => {
      proxy = await startProxy(reg.port, { dropEvery: 5, fail503Every: 7 });
    });
    after(async () => {
      await proxy?.stop();
    });

    test('monolithic and chunked pushes complete intact', async () => {
      const c = client();
      const r = await pushLayout(c, layout, parseReference(`${proxy.host}/lupine/flaky:v1`), { concurrency: 1 });
      assert.equal(r.digest, sha256Digest(indexBytes));
      const noisy = await makeImage('ppc64le', 'oci', 6000);
      const second = join(tmp, 'flaky-chunked');
      await writeNestedLayout(second, [noisy, arm64]);
      const r2 = await pushLayout(c, second, parseReference(`${proxy.host}/lupine/flaky:v2`), {
        chunkSize: 1500,
        concurrency: 1,
      });
      assert.ok(proxy.stats.dropped >= 2, `dropped ${proxy.stats.dropped}`);
      assert.ok(proxy.stats.failed >= 2, `503s ${proxy.stats.failed}`);
      // Read back directly from the registry, not through the proxy.
      assert.equal(
        skopeo('inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/lupine/flaky:v1`),
        indexBytes.toString(),
      );
      const raw2 = skopeo('inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/lupine/flaky:v2`);
      assert.equal(sha256Digest(raw2), r2.digest);
      for (const img of [amd64, arm64, noisy]) {
        const ref = `docker://${reg.host}/lupine/flaky@${img.manifest.descriptor.digest}`;
        const info = JSON.parse(skopeo('inspect', '--tls-verify=false', ref)) as { Layers: string[] };
        assert.deepEqual(info.Layers, [img.layer.digest]);
      }
      const direct = client();
      assert.deepEqual(
        await direct.getBlob({ registry: reg.host, repository: 'lupine/flaky' }, noisy.layer.digest),
        noisy.layer.blob,
      );
    });

    test('a registry that never recovers fails with a bounded number of tries', async () => {
      const down = await startProxy(reg.port, { fail503Every: 1 });
      try {
        const c = client({ retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
        const err = await assertCode(
          () => c.getManifest(parseReference(`${down.host}/lupine/multi:v1`)),
          'OCI_REGISTRY_ERROR',
        );
        assert.match(err.message, /503/);
        assert.equal(down.stats.failed, 3);
      } finally {
        await down.stop();
      }
    });
  });

  describe('bearer tokens (a token-issuing proxy in front of the registry)', () => {
    let proxy: TestProxy;
    before(async () => {
      proxy = await startProxy(reg.port, { bearer: { user: 'tok-user', pass: 'tok-pass' } });
    });
    after(async () => {
      await proxy?.stop();
    });

    test('challenge, token endpoint with basic credentials, scoped tokens', async () => {
      const c = client({
        credentials: { get: async () => ({ kind: 'basic', username: 'tok-user', password: 'tok-pass' }) },
      });
      const r = await pushLayout(c, layout, parseReference(`${proxy.host}/lupine/bearer:v1`));
      assert.equal(r.digest, sha256Digest(indexBytes));
      assert.ok(proxy.stats.tokens >= 1);
      assert.deepEqual(await c.listTags({ registry: proxy.host, repository: 'lupine/bearer' }), ['v1']);
      const anon = client();
      await assertCode(() => anon.getManifest(parseReference(`${proxy.host}/lupine/bearer:v1`)), 'OCI_UNAUTHORIZED');
      const wrong = client({
        credentials: { get: async () => ({ kind: 'basic', username: 'tok-user', password: 'nope' }) },
      });
      await assertCode(() => wrong.getManifest(parseReference(`${proxy.host}/lupine/bearer:v1`)), 'OCI_UNAUTHORIZED');
    });
  });
});
