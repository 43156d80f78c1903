import assert from 'node:assert/strict';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fixedClock } from '../../src/core/index.js';
import { type Digest, parseReference, RegistryClient, sha256Digest } from '../../src/oci/index.js';
import { toSpdx } from '../../src/sbom/index.js';
import {
  attestImage,
  buildProvenance,
  keySigner,
  loadCosignPrivateKey,
  loadPublicKey,
  packageDependency,
  PredicateType,
  parseEnvelope,
  verifyAttestations,
} from '../../src/sign/index.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { validateSpdx } from '../helpers/json-schema.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeImage, type TestImage } from '../unit/oci/fixtures.js';
import { OPTS, sampleImage } from '../unit/sbom/sample.js';

// cosign's legacy layout against a real CNCF distribution registry (docker-registry) on 127.0.0.1.

const EPOCH = 1700000000;
const CREATED = '2023-11-14T22:13:20Z';

describe('cosign-compatible signing and attestations (docker-registry on 127.0.0.1)', () => {
  let reg: TestRegistry;
  let dir: string;
  let client: RegistryClient;
  let first: TestImage;
  let second: TestImage;
  const env = (extra: Record<string, string> = {}) => ({
    COSIGN_PASSWORD: 'lupine-test',
    SOURCE_DATE_EPOCH: String(EPOCH),
    HOME: dir,
    DOCKER_CONFIG: join(dir, 'no-docker-config'),
    ...extra,
  });
  const cli = (...argv: string[]) => runCli(argv, { env: env(), cwd: dir });

  const push = async (repository: string, tag: string, img: TestImage): Promise<Digest> => {
    const repo = { registry: reg.host, repository };
    await client.pushBlob(repo, img.layer.blob);
    await client.pushBlob(repo, img.config.bytes);
    return client.putManifest({ ...repo, tag }, img.manifest.bytes, img.manifest.descriptor.mediaType);
  };
  const sigTag = (d: Digest, suffix: 'sig' | 'att') => `sha256-${d.slice(7)}.${suffix}`;

  before(async () => {
    reg = await startRegistry();
    dir = mkdtempSync(join(tmpdir(), 'lupine-cosign-e2e-'));
    client = new RegistryClient({ retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
    first = await makeImage('x86_64');
    second = await makeImage('aarch64');
  });
  after(async () => {
    client?.close();
    await reg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('image keygen writes cosign.key and cosign.pub, refuses to overwrite without --force', async () => {
    const r = await cli('image', 'keygen');
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(join(dir, 'cosign.key'), 'utf8'), /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    assert.match(readFileSync(join(dir, 'cosign.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
    const before = readFileSync(join(dir, 'cosign.key'), 'utf8');
    const again = await cli('image', 'keygen');
    assert.equal(again.code, 3);
    assert.match(again.stderr, /SIGN_KEY_EXISTS/);
    assert.equal(readFileSync(join(dir, 'cosign.key'), 'utf8'), before);
    // bin/lupine as a separate process writes a second pair under another prefix.
    const other = spawnCli(['image', 'keygen', '--output-key-prefix', 'other'], { env: env(), cwd: dir });
    assert.equal(other.code, 0, other.stderr);
    assert.ok(existsSync(join(dir, 'other.key')) && existsSync(join(dir, 'other.pub')));
    const forced = await runCli(['image', 'keygen', '--output-key-prefix', 'stranger', '--force'], {
      env: env(),
      cwd: dir,
    });
    assert.equal(forced.code, 0, forced.stderr);
    const noPassword = await runCli(['image', 'keygen', '--output-key-prefix', 'x'], { env: { HOME: dir }, cwd: dir });
    assert.equal(noPassword.code, 2);
  });

  test("sign then verify passes; the .sig manifest, config, payload and annotation are exactly cosign's", async () => {
    const digest = await push('lupine/signed', 'v1', first);
    const ref = `${reg.host}/lupine/signed:v1`;
    const signed = await cli('image', 'sign', ref, '--key', 'cosign.key');
    assert.equal(signed.code, 0, signed.stderr);
    assert.ok(signed.stdout.includes(sigTag(digest, 'sig')));

    const verified = await cli('image', 'verify', ref, '--key', 'cosign.pub', '--json');
    assert.equal(verified.code, 0, verified.stderr);
    const out = JSON.parse(verified.stdout) as { digest: string; signatures: { critical: unknown }[] };
    assert.equal(out.digest, digest);
    assert.equal(out.signatures.length, 1);

    // The stored structure (spec §4), byte for byte.
    const repo = { registry: reg.host, repository: 'lupine/signed' };
    const m = await client.getManifest({ ...repo, tag: sigTag(digest, 'sig') });
    const manifest = JSON.parse(m.bytes.toString()) as {
      layers: { digest: Digest; annotations: Record<string, string> }[];
      config: { digest: Digest };
    };
    const layer = manifest.layers[0];
    assert.ok(layer);
    const payload = await client.getBlob(repo, layer.digest);
    assert.equal(
      payload.toString(),
      `{"critical":{"identity":{"docker-reference":"${reg.host}/lupine/signed"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":null}`,
    );
    const config = `{"architecture":"","created":"${CREATED}","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["${sha256Digest(payload)}"]},"config":{}}`;
    assert.equal((await client.getBlob(repo, manifest.config.digest)).toString(), config);
    const sig = layer.annotations['dev.cosignproject.cosign/signature'] ?? '';
    assert.equal(
      m.bytes.toString(),
      `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":${config.length},"digest":"${sha256Digest(config)}"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":${payload.length},"digest":"${sha256Digest(payload)}","annotations":{"dev.cosignproject.cosign/signature":"${sig}"}}]}`,
    );
    // The signature is plain ECDSA P-256 / SHA-256 DER over the payload bytes: node verifies it directly.
    const pub = createPublicKey(readFileSync(join(dir, 'cosign.pub'), 'utf8'));
    assert.equal(nodeVerify('sha256', payload, pub, Buffer.from(sig, 'base64')), true);
  });

  test('signing again with the same key adds nothing; another key appends a layer; each key verifies', async () => {
    const ref = `${reg.host}/lupine/signed:v1`;
    const same = await cli('image', 'sign', ref, '--key', 'cosign.key', '--json');
    assert.equal(same.code, 0, same.stderr);
    assert.deepEqual(
      (({ appended, signatures }) => ({ appended, signatures }))(JSON.parse(same.stdout) as Record<string, unknown>),
      { appended: false, signatures: 1 },
    );
    const other = await cli('image', 'sign', ref, '--key', 'other.key', '--json');
    assert.equal(other.code, 0, other.stderr);
    assert.equal((JSON.parse(other.stdout) as { signatures: number }).signatures, 2);
    for (const key of ['cosign.pub', 'other.pub']) {
      const v = await cli('image', 'verify', ref, '--key', key, '--json');
      assert.equal(v.code, 0, `${key}: ${v.stderr}`);
      assert.equal((JSON.parse(v.stdout) as { signatures: unknown[] }).signatures.length, 1);
    }
  });

  test('a wrong key fails with SIGN_BAD_SIGNATURE (exit 1)', async () => {
    const r = await cli('image', 'verify', `${reg.host}/lupine/signed:v1`, '--key', 'stranger.pub');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error\[SIGN_BAD_SIGNATURE\]/);
  });

  test('--annotations go into "optional" and verify can require them', async () => {
    await push('lupine/annotated', 'v1', first);
    const ref = `${reg.host}/lupine/annotated:v1`;
    const s = await cli('image', 'sign', ref, '--key', 'cosign.key', '-a', 'env=prod', '--annotations', 'team=os');
    assert.equal(s.code, 0, s.stderr);
    const v = await cli('image', 'verify', ref, '--key', 'cosign.pub', '-a', 'env=prod', '--json');
    assert.equal(v.code, 0, v.stderr);
    assert.deepEqual((JSON.parse(v.stdout) as { signatures: { optional: unknown }[] }).signatures[0]?.optional, {
      env: 'prod',
      team: 'os',
    });
    const wrong = await cli('image', 'verify', ref, '--key', 'cosign.pub', '-a', 'env=dev');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /SIGN_BAD_SIGNATURE/);
    const bad = await cli('image', 'sign', ref, '--key', 'cosign.key', '-a', 'novalue');
    assert.equal(bad.code, 2);
    const wrongPassword = await runCli(['image', 'sign', ref, '--key', 'cosign.key'], {
      env: env({ COSIGN_PASSWORD: 'not-it' }),
      cwd: dir,
    });
    assert.equal(wrongPassword.code, 3);
    assert.match(wrongPassword.stderr, /error\[SIGN_BAD_PASSWORD\]/);
  });

  test('a manifest changed after signing fails: no signature for the new digest, and a copied one names the old', async () => {
    const oldDigest = await push('lupine/changed', 'v1', first);
    const ref = `${reg.host}/lupine/changed:v1`;
    assert.equal((await cli('image', 'sign', ref, '--key', 'cosign.key')).code, 0);
    assert.equal((await cli('image', 'verify', ref, '--key', 'cosign.pub')).code, 0);

    const newDigest = await push('lupine/changed', 'v1', second);
    assert.notEqual(newDigest, oldDigest);
    const missing = await cli('image', 'verify', ref, '--key', 'cosign.pub');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /SIGN_NO_SIGNATURES/);

    // Replay: the old signature image copied to the new digest's tag still signs the old digest.
    const repo = { registry: reg.host, repository: 'lupine/changed' };
    const old = await client.getManifest({ ...repo, tag: sigTag(oldDigest, 'sig') });
    await client.putManifest({ ...repo, tag: sigTag(newDigest, 'sig') }, old.bytes, old.mediaType);
    const replayed = await cli('image', 'verify', ref, '--key', 'cosign.pub');
    assert.equal(replayed.code, 1);
    assert.match(replayed.stderr, /SIGN_DIGEST_MISMATCH/);

    // The old digest itself still verifies.
    const byDigest = await cli('image', 'verify', `${reg.host}/lupine/changed@${oldDigest}`, '--key', 'cosign.pub');
    assert.equal(byDigest.code, 0, byDigest.stderr);
  });

  test("an SPDX attestation round-trips; its predicate validates; the .att layout is cosign's", async () => {
    const digest = await push('lupine/attested', 'v1', first);
    const ref = `${reg.host}/lupine/attested:v1`;
    const spdx = toSpdx(sampleImage(), OPTS);
    writeFileSync(join(dir, 'sbom.spdx.json'), JSON.stringify(spdx));
    const a = await cli(
      'image',
      'attest',
      ref,
      '--key',
      'cosign.key',
      '--predicate',
      'sbom.spdx.json',
      '--type',
      'spdx',
    );
    assert.equal(a.code, 0, a.stderr);

    const v = await cli('image', 'verify-attestation', ref, '--key', 'cosign.pub', '--type', 'spdx', '--json');
    assert.equal(v.code, 0, v.stderr);
    const statements = JSON.parse(v.stdout) as {
      _type: string;
      subject: { name: string; digest: { sha256: string } }[];
      predicateType: string;
      predicate: unknown;
    }[];
    assert.equal(statements.length, 1);
    const st = statements[0];
    assert.ok(st);
    assert.equal(st._type, 'https://in-toto.io/Statement/v1');
    assert.deepEqual(st.subject, [{ name: `${reg.host}/lupine/attested`, digest: { sha256: digest.slice(7) } }]);
    assert.equal(st.predicateType, 'https://spdx.dev/Document');
    assert.deepEqual(st.predicate, JSON.parse(JSON.stringify(spdx)));
    assert.deepEqual(validateSpdx(st.predicate), []);

    const repo = { registry: reg.host, repository: 'lupine/attested' };
    const m = JSON.parse((await client.getManifest({ ...repo, tag: sigTag(digest, 'att') })).bytes.toString()) as {
      mediaType: string;
      config: { mediaType: string };
      layers: { mediaType: string; digest: Digest; annotations: Record<string, string> }[];
    };
    assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(m.config.mediaType, 'application/vnd.oci.image.config.v1+json');
    assert.equal(m.layers.length, 1);
    assert.equal(m.layers[0]?.mediaType, 'application/vnd.dsse.envelope.v1+json');
    assert.deepEqual(m.layers[0]?.annotations, {
      'dev.cosignproject.cosign/signature': '',
      predicateType: 'https://spdx.dev/Document',
    });
    const env = parseEnvelope(await client.getBlob(repo, m.layers[0]?.digest as Digest));
    assert.equal(env.payloadType, 'application/vnd.in-toto+json');
    assert.equal(env.signatures.length, 1);

    const wrongKey = await cli('image', 'verify-attestation', ref, '--key', 'stranger.pub');
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /SIGN_BAD_SIGNATURE/);
    const wrongType = await cli('image', 'verify-attestation', ref, '--key', 'cosign.pub', '--type', 'cyclonedx');
    assert.equal(wrongType.code, 1);
    assert.match(wrongType.stderr, /SIGN_NO_ATTESTATIONS/);
    const none = await cli('image', 'verify-attestation', `${reg.host}/lupine/signed:v1`, '--key', 'cosign.pub');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /SIGN_NO_ATTESTATIONS/);
  });

  test('a SLSA v1 provenance attestation (library API) is appended beside the SBOM and verifies by type', async () => {
    const ref = parseReference(`${reg.host}/lupine/attested:v1`);
    const signer = keySigner(await loadCosignPrivateKey(readFileSync(join(dir, 'cosign.key'), 'utf8'), 'lupine-test'));
    const provenance = buildProvenance({
      subject: [],
      buildType: 'https://lupine.dev/build/image/v1',
      builderId: 'https://lupine.dev/builder/test',
      externalParameters: { config: 'image.yaml' },
      resolvedDependencies: [packageDependency({ name: 'busybox', version: '1.36-r1', sha256: 'ab'.repeat(32) })],
      startedOn: EPOCH,
      finishedOn: EPOCH + 1,
    });
    const r = await attestImage(client, ref, signer, {
      predicateType: PredicateType.slsaProvenanceV1,
      predicate: provenance.predicate,
      clock: fixedClock(EPOCH),
    });
    assert.equal(r.attestations, 2);
    const pub = loadPublicKey(readFileSync(join(dir, 'cosign.pub'), 'utf8'));
    const v = await verifyAttestations(client, ref, pub, { predicateType: PredicateType.slsaProvenanceV1 });
    assert.equal(v.attestations.length, 1);
    assert.deepEqual(v.attestations[0]?.statement.predicate, JSON.parse(JSON.stringify(provenance.predicate)));
    const all = await verifyAttestations(client, ref, pub);
    assert.deepEqual(
      all.attestations.map((x) => x.predicateType),
      ['https://spdx.dev/Document', 'https://slsa.dev/provenance/v1'],
    );
  });

  test('--registry-referrers-mode oci-1-1: an attestation as an OCI 1.1 referrer, listed in the fallback index', async () => {
    const digest = await push('lupine/referred', 'v1', first);
    const ref = `${reg.host}/lupine/referred:v1`;
    writeFileSync(
      join(dir, 'vex.json'),
      JSON.stringify({ '@context': 'https://openvex.dev/ns/v0.2.0', statements: [] }),
    );
    const mode = ['--registry-referrers-mode', 'oci-1-1'];
    for (const [file, type] of [
      ['sbom.spdx.json', 'spdx'],
      ['vex.json', 'openvex'],
    ] as const) {
      const a = await cli('image', 'attest', ref, '--key', 'cosign.key', '--predicate', file, '--type', type, ...mode);
      assert.equal(a.code, 0, a.stderr);
    }
    const repo = { registry: reg.host, repository: 'lupine/referred' };
    const index = JSON.parse(
      (await client.getManifest({ ...repo, tag: `sha256-${digest.slice(7)}` })).bytes.toString(),
    ) as { mediaType: string; manifests: { digest: Digest; artifactType: string; annotations: object }[] };
    assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.equal(index.manifests.length, 2);
    for (const entry of index.manifests) {
      assert.equal(entry.artifactType, 'application/vnd.in-toto+json');
      assert.deepEqual(entry.annotations, { 'org.opencontainers.image.created': CREATED });
      const m = JSON.parse((await client.getManifest({ ...repo, digest: entry.digest })).bytes.toString()) as {
        artifactType: string;
        config: unknown;
        subject: { digest: string; mediaType: string; size: number };
        layers: { mediaType: string }[];
      };
      assert.equal(m.artifactType, 'application/vnd.in-toto+json');
      assert.deepEqual(m.config, {
        mediaType: 'application/vnd.oci.empty.v1+json',
        size: 2,
        digest: sha256Digest('{}'),
        artifactType: 'application/vnd.in-toto+json',
      });
      assert.deepEqual(m.subject, {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: first.manifest.bytes.length,
        digest,
      });
      assert.deepEqual(
        m.layers.map((l) => l.mediaType),
        ['application/vnd.dsse.envelope.v1+json'],
      );
    }
    const v = await cli('image', 'verify-attestation', ref, '--key', 'cosign.pub', '--json', ...mode);
    assert.equal(v.code, 0, v.stderr);
    assert.deepEqual(
      (JSON.parse(v.stdout) as { predicateType: string }[]).map((x) => x.predicateType),
      ['https://spdx.dev/Document', 'https://openvex.dev/ns'],
    );
    const typed = await cli('image', 'verify-attestation', ref, '--key', 'cosign.pub', '--type', 'openvex', ...mode);
    assert.equal(typed.code, 0, typed.stderr);
    const wrongKey = await cli('image', 'verify-attestation', ref, '--key', 'stranger.pub', ...mode);
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /SIGN_BAD_SIGNATURE/);
    // Nothing went to the legacy .att tag.
    const legacy = await cli('image', 'verify-attestation', ref, '--key', 'cosign.pub');
    assert.equal(legacy.code, 1);
    assert.match(legacy.stderr, /SIGN_NO_ATTESTATIONS/);
    const badMode = await cli(
      'image',
      'verify-attestation',
      ref,
      '--key',
      'cosign.pub',
      '--registry-referrers-mode',
      'x',
    );
    assert.equal(badMode.code, 2);
  });

  test('an unknown image is an error (exit 3), not a failed check', async () => {
    const r = await cli('image', 'verify', `${reg.host}/lupine/nothing:v1`, '--key', 'cosign.pub');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /OCI_MANIFEST_UNKNOWN/);
  });
});
