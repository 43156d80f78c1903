import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readSbom, type SbomPackage, toCycloneDx, toSpdx } from '../../../src/sbom/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { validateSpdx } from '../../helpers/json-schema.js';
import { vector } from '../../helpers/paths.js';
import { OPTS, pretendSbomText, sampleImage, samplePackages } from './sample.js';

function apkRows(pkgs: SbomPackage[]): string[] {
  return pkgs
    .filter((p) => p.purlType === 'apk')
    .map((p) => `${p.name} ${p.version} ${p.arch} ${p.origin} ${p.license}`)
    .sort();
}

describe('readSbom', () => {
  for (const arch of ['x86_64', 'aarch64']) {
    it(`reads apko's golden sbom-${arch}.spdx.json, which validates`, () => {
      const doc = JSON.parse(
        readFileSync(vector('apko', 'golden-testdata', 'golden', 'sboms', `sbom-${arch}.spdx.json`), 'utf8'),
      );
      assert.deepEqual(validateSpdx(doc), []);
      const got = readSbom(doc);
      assert.equal(got.format, 'spdx');
      assert.equal(got.specVersion, 'SPDX-2.3');
      assert.deepEqual(apkRows(got.packages), [
        `pretend-baselayout 1.0.0-r0 ${arch}  MIT`,
        `replayout 1.0.0-r0 ${arch}  MIT`,
      ]);
      const image = got.packages.find((p) => p.purlType === 'oci' && p.name.startsWith('sha256:') && p.arch !== '');
      assert.equal(image?.arch, arch === 'x86_64' ? 'amd64' : 'arm64');
      assert.equal(got.packages.length, 7);
    });
  }

  it("reads apko's golden sbom-index.spdx.json, which validates", () => {
    const text = readFileSync(vector('apko', 'golden-testdata', 'golden', 'sboms', 'sbom-index.spdx.json'), 'utf8');
    assert.deepEqual(validateSpdx(JSON.parse(text)), []);
    const got = readSbom(text);
    assert.deepEqual(got.packages.map((p) => p.arch).sort(), ['', 'amd64', 'arm64']);
    assert.ok(got.packages.every((p) => p.purlType === 'oci'));
  });

  it("reads pretend-baselayout's embedded melange SBOM; it fails the 2.3 schema only for purpose OPERATING-SYSTEM", () => {
    const doc = JSON.parse(pretendSbomText());
    // melange writes primaryPackagePurpose "OPERATING-SYSTEM" for its OS package; the SPDX 2.3 JSON
    // schema's enum spells it OPERATING_SYSTEM. That is the only schema error in the document.
    const errors = validateSpdx(doc);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0] ?? '', /^\/packages\/0\/primaryPackagePurpose must be equal to one of the allowed values/);
    assert.equal(doc.packages[0].primaryPackagePurpose, 'OPERATING-SYSTEM');
    const fixed = {
      ...doc,
      packages: doc.packages.map((p: Record<string, unknown>, i: number) =>
        i === 0 ? { ...p, primaryPackagePurpose: 'OPERATING_SYSTEM' } : p,
      ),
    };
    assert.deepEqual(validateSpdx(fixed), []);
    const got = readSbom(doc);
    assert.deepEqual(apkRows(got.packages), ['pretend-baselayout 1.0.0-r0 x86_64  MIT']);
    assert.equal(got.name, 'apk-pretend-baselayout-1.0.0-r0');
  });

  it('reads our own SPDX and CycloneDX back into the inventory packages', () => {
    const want = samplePackages()
      .map((p) => `${p.name} ${p.version} ${p.arch} ${p.origin !== p.name ? p.origin : ''} ${p.license}`)
      .sort();
    const fromCdx = readSbom(JSON.stringify(toCycloneDx(sampleImage(), OPTS)));
    assert.equal(fromCdx.format, 'cyclonedx');
    const cdxRows = fromCdx.packages
      .filter((p) => p.purlType === 'apk')
      .map((p) => `${p.name} ${p.version} ${p.arch} ${p.origin !== p.name ? p.origin : ''} ${p.license}`)
      .sort();
    assert.deepEqual(cdxRows, want);
    const fromSpdx = readSbom(toSpdx(sampleImage(), OPTS));
    const spdxRows = fromSpdx.packages
      .filter((p) => p.purlType === 'apk')
      .map((p) => `${p.name} ${p.version} ${p.arch} ${p.origin !== p.name ? p.origin : ''}`)
      .sort();
    assert.deepEqual(
      spdxRows,
      want.map((w) => w.split(' ').slice(0, 4).join(' ')),
    );
    // SPDX carries a LicenseRef for the non-SPDX license text.
    assert.equal(fromSpdx.packages.find((p) => p.name === 'musl-utils')?.license, 'LicenseRef-MIT-BSD-GPL2-plus');
  });

  it('reads syft- and trivy-style CycloneDX (nested components, origin properties, several licenses)', () => {
    const doc = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      metadata: { component: { type: 'container', name: 'alpine:3.18' } },
      components: [
        {
          type: 'library',
          name: 'libcrypto3',
          version: '3.1.2-r0',
          purl: 'pkg:apk/alpine/libcrypto3@3.1.2-r0?arch=x86_64&distro=3.18.0',
          licenses: [{ license: { id: 'Apache-2.0' } }, { license: { name: 'Custom License' } }],
          properties: [{ name: 'aquasecurity:trivy:SrcName', value: 'openssl' }],
          components: [
            {
              type: 'library',
              name: 'musl',
              version: '1.2.4-r1',
              purl: 'pkg:apk/alpine/musl@1.2.4-r1?arch=x86_64&upstream=musl',
              licenses: [{ expression: 'MIT' }],
            },
          ],
        },
        {
          type: 'library',
          name: 'busybox',
          version: '1.36.1-r2',
          properties: [{ name: 'syft:metadata:originPackage', value: 'busybox' }],
        },
      ],
    };
    const got = readSbom(doc);
    assert.equal(got.specVersion, '1.5');
    assert.deepEqual(
      got.packages.map((p) => [p.name, p.version, p.arch, p.origin, p.distro, p.license, p.purlType]),
      [
        ['libcrypto3', '3.1.2-r0', 'x86_64', 'openssl', '3.18.0', 'Apache-2.0 AND (Custom License)', 'apk'],
        ['musl', '1.2.4-r1', 'x86_64', 'musl', '', 'MIT', 'apk'],
        ['busybox', '1.36.1-r2', '', 'busybox', '', '', ''],
      ],
    );
  });

  it('rejects what is not an SBOM', () => {
    assertCodeSync(() => readSbom('{nope'), 'SBOM_MALFORMED');
    assertCodeSync(() => readSbom('[]'), 'SBOM_MALFORMED');
    assertCodeSync(() => readSbom({ hello: 'world' }), 'SBOM_UNKNOWN_FORMAT');
    assertCodeSync(() => readSbom({ spdxVersion: 'SPDX-2.3', packages: {} }), 'SBOM_MALFORMED');
    assertCodeSync(() => readSbom({ bomFormat: 'CycloneDX', components: [1] }), 'SBOM_MALFORMED');
  });
});
