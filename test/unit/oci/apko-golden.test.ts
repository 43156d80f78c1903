import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  Annotation,
  buildImageConfig,
  buildIndex,
  buildManifest,
  encodeIndex,
  encodeManifest,
  imageConfigFields,
  encodeJson,
  indexEntry,
  layerFromTar,
  MediaType,
  OCI_LAYOUT_FILE,
  parseImageConfig,
  parseIndex,
  parseManifest,
  platformFor,
  sha256Digest,
} from '../../../src/oci/index.js';
import { vector } from '../../helpers/paths.js';

// apko's golden OCI layout: rebuilding each JSON document from its parsed content must give the same
// bytes (and so the same digest), which shows our canonical JSON matches go-containerregistry's.
const golden = vector('apko', 'golden-testdata', 'golden');
const blob = (hex: string) => readFileSync(join(golden, 'blobs', 'sha256', hex));
const indexBytes = readFileSync(join(golden, 'index.json'));

describe('apko golden layout', () => {
  test('oci-layout bytes match', () => {
    assert.deepEqual(readFileSync(join(golden, 'oci-layout')), OCI_LAYOUT_FILE);
  });

  test('index.json re-encodes byte for byte', () => {
    const ix = parseIndex(indexBytes);
    assert.equal(ix.manifests.length, 2);
    assert.deepEqual(encodeIndex(ix), indexBytes);
  });

  const index = parseIndex(indexBytes);
  for (const m of index.manifests) {
    const arch = m.platform?.architecture ?? '?';
    test(`${arch}: manifest and config re-encode byte for byte`, () => {
      const mBytes = blob(m.digest.slice(7));
      assert.equal(sha256Digest(mBytes), m.digest);
      const manifest = parseManifest(mBytes);
      assert.deepEqual(encodeManifest(manifest), mBytes);
      const cBytes = blob(manifest.config.digest.slice(7));
      const config = parseImageConfig(cBytes);
      assert.deepEqual(encodeJson(imageConfigFields(config)), cBytes);
      assert.equal(buildImageConfig(config).descriptor.digest, manifest.config.digest);
    });

    test(`${arch}: the layer's diffid is the config's diff_id`, async () => {
      const manifest = parseManifest(blob(m.digest.slice(7)));
      const config = parseImageConfig(blob(manifest.config.digest.slice(7)));
      const layerBlob = blob((manifest.layers[0]?.digest ?? '').slice(7));
      const layer = await layerFromTar(gunzipSync(layerBlob));
      assert.equal(layer.diffId, config.rootfs.diff_ids[0]);
      assert.equal(layer.mediaType, manifest.layers[0]?.mediaType);
    });
  }

  test('the whole index rebuilt from scratch has apko digest', () => {
    const created = '1970-01-01T00:00:00Z';
    const annotations = { [Annotation.created]: created, [Annotation.title]: 'Title', [Annotation.vendor]: 'Vendor' };
    const entries = [];
    for (const [apkArch, layerHex] of [
      ['x86_64', 'c7557730da0e2d7fb242d8d1ac6dcf7e3a2439732aa5981270b4f3a02454b738'],
      ['aarch64', '7e0f9d62f6cab4785e18a55f17d03f20ffb776881f1f46258efd9458f7cdaf08'],
    ] as const) {
      const layerBytes = blob(layerHex);
      const platform = platformFor(apkArch);
      const config = buildImageConfig({
        architecture: platform.architecture,
        author: 'github.com/chainguard-dev/apko',
        created,
        history: [{ author: 'apko', created, created_by: 'apko', comment: 'Title by Vendor' }],
        os: platform.os,
        rootfs: { type: 'layers', diff_ids: [sha256Digest(gunzipSync(layerBytes))] },
        config: {
          Entrypoint: ['/bin/sh', '-l'],
          Env: [
            'PATH=/usr/local/sbin:/usr/local/bin:/usr/bin:/usr/sbin:/sbin:/bin',
            'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
          ],
          Labels: annotations,
        },
      });
      const manifest = buildManifest({
        config: config.descriptor,
        layers: [{ mediaType: MediaType.ociLayerGzip, size: layerBytes.length, digest: sha256Digest(layerBytes) }],
        annotations,
      });
      entries.push(indexEntry(manifest, platform));
    }
    const ix = buildIndex({ manifests: entries, annotations });
    assert.equal(ix.descriptor.digest, sha256Digest(indexBytes));
    assert.deepEqual(ix.bytes, indexBytes);
  });

  test('every golden blob is accounted for', () => {
    const names = readdirSync(join(golden, 'blobs', 'sha256')).sort();
    assert.equal(names.length, 6);
    for (const n of names) assert.equal(sha256Digest(blob(n)), `sha256:${n}`);
  });
});
