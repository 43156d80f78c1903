import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ImageInventory, stringifySbom, toSpdx } from '../../../src/sbom/index.js';
import { validateSpdx } from '../../helpers/json-schema.js';
import { OPTS, pretendBaselayout, sampleImage } from './sample.js';

/** A melange-like document with the problems seen in the wild. */
function embedded(): unknown {
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: 'apk-foo-1.0-r0',
    documentNamespace: 'https://example.dev/foo',
    creationInfo: { created: '1970-01-01T00:00:00Z', creators: ['Tool: melange'] },
    packages: [
      {
        SPDXID: 'SPDXRef-Package-foo_1.0',
        name: 'foo',
        versionInfo: '1.0-r0',
        downloadLocation: 'NOASSERTION',
        externalRefs: [
          { referenceCategory: 'PACKAGE_MANAGER', referenceType: 'purl', referenceLocator: 'pkg:apk/x/foo@1.0-r0' },
          {
            referenceCategory: 'SECURITY',
            referenceType: 'cpe23Type',
            referenceLocator: 'cpe:2.3:a:foo:foo:1.0:*:*:*:*:*:*:*',
          },
        ],
      },
      {
        SPDXID: 'SPDXRef-Package-upstream',
        name: 'foo-src',
        versionInfo: '1.0',
        downloadLocation: 'https://example.dev/foo-1.0.tar.gz',
        licenseDeclared: 'BSD',
        licenseConcluded: 'LicenseRef-foo-custom',
        primaryPackagePurpose: 'OPERATING-SYSTEM',
        hasFiles: ['SPDXRef-File-x'],
        packageVerificationCode: { packageVerificationCodeValue: '0'.repeat(40) },
        filesAnalyzed: true,
        someVendorField: 1,
        externalRefs: [
          { referenceCategory: 'PACKAGE_MANAGER', referenceType: 'purl', referenceLocator: 'pkg:generic/foo@1.0' },
        ],
      },
      { SPDXID: 'SPDXRef-unrelated', name: 'unrelated', downloadLocation: 'NOASSERTION' },
    ],
    files: [{ SPDXID: 'SPDXRef-File-x', fileName: 'usr/bin/foo', checksums: [] }],
    hasExtractedLicensingInfos: [{ licenseId: 'LicenseRef-foo-custom', extractedText: 'custom terms', name: 'Foo' }],
    relationships: [
      {
        spdxElementId: 'SPDXRef-DOCUMENT',
        relationshipType: 'DESCRIBES',
        relatedSpdxElement: 'SPDXRef-Package-foo_1.0',
      },
      {
        spdxElementId: 'SPDXRef-Package-foo_1.0',
        relationshipType: 'GENERATED_FROM',
        relatedSpdxElement: 'SPDXRef-Package-upstream',
      },
      { spdxElementId: 'SPDXRef-Package-foo_1.0', relationshipType: 'CONTAINS', relatedSpdxElement: 'SPDXRef-File-x' },
    ],
  };
}

describe('toSpdx: merging embedded package SBOMs', () => {
  const foo = { ...pretendBaselayout(), name: 'foo', version: '1.0-r0', embeddedSpdx: embedded() };
  const inv: ImageInventory = {
    ...sampleImage(),
    packages: [foo, { ...pretendBaselayout(), embeddedSpdx: { not: 'spdx' } }],
  };
  const doc = toSpdx(inv, OPTS);

  it('validates although the embedded document does not', () => {
    assert.deepEqual(validateSpdx(JSON.parse(stringifySbom(doc))), []);
    assert.notDeepEqual(validateSpdx(embedded()), []);
  });

  it("renames the embedded entry of the package to lupine's and keeps its CPE", () => {
    const ours = doc.packages.filter((p) => p.name === 'foo');
    assert.equal(ours.length, 1);
    assert.equal(ours[0]?.SPDXID, 'SPDXRef-Package-apk-foo-1.0-r0');
    assert.deepEqual(
      ours[0]?.externalRefs?.map((r) => `${r.referenceCategory} ${r.referenceType}`),
      ['PACKAGE-MANAGER purl', 'SECURITY cpe23Type'],
    );
    assert.ok(
      doc.relationships.some(
        (r) =>
          r.spdxElementId === 'SPDXRef-Package-apk-foo-1.0-r0' &&
          r.relationshipType === 'GENERATED_FROM' &&
          r.relatedSpdxElement === 'SPDXRef-Package-upstream',
      ),
    );
  });

  it('copies reachable packages only, without files, with licenses and purposes made valid', () => {
    const src = doc.packages.find((p) => p.SPDXID === 'SPDXRef-Package-upstream');
    assert.ok(src);
    assert.equal(src.filesAnalyzed, false);
    assert.equal(src.hasFiles, undefined);
    assert.equal(src.packageVerificationCode, undefined);
    assert.equal(src.someVendorField, undefined);
    assert.equal(src.primaryPackagePurpose, 'OPERATING_SYSTEM');
    assert.equal(src.licenseDeclared, 'LicenseRef-BSD');
    assert.equal(src.licenseConcluded, 'LicenseRef-foo-custom');
    assert.equal(src.externalRefs?.[0]?.referenceCategory, 'PACKAGE-MANAGER');
    const infos = doc.hasExtractedLicensingInfos?.map((e) => `${e.licenseId}=${e.extractedText}`);
    assert.deepEqual(infos, ['LicenseRef-BSD=BSD', 'LicenseRef-foo-custom=custom terms']);
    assert.equal(
      doc.packages.find((p) => p.name === 'unrelated'),
      undefined,
    );
    assert.ok(!doc.relationships.some((r) => r.relatedSpdxElement.startsWith('SPDXRef-File')));
  });

  it('ignores an embedded document that is not SPDX', () => {
    assert.equal(doc.packages.filter((p) => p.name === 'pretend-baselayout').length, 1);
  });
});
