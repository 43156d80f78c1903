import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apkIdentitySha1 as identitySha1 } from '../../src/apk/index.js';
import {
  imagePackageDependency,
  imageProvenancePredicate,
  type ImagePackage,
  type ImageProvenanceInput,
  repositoryLocation,
} from '../../src/image/index.js';
import { encodeStatement, makeStatement, PredicateType } from '../../src/sign/index.js';

// The pure parts of `lupine image publish --sign`: the provenance predicate and what it records.

const pkg = (name: string, arch: string, repository: string): ImagePackage => ({
  name,
  version: '1.0.0-r0',
  arch,
  // sha1 of nothing, as an apk identity.
  identity: `Q1${Buffer.from('da39a3ee5e6b4b0d3255bfef95601890afd80709', 'hex').toString('base64')}`,
  origin: name,
  repository,
  buildDate: 0,
  installedSize: 0,
  replaces: [],
});

const input = (over: Partial<ImageProvenanceInput> = {}): ImageProvenanceInput => ({
  configName: 'apko.yaml',
  configFiles: [{ bytes: Buffer.from('contents: {}\n') }],
  parameters: { archs: ['x86_64'] },
  packages: [pkg('zlib', 'x86_64', '/w/repo'), pkg('busybox', 'x86_64', 'https://u:pw@apk.example.com/os')],
  startedOn: 1700000000,
  finishedOn: 1700000060,
  workDir: '/w',
  ...over,
});

describe('image publish provenance (pure)', () => {
  it('identitySha1 turns a Q1 identity into hex sha1 and refuses other forms', () => {
    assert.equal(identitySha1(pkg('a', 'x86_64', '').identity), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
    assert.equal(identitySha1('Q2AAAA'), undefined);
    assert.equal(identitySha1('Q1AAAA'), undefined, 'too short for a sha1');
  });

  it('repositoryLocation: URL passwords are masked, local repositories under workDir become ./relative', () => {
    assert.equal(repositoryLocation('https://u:pw@apk.example.com/os', '/w'), 'https://u:***@apk.example.com/os');
    assert.equal(repositoryLocation('/w/testdata/packages', '/w'), './testdata/packages');
    assert.equal(repositoryLocation('/elsewhere/packages', '/w'), '/elsewhere/packages');
    assert.equal(repositoryLocation('/w/packages'), '/w/packages');
  });

  it('a package dependency carries purl, sha1, download location and the apk identity', () => {
    assert.deepEqual(imagePackageDependency(pkg('zlib', 'x86_64', '/w/repo'), '/w'), {
      name: 'zlib',
      uri: 'pkg:apk/zlib@1.0.0-r0?arch=x86_64',
      digest: { sha1: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' },
      downloadLocation: './repo/x86_64/zlib-1.0.0-r0.apk',
      annotations: { 'apk.identity': 'Q12jmj7l5rSw0yVb/vlWAYkK/YBwk=', 'apk.origin': 'zlib' },
    });
  });

  it('the predicate: builder, build type, config checksum, sorted dependencies, clock times; no secrets', () => {
    const p = imageProvenancePredicate(input()) as {
      buildDefinition: Record<string, unknown> & { resolvedDependencies: { name: string }[] };
      runDetails: Record<string, unknown>;
    };
    assert.equal(p.buildDefinition.buildType, 'https://lupine.dev/buildtypes/apko-image/v1');
    assert.deepEqual(p.buildDefinition.externalParameters, {
      config: {
        name: 'apko.yaml',
        digest: { sha256: 'd14a916fe465cdf9d464d48047c3635ef5d4442447dcaa97ba2153b87a566f95' },
        checksum: 'sha256-0UqRb+RlzfnUZNSAR8NjXvXURCRH3KqXuiFTuHpWb5U=',
      },
      archs: ['x86_64'],
    });
    assert.deepEqual(
      p.buildDefinition.resolvedDependencies.map((d) => d.name),
      ['busybox', 'zlib'],
    );
    assert.deepEqual(p.runDetails, {
      builder: { id: 'https://lupine.dev/image-builder@v1' },
      metadata: { startedOn: '2023-11-14T22:13:20Z', finishedOn: '2023-11-14T22:14:20Z' },
    });
    assert.ok(!JSON.stringify(p).includes('pw@'), 'the repository password is not recorded');
  });

  it('is deterministic: the same inputs in another order give the same statement bytes', () => {
    const a = input();
    const b = input({ packages: [...a.packages].reverse() });
    const bytes = (i: ImageProvenanceInput) =>
      encodeStatement(
        makeStatement(
          [{ name: 'r', digest: { sha256: 'ab' } }],
          PredicateType.slsaProvenanceV1,
          imageProvenancePredicate(i),
        ),
      );
    assert.deepEqual(bytes(a), bytes(b));
    assert.notDeepEqual(bytes(a), bytes(input({ finishedOn: 1700000061 })));
  });
});
