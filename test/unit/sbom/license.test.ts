import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  checkLicenseExpression,
  LicenseRefs,
  parseLicenseExpression,
  spdxExceptionIds,
  spdxLicenseFor,
  spdxLicenseIds,
} from '../../../src/sbom/index.js';
import { vector } from '../../helpers/paths.js';

describe('SPDX license expressions', () => {
  it('every id of the SPDX license list (spdx-license-ids, spdx-exceptions) is kept as itself', () => {
    const ids = spdxLicenseIds();
    const exceptions = spdxExceptionIds();
    assert.ok(ids.length >= 700, `only ${ids.length} license ids`);
    assert.ok(exceptions.length >= 60, `only ${exceptions.length} exception ids`);
    const refs = new LicenseRefs();
    const changed = ids.filter((id) => checkLicenseExpression(id) !== id || spdxLicenseFor(id, refs) !== id);
    assert.deepEqual(changed, []);
    const withs = exceptions
      .map((e) => `GPL-2.0-only WITH ${e}`)
      .filter((x) => checkLicenseExpression(x) !== x || spdxLicenseFor(x, refs) !== x);
    assert.deepEqual(withs, []);
    // Ids the old hand-written table turned into LicenseRef-s.
    for (const id of ['Zlib', 'curl', 'OpenSSL-standalone', 'Python-2.0.1', 'X11-distribute-modifications-variant']) {
      assert.equal(spdxLicenseFor(id, refs), id);
    }
  });

  it('every license id of the CycloneDX 1.6 schema list that the package list has is known', () => {
    const list = (JSON.parse(readFileSync(vector('schemas', 'spdx.schema.json'), 'utf8')) as { enum: string[] }).enum;
    const known = new Set([...spdxLicenseIds(), ...spdxExceptionIds()]);
    const unknown = list.filter((id) => !known.has(id) && !id.endsWith('+'));
    // The exceptions package trails the list by a few recent exceptions; licenses are all there.
    assert.ok(unknown.length <= 20, unknown.join(' '));
  });

  it('accepts valid expressions and writes them canonically', () => {
    const cases: [string, string][] = [
      ['MIT', 'MIT'],
      ['mit', 'MIT'],
      ['GPL-2.0-or-later', 'GPL-2.0-or-later'],
      ['GPL-2.0+', 'GPL-2.0+'],
      ['MPL-2.0 AND MIT', 'MPL-2.0 AND MIT'],
      ['BSD-2-Clause and BSD-3-Clause', 'BSD-2-Clause AND BSD-3-Clause'],
      ['(MIT OR Apache-2.0) AND BSD-3-Clause', '(MIT OR Apache-2.0) AND BSD-3-Clause'],
      ['MIT OR Apache-2.0 AND BSD-3-Clause', 'MIT OR Apache-2.0 AND BSD-3-Clause'],
      ['((MIT))', 'MIT'],
      ['GPL-3.0-or-later WITH GCC-exception-3.1', 'GPL-3.0-or-later WITH GCC-exception-3.1'],
      ['Apache-2.0 WITH LLVM-exception OR MIT', 'Apache-2.0 WITH LLVM-exception OR MIT'],
      ['LicenseRef-custom-1 OR MIT', 'LicenseRef-custom-1 OR MIT'],
      ['NOASSERTION', 'NOASSERTION'],
    ];
    for (const [input, want] of cases) assert.equal(checkLicenseExpression(input), want, input);
  });

  it('rejects what is not a valid expression', () => {
    for (const bad of [
      '',
      'MIT BSD',
      'GPL2+',
      'BSD',
      'Public Domain',
      'MIT AND',
      '(MIT',
      'MIT)',
      'AND MIT',
      'MIT WITH',
      'MIT WITH Foo-exception',
      'MIT+ +',
      'MIT And GPL-2.0-only',
    ]) {
      assert.equal(checkLicenseExpression(bad), undefined, bad);
    }
    assert.equal(parseLicenseExpression('Foo-1.0 AND Bar')?.kind, 'and');
  });

  it('maps non-SPDX license fields to LicenseRefs with extracted text', () => {
    const refs = new LicenseRefs();
    assert.equal(spdxLicenseFor('', refs), 'NOASSERTION');
    assert.equal(spdxLicenseFor('MIT BSD GPL2+', refs), 'LicenseRef-MIT-BSD-GPL2-plus');
    assert.equal(spdxLicenseFor('GPL-2.0-only AND Custom', refs), 'GPL-2.0-only AND LicenseRef-Custom');
    assert.equal(spdxLicenseFor('BSD', refs), 'LicenseRef-BSD');
    assert.equal(spdxLicenseFor('Public Domain', refs), 'LicenseRef-Public-Domain');
    assert.equal(spdxLicenseFor('Public/Domain', refs), 'LicenseRef-Public-Domain-83632737');
    assert.equal(spdxLicenseFor('MIT WITH Foo-exception', refs), 'LicenseRef-MIT-WITH-Foo-exception');
    assert.equal(spdxLicenseFor('Apache-2.0', refs), 'Apache-2.0');
    const ids = refs.extracted().map((e) => e.licenseId);
    assert.deepEqual(ids, [
      'LicenseRef-BSD',
      'LicenseRef-Custom',
      'LicenseRef-MIT-BSD-GPL2-plus',
      'LicenseRef-MIT-WITH-Foo-exception',
      'LicenseRef-Public-Domain',
      'LicenseRef-Public-Domain-83632737',
    ]);
    for (const e of refs.extracted()) {
      assert.ok(e.extractedText.length > 0);
      assert.ok(checkLicenseExpression(e.licenseId) !== undefined);
    }
  });
});
