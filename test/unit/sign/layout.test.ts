import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixedClock } from '../../../src/core/index.js';
import { parseIndex, sha256Digest } from '../../../src/oci/index.js';
import {
  addReferrer,
  attestationLayer,
  buildCosignImage,
  buildReferrer,
  buildProvenance,
  cosignTag,
  encodeEnvelope,
  encodeStatement,
  envelopePayload,
  generateCosignKeyPair,
  keySigner,
  loadCosignPrivateKey,
  loadPublicKey,
  makeStatement,
  packageDependency,
  pae,
  parseEnvelope,
  parseSimpleSigningPayload,
  parseStatement,
  predicateTypeFor,
  referrerEntry,
  referrersTag,
  signatureLayer,
  signEnvelope,
  simpleSigningPayload,
  verifyEnvelope,
} from '../../../src/sign/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';

const IMAGE = 'sha256:0f5a5b4f4c2f4c8a9d5e2a8f3e4c1b6a7d8e9f0a1b2c3d4e5f60718293a4b5c6';
const HEX = IMAGE.slice(7);

describe('simple-signing payload', () => {
  test("is Go's json.Marshal of SimpleContainerImage, optional null without annotations", () => {
    const p = simpleSigningPayload({ dockerReference: '127.0.0.1:5000/lupine/img', manifestDigest: IMAGE });
    assert.equal(
      p.toString(),
      `{"critical":{"identity":{"docker-reference":"127.0.0.1:5000/lupine/img"},"image":{"docker-manifest-digest":"${IMAGE}"},"type":"cosign container image signature"},"optional":null}`,
    );
    assert.deepEqual(parseSimpleSigningPayload(p), {
      dockerReference: '127.0.0.1:5000/lupine/img',
      manifestDigest: IMAGE,
      type: 'cosign container image signature',
      optional: null,
    });
  });

  test('annotations become "optional" with keys sorted and <>& escaped as Go does', () => {
    const p = simpleSigningPayload({
      dockerReference: 'r/x',
      manifestDigest: IMAGE,
      optional: { z: '1', a: '<b>&' },
    });
    assert.ok(p.toString().endsWith(`"optional":{"a":"\\u003cb\\u003e\\u0026","z":"1"}}`));
    assert.deepEqual(parseSimpleSigningPayload(p)?.optional, { a: '<b>&', z: '1' });
    assert.equal(parseSimpleSigningPayload(Buffer.from('{"critical":{}}')), undefined);
  });

  test('tags are sha256-<hex>.sig / .att', () => {
    assert.equal(cosignTag(IMAGE, 'sig'), `sha256-${HEX}.sig`);
    assert.equal(cosignTag(IMAGE, 'att'), `sha256-${HEX}.att`);
  });
});

describe('the signature image (spec §4)', () => {
  test('manifest, config and layer have exactly the JSON cosign writes', () => {
    const payload = simpleSigningPayload({ dockerReference: '127.0.0.1:5000/lupine/img', manifestDigest: IMAGE });
    const sig = Buffer.from('3045022100aa', 'hex');
    const img = buildCosignImage([signatureLayer(payload, sig)], 1700000000);
    const config = `{"architecture":"","created":"2023-11-14T22:13:20Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["${sha256Digest(payload)}"]},"config":{}}`;
    assert.equal(img.configBytes.toString(), config);
    assert.equal(
      img.manifestBytes.toString(),
      `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":${config.length},"digest":"${sha256Digest(config)}"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":${payload.length},"digest":"${sha256Digest(payload)}","annotations":{"dev.cosignproject.cosign/signature":"${sig.toString('base64')}"}}]}`,
    );
    assert.equal(img.manifestDescriptor.digest, sha256Digest(img.manifestBytes));
    assert.deepEqual(
      img.blobs.map((b) => sha256Digest(b)),
      [sha256Digest(config), sha256Digest(payload)],
    );
  });

  test('appending keeps earlier layers first, one diff_id and history entry per layer', () => {
    const a = signatureLayer(Buffer.from('{"a":1}'), Buffer.from([1]));
    const b = attestationLayer(Buffer.from('{"b":2}'), 'https://spdx.dev/Document');
    const img = buildCosignImage([a, b], 0);
    const cfg = JSON.parse(img.configBytes.toString()) as { history: unknown[]; rootfs: { diff_ids: string[] } };
    assert.equal(cfg.history.length, 2);
    assert.deepEqual(cfg.rootfs.diff_ids, [sha256Digest('{"a":1}'), sha256Digest('{"b":2}')]);
    assert.deepEqual(img.manifest.layers[1], {
      mediaType: 'application/vnd.dsse.envelope.v1+json',
      size: 7,
      digest: sha256Digest('{"b":2}'),
      annotations: { 'dev.cosignproject.cosign/signature': '', predicateType: 'https://spdx.dev/Document' },
    });
    assert.ok(
      img.manifestBytes
        .toString()
        .includes(
          '"annotations":{"dev.cosignproject.cosign/signature":"","predicateType":"https://spdx.dev/Document"}',
        ),
    );
  });
});

describe('DSSE', () => {
  test('PAE is the spec example', () => {
    assert.equal(
      pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(),
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
    assert.equal(pae('t', Buffer.from('é')).toString(), 'DSSEv1 1 t 2 é'); // lengths in bytes
  });

  test('an envelope verifies with its key, not with another or after a change', async () => {
    const pair = await generateCosignKeyPair('');
    const other = await generateCosignKeyPair('');
    const signer = keySigner(await loadCosignPrivateKey(pair.privateKeyPem, ''));
    const env = await signEnvelope(Buffer.from('{"x":1}'), 'application/vnd.in-toto+json', signer);
    const bytes = encodeEnvelope(env);
    assert.match(
      bytes.toString(),
      /^\{"payloadType":"application\/vnd.in-toto\+json","payload":"eyJ4IjoxfQ==","signatures":\[\{"keyid":"","sig":"[^"]+"\}\]\}$/,
    );
    const back = parseEnvelope(bytes);
    assert.equal(envelopePayload(back).toString(), '{"x":1}');
    assert.equal(verifyEnvelope(back, loadPublicKey(pair.publicKeyPem)), true);
    assert.equal(verifyEnvelope(back, loadPublicKey(other.publicKeyPem)), false);
    const changed = { ...back, payload: Buffer.from('{"x":2}').toString('base64') };
    assert.equal(verifyEnvelope(changed, loadPublicKey(pair.publicKeyPem)), false);
    const retyped = { ...back, payloadType: 'text/plain' };
    assert.equal(verifyEnvelope(retyped, loadPublicKey(pair.publicKeyPem)), false);
    assertCodeSync(() => parseEnvelope(Buffer.from('[]')), 'SIGN_BAD_PAYLOAD');
  });
});

describe('in-toto statements', () => {
  test('fields in order: _type, subject, predicateType, predicate (key order of the predicate kept)', () => {
    const s = makeStatement([{ name: 'r/x', digest: { sha256: HEX } }], 'https://spdx.dev/Document', {
      spdxVersion: 'SPDX-2.3',
      b: [1, null, true],
      a: { z: 1, y: 2 },
    });
    assert.equal(
      encodeStatement(s).toString(),
      `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"r/x","digest":{"sha256":"${HEX}"}}],"predicateType":"https://spdx.dev/Document","predicate":{"spdxVersion":"SPDX-2.3","b":[1,null,true],"a":{"z":1,"y":2}}}`,
    );
    assert.deepEqual(parseStatement(encodeStatement(s)), s);
  });

  test('cosign predicate type names map to URIs; a URI passes; others are usage errors', () => {
    assert.equal(predicateTypeFor('spdx'), 'https://spdx.dev/Document');
    assert.equal(predicateTypeFor('spdxjson'), 'https://spdx.dev/Document');
    assert.equal(predicateTypeFor('cyclonedx'), 'https://cyclonedx.org/bom');
    assert.equal(predicateTypeFor('slsaprovenance'), 'https://slsa.dev/provenance/v1');
    assert.equal(predicateTypeFor('slsaprovenance02'), 'https://slsa.dev/provenance/v0.2');
    assert.equal(predicateTypeFor('vuln'), 'https://cosign.sigstore.dev/attestation/vuln/v1');
    assert.equal(predicateTypeFor('openvex'), 'https://openvex.dev/ns');
    assert.equal(predicateTypeFor('https://example.dev/p/v1'), 'https://example.dev/p/v1');
    assertCodeSync(() => predicateTypeFor('sbom'), 'USAGE');
  });
});

describe('SLSA provenance v1', () => {
  test('buildProvenance: subject, build definition, run details, times from the clock, sorted dependencies', () => {
    const clock = fixedClock(1700000000);
    const s = buildProvenance({
      subject: [{ name: '127.0.0.1:5000/lupine/img', digest: { sha256: HEX } }],
      buildType: 'https://lupine.dev/build/image/v1',
      builderId: 'https://lupine.dev/builder/local',
      externalParameters: { config: 'images/base.yaml', archs: ['x86_64'] },
      resolvedDependencies: [
        packageDependency({ name: 'musl', version: '1.2.4-r0', arch: 'x86_64', namespace: 'wolfi', sha1: 'ab' }),
        packageDependency({ name: 'busybox', version: '1.36-r1', arch: 'x86_64', namespace: 'wolfi', sha256: 'cd' }),
      ],
      byproducts: [{ name: 'sbom-x86_64.spdx.json', digest: { sha256: 'ef' }, mediaType: 'application/spdx+json' }],
      startedOn: clock.now(),
      finishedOn: clock.now() + 5,
    });
    assert.equal(s.predicateType, 'https://slsa.dev/provenance/v1');
    assert.deepEqual(s.predicate, {
      buildDefinition: {
        buildType: 'https://lupine.dev/build/image/v1',
        externalParameters: { config: 'images/base.yaml', archs: ['x86_64'] },
        resolvedDependencies: [
          { name: 'busybox', uri: 'pkg:apk/wolfi/busybox@1.36-r1?arch=x86_64', digest: { sha256: 'cd' } },
          { name: 'musl', uri: 'pkg:apk/wolfi/musl@1.2.4-r0?arch=x86_64', digest: { sha1: 'ab' } },
        ],
      },
      runDetails: {
        builder: { id: 'https://lupine.dev/builder/local' },
        metadata: { startedOn: '2023-11-14T22:13:20Z', finishedOn: '2023-11-14T22:13:25Z' },
        byproducts: [{ name: 'sbom-x86_64.spdx.json', digest: { sha256: 'ef' }, mediaType: 'application/spdx+json' }],
      },
    });
    const again = buildProvenance({
      subject: s.subject,
      buildType: 'https://lupine.dev/build/image/v1',
      builderId: 'https://lupine.dev/builder/local',
      externalParameters: {},
    });
    assert.deepEqual(Object.keys((again.predicate as { runDetails: object }).runDetails), ['builder']);
  });
});

describe('OCI 1.1 referrers (tag fallback)', () => {
  test('a referrer manifest as cosign writes it, and its fallback index entry', () => {
    const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: IMAGE, size: 123 } as const;
    const layer = attestationLayer(Buffer.from('{"e":1}'), 'https://spdx.dev/Document');
    const r = buildReferrer({ subject, artifactType: 'application/vnd.in-toto+json', layers: [layer], created: 0 });
    assert.equal(
      r.bytes.toString(),
      `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.in-toto+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"${sha256Digest('{}')}","artifactType":"application/vnd.in-toto+json"},"layers":[{"mediaType":"application/vnd.dsse.envelope.v1+json","size":7,"digest":"${sha256Digest('{"e":1}')}"}],"annotations":{"org.opencontainers.image.created":"1970-01-01T00:00:00Z"},"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":123,"digest":"${IMAGE}"}}`,
    );
    assert.equal(referrersTag(IMAGE), `sha256-${HEX}`);
    const entry = referrerEntry(r);
    const first = addReferrer(undefined, entry);
    const again = addReferrer(parseIndex(first), entry);
    assert.equal(again.toString(), first.toString()); // the same referrer is listed once
    assert.equal(
      first.toString(),
      `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":${r.bytes.length},"digest":"${r.descriptor.digest}","annotations":{"org.opencontainers.image.created":"1970-01-01T00:00:00Z"},"artifactType":"application/vnd.in-toto+json"}]}`,
    );
  });
});
