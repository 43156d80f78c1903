import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  apkArch,
  buildImageConfig,
  buildIndex,
  buildManifest,
  encodeJson,
  fields,
  indexEntry,
  knownApkArches,
  MediaType,
  parseImageConfig,
  parseIndex,
  parseManifest,
  platformFor,
  platformString,
  rfc3339,
  sha256Digest,
  sortedObject,
} from '../../../src/oci/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { assertGolden } from '../../helpers/golden.js';

const d = (s: string) => sha256Digest(s);

function sampleConfig(flavor: 'oci' | 'docker') {
  return buildImageConfig(
    {
      architecture: 'arm',
      variant: 'v7',
      author: 'lupine',
      created: rfc3339(new Date(1700000000123)),
      history: [
        { created: '2023-11-14T22:13:20Z', created_by: 'lupine', comment: 'layer 1' },
        { created_by: 'lupine', empty_layer: true },
      ],
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [d('a'), d('b')] },
      config: {
        Cmd: ['/bin/sh'],
        Entrypoint: ['/usr/bin/tini', '--'],
        Env: ['PATH=/usr/bin:/bin', 'A=<&>'],
        Labels: { 'z.label': 'last', 'a.label': 'first', '10': 'ten', '9': 'nine' },
        User: '65532',
        Volumes: ['/var/lib/data', '/cache'],
        WorkingDir: '/work',
        ExposedPorts: ['8080/tcp', '443/tcp'],
        StopSignal: 'SIGTERM',
      },
    },
    flavor,
  );
}

describe('canonical JSON', () => {
  test('escapes like Go encoding/json and sorts map keys bytewise', () => {
    const bytes = encodeJson(
      fields(
        ['b', 'x<y>&z\u2028'],
        ['a', sortedObject({ é: 1, z: 2, '10': 3, '9': 4, A: 5 }, (v) => v)],
        ['c', undefined],
        ['n', [1, null, true]],
      ),
    );
    assert.equal(
      bytes.toString(),
      '{"b":"x\\u003cy\\u003e\\u0026z\\u2028","a":{"10":3,"9":4,"A":5,"z":2,"é":1},"n":[1,null,true]}',
    );
  });

  test('rfc3339 drops a zero fraction like Go', () => {
    assert.equal(rfc3339(new Date(0)), '1970-01-01T00:00:00Z');
    assert.equal(rfc3339(new Date(1500)), '1970-01-01T00:00:01.5Z');
  });
});

describe('platforms', () => {
  const table: [string, string][] = [
    ['x86_64', 'linux/amd64'],
    ['aarch64', 'linux/arm64'],
    ['armv7', 'linux/arm/v7'],
    ['armhf', 'linux/arm/v6'],
    ['x86', 'linux/386'],
    ['ppc64le', 'linux/ppc64le'],
    ['s390x', 'linux/s390x'],
    ['riscv64', 'linux/riscv64'],
    ['loongarch64', 'linux/loong64'],
  ];
  for (const [apk, oci] of table) {
    test(`${apk} <-> ${oci}`, () => {
      assert.equal(platformString(platformFor(apk)), oci);
      assert.equal(apkArch(oci), apk);
      assert.equal(apkArch(oci.slice('linux/'.length)), apk);
    });
  }
  test('all nine arches are known; arm64/v8 on request and on input', () => {
    assert.equal(knownApkArches.length, 9);
    assert.deepEqual(platformFor('aarch64', { arm64Variant: true }), {
      architecture: 'arm64',
      os: 'linux',
      variant: 'v8',
    });
    assert.equal(apkArch('arm64/v8'), 'aarch64');
    assertCodeSync(() => platformFor('mips'), 'OCI_BAD_PLATFORM');
    assertCodeSync(() => apkArch('arm/v5'), 'OCI_BAD_PLATFORM');
  });
});

describe('builders', () => {
  for (const flavor of ['oci', 'docker'] as const) {
    test(`${flavor}: config, manifest and index match their golden JSON and parse back`, () => {
      const config = sampleConfig(flavor);
      const layer = {
        mediaType: flavor === 'oci' ? MediaType.ociLayerGzip : MediaType.dockerLayerGzip,
        size: 3,
        digest: d('layer'),
      };
      const manifest = buildManifest({
        config: config.descriptor,
        layers: [layer, { ...layer, digest: d('layer2'), annotations: { 'org.example': 'x' } }],
        annotations: { 'org.opencontainers.image.created': '2023-11-14T22:13:20Z' },
        flavor,
      });
      const index = buildIndex({
        manifests: [
          indexEntry(manifest, platformFor('armv7')),
          indexEntry(manifest, platformFor('x86_64'), { 'org.example': 'y' }),
        ],
        annotations: { b: '2', a: '1' },
        flavor,
      });
      const text = [
        `config ${config.descriptor.mediaType} ${config.descriptor.digest}`,
        config.bytes.toString(),
        `manifest ${manifest.descriptor.mediaType} ${manifest.descriptor.digest}`,
        manifest.bytes.toString(),
        `index ${index.descriptor.mediaType} ${index.descriptor.digest}`,
        index.bytes.toString(),
        '',
      ].join('\n');
      assertGolden(`oci/builders-${flavor}.txt`, text);
      // Parsing and rebuilding is the identity.
      assert.deepEqual(buildImageConfig(parseImageConfig(config.bytes), flavor).bytes, config.bytes);
      assert.deepEqual(buildManifest({ ...parseManifest(manifest.bytes), flavor }).bytes, manifest.bytes);
      const pi = parseIndex(index.bytes);
      assert.deepEqual(
        buildIndex({ manifests: pi.manifests, ...(pi.annotations ? { annotations: pi.annotations } : {}), flavor })
          .bytes,
        index.bytes,
      );
      if (flavor === 'docker') {
        assert.equal(manifest.manifest.annotations, undefined);
        assert.equal(index.index.annotations, undefined);
        assert.equal(index.index.manifests[0]?.artifactType, undefined);
      }
    });
  }

  test('invalid documents are OCI_MANIFEST_INVALID', () => {
    assertCodeSync(() => parseManifest(Buffer.from('not json')), 'OCI_MANIFEST_INVALID');
    assertCodeSync(() => parseManifest(Buffer.from('{"schemaVersion":1}')), 'OCI_MANIFEST_INVALID');
    assertCodeSync(
      () =>
        parseManifest(
          Buffer.from(`{"schemaVersion":2,"config":{"mediaType":"x","size":1,"digest":"sha256:abc"},"layers":[]}`),
        ),
      'OCI_MANIFEST_INVALID',
    );
    assertCodeSync(
      () =>
        parseIndex(
          Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","manifests":[]}'),
        ),
      'OCI_MANIFEST_INVALID',
    );
    assertCodeSync(
      () =>
        parseImageConfig(
          Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["x"]}}'),
        ),
      'OCI_MANIFEST_INVALID',
    );
  });
});
