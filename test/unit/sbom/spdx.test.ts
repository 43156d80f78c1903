import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkLicenseExpression,
  type ImageInventory,
  type SpdxDocument,
  stringifySbom,
  toSpdx,
} from '../../../src/sbom/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { assertGolden } from '../../helpers/golden.js';
import { validateSpdx } from '../../helpers/json-schema.js';
import { fakeDigest, OPTS, sampleImage, sampleIndex, samplePackage, samplePackages } from './sample.js';

function rels(doc: SpdxDocument, type: string): string[] {
  return doc.relationships
    .filter((r) => r.relationshipType === type)
    .map((r) => `${r.spdxElementId} ${r.relatedSpdxElement}`);
}

function byId(doc: SpdxDocument, id: string) {
  const p = doc.packages.find((x) => x.SPDXID === id);
  assert.ok(p, `no package ${id}`);
  return p;
}

describe('toSpdx: image', () => {
  const doc = toSpdx(sampleImage(), OPTS);
  const text = stringifySbom(doc);

  it('matches the golden file', () => {
    assertGolden('sbom/image.spdx.json', text);
  });

  it('validates against the SPDX 2.3 schema', () => {
    assert.deepEqual(validateSpdx(JSON.parse(text)), []);
  });

  it('is byte-identical when built twice', () => {
    assert.equal(stringifySbom(toSpdx(sampleImage(), OPTS)), text);
  });

  it('serializes with a stable key order whatever order the object was built in', () => {
    const reversed = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(reversed);
      if (v === null || typeof v !== 'object') return v;
      return Object.fromEntries(
        Object.entries(v)
          .reverse()
          .map(([k, x]) => [k, reversed(x)]),
      );
    };
    assert.equal(stringifySbom(reversed(JSON.parse(text))), text);
    assert.ok(text.endsWith('}\n') && text.startsWith('{\n  "spdxVersion": "SPDX-2.3",\n'));
  });

  it('lists every installed package, each with a purl, checksums and a valid license', () => {
    const pkgs = samplePackages();
    const apks = doc.packages.filter((p) => p.SPDXID.startsWith('SPDXRef-Package-apk-'));
    assert.equal(apks.length, pkgs.length);
    assert.equal(pkgs.length, 15);
    for (const p of apks) {
      assert.equal(p.filesAnalyzed, false);
      assert.match(p.externalRefs?.[0]?.referenceLocator ?? '', /^pkg:apk\/alpine\//);
      assert.equal(p.checksums?.[0]?.algorithm, 'SHA1', p.name);
      const lic = p.licenseDeclared ?? '';
      const refsKnown = (lic.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? []).every((r) =>
        doc.hasExtractedLicensingInfos?.some((e) => e.licenseId === r),
      );
      assert.ok(checkLicenseExpression(lic) !== undefined && refsKnown, `${p.name}: ${lic}`);
      assert.match(p.supplier ?? '', /^(Organization: .+|NOASSERTION)$/);
    }
    assert.equal(
      byId(doc, 'SPDXRef-Package-apk-alpine-baselayout-data-3.2.0-r22').externalRefs?.[0]?.referenceLocator,
      'pkg:apk/alpine/alpine-baselayout-data@3.2.0-r22?arch=aarch64&distro=alpine-3.16.0&upstream=alpine-baselayout',
    );
  });

  it('maps the non-SPDX license "MIT BSD GPL2+" to a LicenseRef with extracted text', () => {
    const p = byId(doc, 'SPDXRef-Package-apk-musl-utils-1.2.3-r0');
    assert.equal(p.licenseDeclared, 'LicenseRef-MIT-BSD-GPL2-plus');
    const info = doc.hasExtractedLicensingInfos?.find((e) => e.licenseId === 'LicenseRef-MIT-BSD-GPL2-plus');
    assert.equal(info?.extractedText, 'MIT BSD GPL2+');
  });

  it('has SPDXIDs that are unique and use only [A-Za-z0-9.-]', () => {
    const ids = doc.packages.map((p) => p.SPDXID);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^SPDXRef-[A-Za-z0-9.-]+$/);
    // ssl_client has an underscore
    byId(doc, 'SPDXRef-Package-apk-ssl-client-1.35.0-r17');
  });

  it('is sorted: packages by SPDXID, relationships by triple', () => {
    const ids = doc.packages.map((p) => p.SPDXID);
    assert.deepEqual(ids, [...ids].sort());
    const triples = doc.relationships.map(
      (r) => `${r.spdxElementId}\u0000${r.relationshipType}\u0000${r.relatedSpdxElement}`,
    );
    assert.deepEqual(triples, [...triples].sort());
  });

  it('relates the image to its layer, OS, packages and source; DEPENDS_ON follows resolved depends', () => {
    const image = `SPDXRef-Package-Image-${sampleImage().digest.replace(':', '-')}`;
    assert.deepEqual(rels(doc, 'DESCRIBES'), [`SPDXRef-DOCUMENT ${image}`]);
    const contains = rels(doc, 'CONTAINS');
    assert.equal(contains.length, 15 + 2);
    assert.ok(contains.includes(`${image} SPDXRef-OperatingSystem-alpine`));
    assert.equal(rels(doc, 'GENERATED_FROM').length, 1);
    const deps = rels(doc, 'DEPENDS_ON');
    // busybox D: so:libc.musl-aarch64.so.1 → musl provides it
    assert.ok(
      deps.includes('SPDXRef-Package-apk-busybox-1.35.0-r17 SPDXRef-Package-apk-musl-1.2.3-r0'),
      deps.join('\n'),
    );
    // apk-tools D: musl>=1.2 ca-certificates-bundle so:libcrypto.so.1.1 so:libssl.so.1.1 so:libz.so.1
    for (const t of [
      'ca-certificates-bundle-20220614-r0',
      'libcrypto1.1-1.1.1q-r0',
      'libssl1.1-1.1.1q-r0',
      'musl-1.2.3-r0',
      'zlib-1.2.12-r3',
    ]) {
      assert.ok(deps.includes(`SPDXRef-Package-apk-apk-tools-2.12.9-r3 SPDXRef-Package-apk-${t}`), t);
    }
  });

  it("merges pretend-baselayout's embedded melange SBOM like apko: recipe copied, no duplicate, no OS", () => {
    const own = 'SPDXRef-Package-apk-pretend-baselayout-1.0.0-r0';
    const recipe = 'SPDXRef-Package-Melange-pretend-baselayout.melange.yaml-326e0ed687bdfeadac839dc9b25686e4442c9d04';
    assert.equal(byId(doc, recipe).primaryPackagePurpose, 'INSTALL');
    assert.ok(rels(doc, 'DESCRIBED_BY').includes(`${own} ${recipe}`));
    assert.equal(doc.packages.filter((p) => p.name === 'pretend-baselayout').length, 1);
    // The melange document's OS package (purpose OPERATING-SYSTEM, not in the schema enum) is unrelated.
    assert.equal(doc.packages.filter((p) => p.SPDXID === 'SPDXRef-OperatingSystem').length, 0);
    // Two images' worth of the same embedded SBOM is still one copy.
    const twice: ImageInventory = {
      ...sampleImage(),
      packages: [...samplePackages(), { ...samplePackages()[14]!, version: '1.0.0-r1' }],
    };
    const d2 = toSpdx(twice, OPTS);
    assert.equal(d2.packages.filter((p) => p.SPDXID === recipe).length, 1);
    assert.deepEqual(validateSpdx(JSON.parse(stringifySbom(d2))), []);
  });

  it('derives the namespace from the digest: a different digest gives a different namespace', () => {
    const other = toSpdx(sampleImage('other'), OPTS);
    assert.notEqual(other.documentNamespace, doc.documentNamespace);
    assert.match(
      doc.documentNamespace,
      /^https:\/\/spdx\.org\/spdxdocs\/lupine\/sbom-sample-sha256-[0-9a-f]{64}-[0-9a-f-]{36}$/,
    );
    assert.equal(doc.creationInfo.created, '2023-11-14T22:13:20Z');
    assert.deepEqual(doc.creationInfo.creators, ['Tool: lupine-0.1.0']);
  });

  it('rejects a digest that is not sha256:<hex>', () => {
    assertCodeSync(() => toSpdx({ ...sampleImage(), digest: 'sha256:xyz' }, OPTS), 'SBOM_BAD_INVENTORY');
  });
});

describe('toSpdx: index and package', () => {
  it('index: VARIANT_OF each image, golden, valid', () => {
    const doc = toSpdx(sampleIndex(), OPTS);
    const text = stringifySbom(doc);
    assertGolden('sbom/index.spdx.json', text);
    assert.deepEqual(validateSpdx(JSON.parse(text)), []);
    const variants = rels(doc, 'VARIANT_OF');
    assert.equal(variants.length, 2);
    const purls = doc.packages.map((p) => p.externalRefs?.[0]?.referenceLocator ?? '');
    assert.ok(purls.some((p) => p.includes('arch=amd64')) && purls.some((p) => p.includes('arch=arm64')));
    assert.ok(purls.some((p) => p.includes('mediaType=application%2Fvnd.oci.image.index.v1%2Bjson')));
  });

  it('package: DESCRIBED_BY its recipe, GENERATED_FROM its sources, golden, valid', () => {
    const doc = toSpdx(samplePackage(), OPTS);
    const text = stringifySbom(doc);
    assertGolden('sbom/package.spdx.json', text);
    assert.deepEqual(validateSpdx(JSON.parse(text)), []);
    assert.equal(doc.name, 'apk-hello-2.12.1-r3');
    assert.equal(rels(doc, 'DESCRIBED_BY').length, 1);
    assert.equal(rels(doc, 'GENERATED_FROM').length, 2);
    const locators = doc.packages.flatMap((p) => (p.externalRefs ?? []).map((r) => r.referenceLocator));
    assert.ok(locators.includes('pkg:github/wolfi-dev/os@' + 'b'.repeat(40) + '#hello.yaml'), locators.join('\n'));
    assert.ok(
      locators.some(
        (l) =>
          l.startsWith('pkg:generic/hello@2.12.1?checksum=sha256:') &&
          l.endsWith('&download_url=https:%2F%2Fftp.gnu.org%2Fgnu%2Fhello%2Fhello-2.12.1.tar.gz'),
      ),
      locators.join('\n'),
    );
    const other = toSpdx(
      { ...samplePackage(), package: { ...samplePackage().package, datahash: fakeDigest('x').slice(7) } },
      OPTS,
    );
    assert.notEqual(other.documentNamespace, doc.documentNamespace);
  });
  it("package: each source carries the recipe's license, as its package does (issue 12 provenance)", () => {
    const doc = toSpdx(samplePackage(), OPTS);
    const sources = doc.packages.filter((p) => p.primaryPackagePurpose === 'SOURCE');
    assert.equal(sources.length, 2);
    for (const s of sources) assert.equal(s.licenseDeclared, 'GPL-3.0-or-later', s.name);
    const unlicensed = toSpdx({ ...samplePackage(), package: { ...samplePackage().package, license: '' } }, OPTS);
    for (const s of unlicensed.packages.filter((p) => p.primaryPackagePurpose === 'SOURCE')) {
      assert.equal(s.licenseDeclared, 'NOASSERTION', s.name);
    }
  });
});
