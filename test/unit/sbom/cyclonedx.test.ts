import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cyclonedxLicenses, stringifySbom, toCycloneDx } from '../../../src/sbom/index.js';
import { assertGolden } from '../../helpers/golden.js';
import { validateCycloneDx } from '../../helpers/json-schema.js';
import { OPTS, sampleImage, sampleIndex, samplePackage, samplePackages } from './sample.js';

describe('toCycloneDx', () => {
  const doc = toCycloneDx(sampleImage(), OPTS);
  const text = stringifySbom(doc);

  it('image: matches the golden file and validates against CycloneDX 1.6', () => {
    assertGolden('sbom/image.cdx.json', text);
    assert.deepEqual(validateCycloneDx(JSON.parse(text)), []);
  });

  it('is byte-identical when built twice', () => {
    assert.equal(stringifySbom(toCycloneDx(sampleImage(), OPTS)), text);
  });

  it('has a urn:uuid serial number derived from the digest (v5, not random)', () => {
    assert.match(doc.serialNumber, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(toCycloneDx(sampleImage('other'), OPTS).serialNumber, doc.serialNumber);
    assert.equal(doc.metadata.timestamp, '2023-11-14T22:13:20Z');
    assert.deepEqual(
      doc.metadata.tools.components.map((c) => `${c.name}@${c.version}`),
      ['lupine@0.1.0'],
    );
    assert.equal(doc.metadata.component.type, 'container');
  });

  it('lists every package as a library with bom-ref = purl, plus the operating system', () => {
    const libs = doc.components.filter((c) => c.type === 'library');
    assert.equal(libs.length, samplePackages().length);
    for (const c of libs) assert.equal(c['bom-ref'], c.purl);
    assert.deepEqual(
      doc.components.filter((c) => c.type === 'operating-system').map((c) => `${c.name} ${c.version}`),
      ['alpine 3.16.0'],
    );
    const refs = doc.components.map((c) => c['bom-ref']);
    assert.equal(new Set(refs).size, refs.length);
    assert.deepEqual(refs, [...refs].sort());
  });

  it('has a dependency entry for every component; dependsOn are resolved bom-refs', () => {
    const refs = new Set([doc.metadata.component['bom-ref'], ...doc.components.map((c) => c['bom-ref'])]);
    assert.equal(doc.dependencies.length, refs.size);
    for (const d of doc.dependencies) {
      assert.ok(refs.has(d.ref));
      for (const on of d.dependsOn) assert.ok(refs.has(on), on);
    }
    const busybox = doc.dependencies.find((d) => d.ref.startsWith('pkg:apk/alpine/busybox@'));
    assert.deepEqual(busybox?.dependsOn, ['pkg:apk/alpine/musl@1.2.3-r0?arch=aarch64&distro=alpine-3.16.0']);
  });

  it('index and package: golden and valid', () => {
    for (const [name, inv] of [
      ['index', sampleIndex()],
      ['package', samplePackage()],
    ] as const) {
      const t = stringifySbom(toCycloneDx(inv, OPTS));
      assertGolden(`sbom/${name}.cdx.json`, t);
      assert.deepEqual(validateCycloneDx(JSON.parse(t)), [], name);
    }
  });

  it('licenses: id only for listed SPDX ids, expression for compound ones, name otherwise', () => {
    assert.deepEqual(cyclonedxLicenses('MIT'), [{ license: { id: 'MIT' } }]);
    assert.deepEqual(cyclonedxLicenses('mit'), [{ license: { id: 'MIT' } }]);
    assert.deepEqual(cyclonedxLicenses('MPL-2.0 AND MIT'), [{ expression: 'MPL-2.0 AND MIT' }]);
    assert.deepEqual(cyclonedxLicenses('GPL-2.0+'), [{ expression: 'GPL-2.0+' }]);
    assert.deepEqual(cyclonedxLicenses('MIT BSD GPL2+'), [{ license: { name: 'MIT BSD GPL2+' } }]);
    assert.deepEqual(cyclonedxLicenses('Sleepycat-Custom'), [{ license: { name: 'Sleepycat-Custom' } }]);
    assert.equal(cyclonedxLicenses(''), undefined);
    const musl = doc.components.find((c) => c.name === 'musl-utils');
    assert.deepEqual(musl?.licenses, [{ license: { name: 'MIT BSD GPL2+' } }]);
  });
});
