/**
 * SLSA provenance v1 for packages (`lupine pkg build --generate-provenance`).
 *
 * Pure part: the statement of a package from fixed inputs (a golden file), how locations are
 * recorded, and the melange-style `.attest.tar.gz` (signed and unsigned) read back.
 *
 * Sandboxed part (real bubblewrap, a guest repository made in the test, a tarball served on
 * 127.0.0.1): a recipe with a `fetch` step and a subpackage built with the flag gets one statement
 * per package beside it; its subject is the .apk's name and sha256 with the `C:` identity; it lists
 * every guest package (purl, sha1 of the identity, download location) and the fetched source with
 * its sha256; the archive's signature verifies with the repository key; a second build gives the
 * same bytes; without the flag, or when a step fails, no statement is written.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  generateRsaKeyPair,
  parsePrivateKey,
  parsePublicKey,
  readPackage,
  type SigningKey,
  verifyBytes,
} from '../../../src/apk/index.js';
import { type BuildRecipeResult, buildRecipe } from '../../../src/pkg/index.js';
import {
  guestDependency,
  PACKAGE_BUILD_TYPE,
  PACKAGE_BUILDER_ID,
  type PackageProvenanceInput,
  packageStatement,
  provenanceFileName,
  recordedLocation,
  sourceDependency,
  statementText,
} from '../../../src/pkg/run/provenance.js';
import { provenanceArchive, readProvenanceArchive } from '../../../src/pkg/run/provenance-archive.js';
import { PredicateType, STATEMENT_V1 } from '../../../src/sign/index.js';
import { assertGolden } from '../../helpers/golden.js';
import {
  type GuestRepo,
  guestBuildOptions,
  makeGuestRepo,
  serveHelloTarball,
  type TarballServer,
} from './run-guest-repo.js';

interface Descriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  downloadLocation?: string;
  annotations?: Record<string, string>;
}
interface Predicate {
  buildDefinition: {
    buildType: string;
    externalParameters: Record<string, unknown> & {
      recipe: { path: string; digest: { sha256: string } };
      arch: string;
      package: string;
    };
    internalParameters: { runner: string; lupineVersion: string };
    resolvedDependencies: Descriptor[];
  };
  runDetails: { builder: { id: string; version: Record<string, string> }; metadata: Record<string, string> };
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const identityOf = (bytes: Uint8Array) => {
  const sha1 = createHash('sha1').update(bytes).digest();
  return `Q1${sha1.toString('base64')}`;
};

const FIXED: PackageProvenanceInput = {
  recipe: {
    path: 'hello/hello.yaml',
    sha256: 'a'.repeat(64),
    repository: 'https://example.com/distro',
    commit: 'c'.repeat(40),
  },
  arch: 'x86_64',
  runner: 'bubblewrap',
  toolVersion: '0.1.0',
  namespace: 'example',
  sourceDateEpoch: 1700000000,
  network: false,
  buildOptions: ['fast'],
  varsFile: { path: 'vars.yaml', sha256: 'b'.repeat(64) },
  repositoryAppend: ['./repo', 'https://user:secret@mirror.example.com/main'],
  keyringAppend: ['./keys/ci.rsa.pub'],
  guest: [
    {
      name: 'busybox',
      version: '1.36.1-r0',
      arch: 'x86_64',
      identity: identityOf(Buffer.from('busybox')),
      url: './repo/x86_64/busybox-1.36.1-r0.apk',
    },
    {
      name: 'ca-certificates-bundle',
      version: '20240226-r0',
      arch: 'x86_64',
      identity: identityOf(Buffer.from('ca')),
      url: 'https://mirror.example.com/main/x86_64/ca-certificates-bundle-20240226-r0.apk',
    },
  ],
  sources: [
    { kind: 'fetch', uri: 'https://example.com/hello-2.0.tar.gz', checksum: `sha256:${'d'.repeat(64)}` },
    { kind: 'git', repository: 'https://example.com/greeter.git', commit: 'e'.repeat(40), tag: 'v1.0' },
  ],
};

const HELLO = { name: 'hello', version: '2.0-r0', identity: 'Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=', origin: 'hello' };

describe('package provenance: the statement and its archive (pure)', () => {
  let signingKey: SigningKey;
  let publicPem = '';
  before(async () => {
    const pair = await generateRsaKeyPair(2048);
    signingKey = { key: parsePrivateKey(pair.privatePem, 'test.rsa'), keyName: 'test.rsa.pub' };
    publicPem = pair.publicPem;
  });

  it('matches the golden statement for fixed inputs', () => {
    const s = packageStatement(FIXED, { ...HELLO, bytes: Buffer.from('the apk bytes') });
    assertGolden('build/pkg-provenance.json', statementText(s).toString('utf8'));
    assert.equal(s._type, STATEMENT_V1);
    assert.equal(s.predicateType, PredicateType.slsaProvenanceV1);
    assert.deepEqual(s.subject, [
      {
        name: 'hello-2.0-r0.apk',
        digest: { sha256: sha256(Buffer.from('the apk bytes')) },
        annotations: { 'apk.identity': HELLO.identity, 'apk.origin': 'hello' },
      },
    ]);
    const p = s.predicate as Predicate;
    assert.equal(p.buildDefinition.buildType, PACKAGE_BUILD_TYPE);
    assert.equal(p.runDetails.builder.id, PACKAGE_BUILDER_ID);
    assert.deepEqual(p.runDetails.metadata, { startedOn: '2023-11-14T22:13:20Z', finishedOn: '2023-11-14T22:13:20Z' });
    // No password is recorded.
    assert.doesNotMatch(statementText(s).toString(), /secret/);
  });

  it('gives the same bytes for the same inputs, and different bytes for different package bytes', () => {
    const a = statementText(packageStatement(FIXED, { ...HELLO, bytes: Buffer.from('x') }));
    const b = statementText(packageStatement(FIXED, { ...HELLO, bytes: Buffer.from('x') }));
    const c = statementText(packageStatement(FIXED, { ...HELLO, bytes: Buffer.from('y') }));
    assert.ok(a.equals(b));
    assert.ok(!a.equals(c));
  });

  it('records guest packages by purl, identity sha1 and location; sources by uri and checksum or commit', () => {
    const busybox = FIXED.guest[0] as (typeof FIXED.guest)[number];
    assert.deepEqual(guestDependency(busybox), {
      name: 'busybox',
      uri: 'pkg:apk/busybox@1.36.1-r0?arch=x86_64',
      digest: { sha1: createHash('sha1').update('busybox').digest('hex') },
      downloadLocation: './repo/x86_64/busybox-1.36.1-r0.apk',
      annotations: { 'apk.identity': busybox.identity },
    });
    assert.deepEqual(sourceDependency(FIXED.sources[0] as (typeof FIXED.sources)[number]), {
      uri: 'https://example.com/hello-2.0.tar.gz',
      digest: { sha256: 'd'.repeat(64) },
      downloadLocation: 'https://example.com/hello-2.0.tar.gz',
    });
    assert.deepEqual(sourceDependency(FIXED.sources[1] as (typeof FIXED.sources)[number]), {
      uri: 'git+https://example.com/greeter.git@refs/tags/v1.0',
      digest: { gitCommit: 'e'.repeat(40) },
      downloadLocation: 'https://example.com/greeter.git',
    });
    assert.deepEqual(sourceDependency({ kind: 'fetch', uri: 'https://example.com/x.tgz', checksum: '' }), {
      uri: 'https://example.com/x.tgz',
      downloadLocation: 'https://example.com/x.tgz',
    });
  });

  it('records locations under the recipe repository relative to it, URLs without passwords', () => {
    assert.equal(recordedLocation('/src/distro/repo', '/src/distro'), './repo');
    assert.equal(recordedLocation('/src/distro', '/src/distro'), '.');
    assert.equal(recordedLocation('/elsewhere/repo', '/src/distro'), '/elsewhere/repo');
    assert.equal(recordedLocation('@local /src/distro/repo', '/src/distro'), '@local ./repo');
    assert.equal(recordedLocation('https://u:p@example.com/main', '/src/distro'), 'https://u:***@example.com/main');
  });

  it('writes melange’s archive: one .attestation entry, root-owned, mtime SOURCE_DATE_EPOCH', () => {
    assert.equal(provenanceFileName('hello', '2.0-r0'), 'hello-2.0-r0.attest.tar.gz');
    const text = statementText(packageStatement(FIXED, { ...HELLO, bytes: Buffer.from('x') }));
    const bytes = provenanceArchive('hello-2.0-r0', text, 1700000000);
    const read = readProvenanceArchive(bytes);
    assert.equal(read.name, 'hello-2.0-r0.attestation');
    assert.ok(read.text.equals(text));
    assert.equal(read.signature, undefined);
    const dir = join(process.env.TMPDIR ?? '/tmp', `lupine-prov-tar-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(join(dir, 'a.attest.tar.gz'), bytes);
      const listing = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvzf', join(dir, 'a.attest.tar.gz')], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, TZ: 'UTC' },
      });
      assert.match(listing, /^-rw-r--r-- 0\/0 +\d+ 2023-11-14 22:13:20 hello-2\.0-r0\.attestation$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('signs the archive like a package: the signature covers the attestation member', () => {
    const text = statementText(packageStatement(FIXED, { ...HELLO, bytes: Buffer.from('x') }));
    const bytes = provenanceArchive('hello-2.0-r0', text, 1700000000, signingKey);
    const read = readProvenanceArchive(bytes);
    assert.ok(read.text.equals(text));
    assert.ok(read.signature);
    assert.equal(read.signature.keyName, 'test.rsa.pub');
    const pub = parsePublicKey(publicPem, 'test.rsa.pub');
    assert.ok(verifyBytes(read.signature.signed, read.signature.signature, pub, read.signature.algorithm));
    // The signed member is the unsigned archive, byte for byte.
    assert.ok(read.signature.signed.equals(provenanceArchive('hello-2.0-r0', text, 1700000000)));
    const other = provenanceArchive('hello-2.0-r0', Buffer.from(`${text.toString()} `), 1700000000);
    assert.ok(!verifyBytes(other, read.signature.signature, pub, read.signature.algorithm));
  });
});

const RECIPE = (port: number, digest: string, fail = false) => `package:
  name: provd
  version: "2.0"
  epoch: 0
  description: built from a fetched tarball, with provenance
  copyright:
    - license: MIT
environment:
  contents:
    packages:
      - busybox
      - tar
pipeline:
  - uses: fetch
    with:
      uri: http://127.0.0.1:${port}/hello-\${{package.version}}.tar.gz
      expected-sha256: ${digest}
  - runs: |
      mkdir -p \${{targets.destdir}}/usr/share/provd
      cp README \${{targets.destdir}}/usr/share/provd/
      ${fail ? 'exit 3' : 'true'}
subpackages:
  - name: provd-doc
    pipeline:
      - runs: |
          mkdir -p \${{targets.subpkgdir}}/usr/share/doc/provd
          cp VERSION \${{targets.subpkgdir}}/usr/share/doc/provd/
`;

describe('pkg build --generate-provenance (bubblewrap)', () => {
  let repo: GuestRepo;
  let tarServer: TarballServer | undefined;
  let port = 0;
  let tarSha = '';
  let recipeFile = '';
  let first: BuildRecipeResult;
  const opts = (outDir: string, generateProvenance: boolean) =>
    guestBuildOptions(repo, outDir, { signingKey: repo.keyFile, sourceDateEpoch: 1700000000, generateProvenance });

  before(async () => {
    repo = await makeGuestRepo('run-provenance');
    tarServer = await serveHelloTarball(repo.base);
    ({ sha256: tarSha, port } = tarServer);
    mkdirSync(join(repo.base, 'recipes'));
    recipeFile = join(repo.base, 'recipes', 'provd.yaml');
    writeFileSync(recipeFile, RECIPE(port, tarSha));
    first = await buildRecipe(recipeFile, opts(join(repo.base, 'out-1'), true));
  });

  after(async () => {
    await tarServer?.close();
    if (repo) rmSync(repo.base, { recursive: true, force: true });
  });

  it('writes one statement per package beside it, whose subject is the .apk and its sha256', () => {
    assert.deepEqual(
      first.packages.map((p) => basename(p.provenancePath ?? '')),
      ['provd-2.0-r0.attest.tar.gz', 'provd-doc-2.0-r0.attest.tar.gz'],
    );
    for (const p of first.packages) {
      assert.equal(p.provenancePath, join(repo.base, 'out-1', 'x86_64', `${p.name}-${p.version}.attest.tar.gz`));
      const read = readProvenanceArchive(readFileSync(p.provenancePath as string));
      assert.equal(read.name, `${p.name}-2.0-r0.attestation`);
      const apk = readFileSync(p.path);
      assert.deepEqual(read.statement.subject, [
        {
          name: `${p.name}-2.0-r0.apk`,
          digest: { sha256: sha256(apk) },
          annotations: { 'apk.identity': readPackage(apk).identity, 'apk.origin': 'provd' },
        },
      ]);
      assert.equal(read.statement.predicateType, PredicateType.slsaProvenanceV1);
      const def = (read.statement.predicate as Predicate).buildDefinition;
      assert.equal(def.buildType, PACKAGE_BUILD_TYPE);
      assert.equal(def.externalParameters.package, p.name);
      assert.equal(def.externalParameters.arch, 'x86_64');
      assert.deepEqual(def.externalParameters.recipe, {
        path: 'provd.yaml',
        digest: { sha256: sha256(readFileSync(recipeFile)) },
      });
      assert.equal(def.internalParameters.runner, 'bubblewrap');
    }
  });

  it('lists every guest package (purl, identity sha1, download location) and the fetched source', () => {
    const read = readProvenanceArchive(readFileSync(first.packages[0]?.provenancePath as string));
    const deps = (read.statement.predicate as Predicate).buildDefinition.resolvedDependencies;
    const guestDeps = deps.filter((d) => d.uri?.startsWith('pkg:apk/'));
    assert.deepEqual(
      guestDeps.map((d) => `${d.name}=${d.uri?.replace(/^pkg:apk\/[^@]+@|\?.*$/g, '')}`).sort(),
      [...first.guest].sort(),
    );
    assert.ok(first.guest.length >= 3, first.guest.join(' '));
    for (const d of guestDeps) {
      const file = join(repo.dir, 'x86_64', `${d.name}-${d.uri?.replace(/^pkg:apk\/[^@]+@|\?.*$/g, '')}.apk`);
      const apk = readFileSync(file);
      const identity = readPackage(apk).identity;
      assert.equal(d.annotations?.['apk.identity'], identity);
      assert.deepEqual(d.digest, { sha1: Buffer.from(identity.slice(2), 'base64').toString('hex') });
      assert.equal(d.downloadLocation, file);
      assert.match(d.uri ?? '', /\?arch=x86_64$/);
    }
    const source = deps.find((d) => d.uri === `http://127.0.0.1:${port}/hello-2.0.tar.gz`);
    assert.deepEqual(source, {
      uri: `http://127.0.0.1:${port}/hello-2.0.tar.gz`,
      digest: { sha256: tarSha },
      downloadLocation: `http://127.0.0.1:${port}/hello-2.0.tar.gz`,
    });
    assert.equal(deps.length, first.guest.length + 1);
  });

  it('signs each archive with the package key', () => {
    const pub = parsePublicKey(readFileSync(join(repo.keysDir, repo.keyName)), repo.keyName);
    for (const p of first.packages) {
      const read = readProvenanceArchive(readFileSync(p.provenancePath as string));
      assert.equal(read.signature?.keyName, repo.keyName);
      assert.ok(
        read.signature && verifyBytes(read.signature.signed, read.signature.signature, pub, read.signature.algorithm),
      );
    }
  });

  it('gives byte-identical statements when built again', async () => {
    const second = await buildRecipe(recipeFile, opts(join(repo.base, 'out-2'), true));
    assert.equal(second.packages.length, first.packages.length);
    for (const [i, p] of second.packages.entries()) {
      const a = readFileSync(first.packages[i]?.provenancePath as string);
      const b = readFileSync(p.provenancePath as string);
      assert.ok(a.equals(b), `${p.name}: the two provenance archives differ`);
    }
  });

  it('writes no statement without the flag', async () => {
    const out = join(repo.base, 'out-none');
    const r = await buildRecipe(recipeFile, opts(out, false));
    assert.equal(r.packages.length, 2);
    assert.ok(r.packages.every((p) => p.provenancePath === undefined));
    const files = readdirSync(join(out, 'x86_64'));
    assert.deepEqual(
      files.filter((f) => f.includes('attest')),
      [],
    );
    assert.ok(files.includes('provd-2.0-r0.apk'));
  });

  it('writes no statement when a step fails', async () => {
    const failing = join(repo.base, 'recipes', 'provd-broken.yaml');
    writeFileSync(failing, RECIPE(port, tarSha, true));
    const out = join(repo.base, 'out-failed');
    await assert.rejects(buildRecipe(failing, opts(out, true)), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'BUILD_STEP_FAILED');
      return true;
    });
    assert.ok(!existsSync(join(out, 'x86_64')));
  });
});
