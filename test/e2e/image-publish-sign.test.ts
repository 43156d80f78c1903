import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixedClock } from '../../src/core/index.js';
import { buildImage, loadImageConfig } from '../../src/image/index.js';
import { runCli } from '../helpers/cli.js';
import { goldenWorkDir } from '../helpers/golden-work.js';
import { validateCycloneDx, validateSpdx } from '../helpers/json-schema.js';
import { vector } from '../helpers/paths.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

// `lupine image publish --sign --key`: build, push, sign and attest in one run, against a real CNCF
// distribution registry (docker-registry) on 127.0.0.1; checked with lupine's verify commands,
// skopeo, the SPDX / CycloneDX JSON schemas, and apko's own lock file for the same config.

const golden = vector('apko', 'golden-testdata');
const EPOCH = '1700000000';
const CREATED = '2023-11-14T22:13:20Z';
const SPDX = 'https://spdx.dev/Document';
const CDX = 'https://cyclonedx.org/bom';
const SLSA = 'https://slsa.dev/provenance/v1';

interface LockPackage {
  name: string;
  version: string;
  architecture: string;
  url: string;
  checksum: string;
}
const lock = JSON.parse(readFileSync(join(golden, 'apko.lock.json'), 'utf8')) as {
  config: { checksum: string };
  contents: { packages: LockPackage[] };
};

interface Published {
  index: string;
  images: { arch: string; digest: string }[];
  pushed: { ref: string; digest: string; reference: string }[];
  signed: { name: string; digest: string; subject: string; tag: string; appended: boolean }[];
  attested: {
    name: string;
    digest: string;
    subject: string;
    predicateType: string;
    sbom?: string;
    tag: string;
    appended: boolean;
  }[];
}

interface Statement {
  _type: string;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: Record<string, unknown>;
}

interface Dependency {
  name: string;
  uri: string;
  digest: { sha1: string };
  downloadLocation: string;
}

interface Provenance {
  buildDefinition: {
    buildType: string;
    externalParameters: { config: { name: string; digest: { sha256: string }; checksum: string }; archs: string[] };
    resolvedDependencies: Dependency[];
  };
  runDetails: {
    builder: { id: string };
    metadata: { startedOn: string; finishedOn: string };
    byproducts: { name: string; digest: { sha256: string } }[];
  };
}

let work = '';
const env = (extra: Record<string, string> = {}) => ({
  COSIGN_PASSWORD: 'publish-test',
  SOURCE_DATE_EPOCH: EPOCH,
  HOME: join(work, 'home'),
  DOCKER_CONFIG: join(work, 'no-docker-config'),
  ...extra,
});
const cli = (argv: string[], extra: Record<string, string> = {}) => runCli(argv, { cwd: work, env: env(extra) });
const sha256Hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const hexOf = (digest: string) => digest.replace(/^sha256:/, '');

/** `skopeo inspect --raw`: the bytes the registry serves, read by an independent client. */
function skopeoRaw(ref: string): Buffer {
  return execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    env: { HOME: join(work, 'home'), PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
}

/** The lock's packages for an arch, as provenance dependencies should list them. */
function expectedDependencies(arch?: string) {
  return lock.contents.packages
    .filter((p) => arch === undefined || p.architecture === arch)
    .map((p) => ({
      name: p.name,
      uri: `pkg:apk/${p.name}@${p.version}?arch=${p.architecture}`,
      sha1: Buffer.from(p.checksum.slice(2), 'base64').toString('hex'),
      downloadLocation: p.url,
    }))
    .sort((a, b) => (a.uri < b.uri ? -1 : 1));
}

before(() => {
  work = goldenWorkDir('lupine-publish-sign-');
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('lupine image publish --sign --key (docker-registry on 127.0.0.1)', () => {
  let reg: TestRegistry;
  let out: Published;
  let repo = '';

  before(async () => {
    reg = await startRegistry();
    repo = `${reg.host}/signed/app`;
    for (const prefix of ['cosign', 'other']) {
      const k = await cli(['image', 'keygen', '--output-key-prefix', prefix]);
      assert.equal(k.code, 0, k.stderr);
    }
  });
  after(async () => {
    await reg?.stop();
  });

  const digestOf = (arch: string) => out.images.find((i) => i.arch === arch)?.digest ?? assert.fail(arch);
  const verifyAttestation = async (ref: string, type: string) => {
    const r = await cli(['image', 'verify-attestation', ref, '--key', 'cosign.pub', '--type', type, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Statement[];
  };

  it('publishes a two-arch image, signs the index and both manifests, attests SBOMs and provenance', async () => {
    const r = await cli([
      'image',
      'publish',
      'apko.yaml',
      `${repo}:v1`,
      `${repo}:latest`,
      '--sign',
      '--key',
      'cosign.key',
      '--provenance',
      '--sbom-formats',
      'spdx,cyclonedx',
      '--sbom-path',
      'sboms',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    out = JSON.parse(r.stdout) as Published;
    assert.deepEqual(
      out.images.map((i) => i.arch),
      ['x86_64', 'aarch64'],
    );
    // One repository: each digest signed once, though two tags were pushed.
    assert.deepEqual(
      out.signed.map((s) => [s.subject, s.digest, s.tag, s.appended]),
      [
        ['index', out.index, `sha256-${hexOf(out.index)}.sig`, true],
        ['x86_64', digestOf('x86_64'), `sha256-${hexOf(digestOf('x86_64'))}.sig`, true],
        ['aarch64', digestOf('aarch64'), `sha256-${hexOf(digestOf('aarch64'))}.sig`, true],
      ],
    );
    assert.deepEqual(
      out.attested.map((a) => [a.subject, a.predicateType, a.sbom ?? '-', a.appended]),
      [
        ['index', SPDX, 'sbom-index.spdx.json', true],
        ['index', CDX, 'sbom-index.cdx.json', true],
        ['index', SLSA, '-', true],
        ['x86_64', SPDX, 'sbom-x86_64.spdx.json', true],
        ['x86_64', CDX, 'sbom-x86_64.cdx.json', true],
        ['x86_64', SLSA, '-', true],
        ['aarch64', SPDX, 'sbom-aarch64.spdx.json', true],
        ['aarch64', CDX, 'sbom-aarch64.cdx.json', true],
        ['aarch64', SLSA, '-', true],
      ],
    );
    assert.ok(out.attested.every((a) => a.digest === (a.subject === 'index' ? out.index : digestOf(a.subject))));

    // What the registry holds, read by skopeo: both tags on the index, the .sig image of each digest
    // with one simple-signing layer, the .att image of each with three DSSE layers.
    for (const tag of ['v1', 'latest']) assert.equal(`sha256:${sha256Hex(skopeoRaw(`${repo}:${tag}`))}`, out.index);
    for (const d of [out.index, digestOf('x86_64'), digestOf('aarch64')]) {
      const sig = JSON.parse(skopeoRaw(`${repo}:sha256-${hexOf(d)}.sig`).toString()) as {
        layers: { mediaType: string }[];
      };
      assert.deepEqual(
        sig.layers.map((l) => l.mediaType),
        ['application/vnd.dev.cosign.simplesigning.v1+json'],
      );
      const att = JSON.parse(skopeoRaw(`${repo}:sha256-${hexOf(d)}.att`).toString()) as {
        layers: { mediaType: string; annotations: Record<string, string> }[];
      };
      assert.deepEqual(
        att.layers.map((l) => [l.mediaType, l.annotations.predicateType]),
        [SPDX, CDX, SLSA].map((t) => ['application/vnd.dsse.envelope.v1+json', t]),
      );
    }
  });

  it('lupine image verify passes for the index (by tag) and for each arch (by digest)', async () => {
    const refs: [string, string][] = [
      [`${repo}:v1`, out.index],
      [`${repo}@${digestOf('x86_64')}`, digestOf('x86_64')],
      [`${repo}@${digestOf('aarch64')}`, digestOf('aarch64')],
    ];
    for (const [ref, digest] of refs) {
      const r = await cli(['image', 'verify', ref, '--key', 'cosign.pub', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const v = JSON.parse(r.stdout) as {
        digest: string;
        signatures: { critical: { identity: Record<string, string>; image: Record<string, string> } }[];
      };
      assert.equal(v.digest, digest);
      assert.equal(v.signatures.length, 1);
      assert.equal(v.signatures[0]?.critical.image['docker-manifest-digest'], digest);
      assert.equal(v.signatures[0]?.critical.identity['docker-reference'], repo);
    }
  });

  it("each arch's SPDX and CycloneDX attestations name that arch's digest and validate against the schemas", async () => {
    for (const arch of ['x86_64', 'aarch64']) {
      const digest = digestOf(arch);
      const [spdx, ...moreSpdx] = await verifyAttestation(`${repo}@${digest}`, 'spdx');
      assert.ok(spdx);
      assert.equal(moreSpdx.length, 0);
      assert.deepEqual(spdx.subject, [{ name: repo, digest: { sha256: hexOf(digest) } }]);
      assert.equal(spdx.predicateType, SPDX);
      assert.deepEqual(validateSpdx(spdx.predicate), []);
      const names = (spdx.predicate.packages as { name: string }[]).map((p) => p.name);
      for (const p of expectedDependencies(arch)) assert.ok(names.includes(p.name), `${arch} SPDX lists ${p.name}`);
      // The attested predicate is the SBOM written with --sbom-path, byte for byte as JSON.
      assert.deepEqual(
        spdx.predicate,
        JSON.parse(readFileSync(join(work, 'sboms', `sbom-${arch}.spdx.json`), 'utf8')) as unknown,
      );

      const [cdx] = await verifyAttestation(`${repo}@${digest}`, 'cyclonedx');
      assert.ok(cdx);
      assert.equal(cdx.subject[0]?.digest.sha256, hexOf(digest));
      assert.deepEqual(validateCycloneDx(cdx.predicate), []);
    }
    const [index] = await verifyAttestation(`${repo}:latest`, 'spdx');
    assert.ok(index);
    assert.equal(index.subject[0]?.digest.sha256, hexOf(out.index));
    assert.deepEqual(validateSpdx(index.predicate), []);
  });

  it("the SLSA provenance lists exactly the packages apko's lock pins, with their identities", async () => {
    const configBytes = readFileSync(join(golden, 'apko.yaml'));
    const check = (statement: Statement | undefined, digest: string, arch?: string) => {
      assert.ok(statement);
      assert.equal(statement.subject[0]?.digest.sha256, hexOf(digest));
      const p = statement.predicate as unknown as Provenance;
      assert.equal(p.runDetails.builder.id, 'https://lupine.dev/image-builder@v1');
      assert.equal(p.buildDefinition.buildType, 'https://lupine.dev/buildtypes/apko-image/v1');
      assert.deepEqual(p.buildDefinition.externalParameters.config, {
        name: 'apko.yaml',
        digest: { sha256: sha256Hex(configBytes) },
        checksum: lock.config.checksum,
      });
      assert.deepEqual(p.buildDefinition.externalParameters.archs, ['x86_64', 'aarch64']);
      assert.deepEqual(
        p.buildDefinition.resolvedDependencies.map((d) => ({
          name: d.name,
          uri: d.uri,
          sha1: d.digest.sha1,
          downloadLocation: d.downloadLocation,
        })),
        expectedDependencies(arch),
      );
      assert.deepEqual(p.runDetails.metadata, { startedOn: CREATED, finishedOn: CREATED });
      const sboms = arch
        ? [`sbom-${arch}.cdx.json`, `sbom-${arch}.spdx.json`]
        : ['sbom-index.cdx.json', 'sbom-index.spdx.json'];
      assert.deepEqual(
        p.runDetails.byproducts.map((b) => [b.name, b.digest.sha256]),
        sboms.map((s) => [s, sha256Hex(readFileSync(join(work, 'sboms', s)))]),
      );
    };
    for (const arch of ['x86_64', 'aarch64']) {
      check((await verifyAttestation(`${repo}@${digestOf(arch)}`, 'slsaprovenance'))[0], digestOf(arch), arch);
    }
    check((await verifyAttestation(`${repo}:v1`, 'slsaprovenance'))[0], out.index);
  });

  it('a wrong key fails verification of the signatures and of the attestations', async () => {
    for (const ref of [`${repo}:v1`, `${repo}@${digestOf('aarch64')}`]) {
      const v = await cli(['image', 'verify', ref, '--key', 'other.pub']);
      assert.equal(v.code, 1);
      assert.match(v.stderr, /SIGN_BAD_SIGNATURE/);
      const a = await cli(['image', 'verify-attestation', ref, '--key', 'other.pub', '--type', 'spdx']);
      assert.equal(a.code, 1);
      assert.match(a.stderr, /SIGN_BAD_SIGNATURE/);
    }
  });

  it('publishing the same build again adds no signature and no attestation; stdout keeps only the reference', async () => {
    const r = await cli([
      'image',
      'publish',
      'apko.yaml',
      `${repo}:v1`,
      '--sign',
      '--key',
      'cosign.key',
      '--provenance',
      '--sbom-formats',
      'spdx,cyclonedx',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${repo}@${out.index}\n`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.filter((l) => l.startsWith(`already signed ${repo}@`)).length, 3, r.stderr);
    assert.equal(lines.filter((l) => l.startsWith('already attested ')).length, 9, r.stderr);
    assert.ok(lines.includes(`already signed ${repo}@${out.index} (index) -> ${repo}:sha256-${hexOf(out.index)}.sig`));
    const att = JSON.parse(skopeoRaw(`${repo}:sha256-${hexOf(digestOf('x86_64'))}.att`).toString()) as {
      layers: unknown[];
    };
    assert.equal(att.layers.length, 3);
  });

  it('signs in every repository pushed to, and keeps URL credentials out of the provenance', async () => {
    const r = await cli([
      'image',
      'publish',
      'apko.yaml',
      `http://someone:s3cret@${reg.host}/other/one:v1`,
      `${reg.host}/other/two:v1`,
      '--sign',
      '--key',
      'cosign.key',
      '--provenance',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout) as Published;
    assert.deepEqual(
      o.signed.map((s) => `${s.name} ${s.subject}`),
      ['one', 'two'].flatMap((n) => ['index', 'x86_64', 'aarch64'].map((s) => `${reg.host}/other/${n} ${s}`)),
    );
    // SPDX only (the default) and provenance: two attestations per digest per repository.
    assert.equal(o.attested.length, 2 * 3 * 2);
    for (const n of ['one', 'two']) {
      const v = await cli(['image', 'verify', `${reg.host}/other/${n}:v1`, '--key', 'cosign.pub']);
      assert.equal(v.code, 0, v.stderr);
      const [prov] = await verifyAttestation(`${reg.host}/other/${n}:v1`, 'slsaprovenance');
      assert.ok(prov);
      const text = JSON.stringify(prov);
      assert.ok(!text.includes('s3cret'), 'no password in the provenance');
      const [spdx] = await verifyAttestation(`${reg.host}/other/${n}:v1`, 'spdx');
      assert.ok(spdx && !JSON.stringify(spdx).includes('s3cret'), 'no password in the SBOM');
    }
  });

  it('refuses a wrong password and bad flag mixes before building or pushing anything', async () => {
    const bad = await cli(
      ['image', 'publish', 'apko.yaml', `${reg.host}/refused/app:v1`, '--sign', '--key', 'cosign.key'],
      {
        COSIGN_PASSWORD: 'not-it',
      },
    );
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /SIGN_BAD_PASSWORD/);
    assert.throws(() => skopeoRaw(`${reg.host}/refused/app:v1`));
    for (const flags of [['--sign'], ['--key', 'cosign.key'], ['--provenance']]) {
      const u = await cli(['image', 'publish', 'apko.yaml', `${reg.host}/refused/app:v1`, ...flags]);
      assert.equal(u.code, 2, `${flags.join(' ')}: ${u.stderr}`);
    }
  });
});

describe('lupine image publish --sign when the registry refuses the signature', () => {
  let reg: TestRegistry;
  let server: http.Server | undefined;
  let refused = 0;
  let port = 0;
  before(async () => {
    reg = await startRegistry();
    const k = await cli(['image', 'keygen', '--output-key-prefix', 'deny', '--force']);
    assert.equal(k.code, 0, k.stderr);
    // A proxy that forwards everything but denies pushing any `.sig` manifest.
    server = http.createServer((req, res) => {
      if (req.method === 'PUT' && /\/manifests\/sha256-[0-9a-f]{64}\.sig$/.test(req.url ?? '')) {
        refused++;
        req.resume();
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"DENIED","message":"signatures are not allowed here"}]}');
        return;
      }
      const up = http.request(
        { host: '127.0.0.1', port: reg.port, method: req.method, path: req.url, headers: req.headers, agent: false },
        (ures) => {
          res.writeHead(ures.statusCode ?? 502, ures.headers);
          ures.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    port = (listening.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await reg?.stop();
  });

  it('fails, and the tag is never written: no one pulls an unsigned image by tag', async () => {
    const r = await cli([
      'image',
      'publish',
      'apko.yaml',
      `127.0.0.1:${port}/denied/app:v1`,
      '--sign',
      '--key',
      'deny.key',
      '--json',
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.ok(refused > 0, 'the proxy refused the signature');
    assert.equal(r.stdout, '');
    assert.throws(() => skopeoRaw(`${reg.host}/denied/app:v1`), 'the tag is absent');
    // The content itself was pushed (by digest) before signing: the same build made locally names it.
    const loaded = await loadImageConfig(join(work, 'apko.yaml'));
    assert.ok(loaded.config);
    const local = await buildImage(loaded.config, { workDir: work, clock: fixedClock(Number(EPOCH)) });
    const index = local.index.descriptor.digest;
    assert.equal(`sha256:${sha256Hex(skopeoRaw(`${reg.host}/denied/app@${index}`))}`, index);
  });
});
