import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { embeddedSbomPaths, inventoryFromInstalled, parseOsRelease } from '../../../src/sbom/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';
import { ALPINE_OS_RELEASE, PRETEND_SBOM_PATH, pretendSbomText } from './sample.js';

describe('inventoryFromInstalled', () => {
  const db = readFileSync(vector('apk', 'db', 'installed'), 'utf8');

  it('reads the real Alpine installed database: 14 packages in database order with their fields', () => {
    const inv = inventoryFromInstalled(db, ALPINE_OS_RELEASE);
    assert.deepEqual(inv.os, {
      id: 'alpine',
      versionId: '3.16.0',
      name: 'Alpine Linux',
      prettyName: 'Alpine Linux v3.16',
      homeUrl: 'https://alpinelinux.org/',
    });
    assert.equal(inv.packages.length, 14);
    assert.equal(inv.packages[0]?.name, 'alpine-baselayout-data');
    const crypto = inv.packages.find((p) => p.name === 'libcrypto1.1');
    assert.equal(crypto?.origin, 'openssl');
    assert.equal(crypto?.license, 'OpenSSL');
    assert.equal(crypto?.arch, 'aarch64');
    assert.match(crypto?.identity ?? '', /^Q1/);
    assert.ok((crypto?.provides.length ?? 0) > 0);
    assert.equal(inv.packages.find((p) => p.name === 'musl-utils')?.license, 'MIT BSD GPL2+');
    assert.ok(inv.packages.every((p) => p.embeddedSpdx === undefined));
  });

  it("attaches embedded SBOMs found at apko's paths", () => {
    const record = 'P:pretend-baselayout\nV:1.0.0-r0\nA:x86_64\nL:MIT\n\n';
    const inv = inventoryFromInstalled(record, undefined, {
      embeddedSboms: { [PRETEND_SBOM_PATH]: pretendSbomText() },
    });
    assert.equal(
      (inv.packages[0]?.embeddedSpdx as { name?: string } | undefined)?.name,
      'apk-pretend-baselayout-1.0.0-r0',
    );
    assert.equal(inv.os.id, 'unknown');
    const fallback = inventoryFromInstalled(record, '', {
      embeddedSboms: { 'var/lib/db/sbom/pretend-baselayout-1.0.0.spdx.json': '{"spdxVersion":"SPDX-2.3"}' },
    });
    assert.deepEqual(fallback.packages[0]?.embeddedSpdx, { spdxVersion: 'SPDX-2.3' });
    assertCodeSync(
      () => inventoryFromInstalled(record, '', { embeddedSboms: { [PRETEND_SBOM_PATH]: '{' } }),
      'SBOM_MALFORMED',
    );
    assert.deepEqual(embeddedSbomPaths('foo', '1.2-r3'), [
      'var/lib/db/sbom/foo-1.2-r3.spdx.json',
      'var/lib/db/sbom/foo-1.2.spdx.json',
      'var/lib/db/sbom/foo.spdx.json',
    ]);
  });

  it('parses os-release quoting', () => {
    const os = parseOsRelease('# comment\nID="Wolfi"\nVERSION_ID=\'20230201\'\nPRETTY_NAME="Wolfi \\"rolling\\""\n');
    assert.equal(os.id, 'wolfi');
    assert.equal(os.versionId, '20230201');
    assert.equal(os.prettyName, 'Wolfi "rolling"');
  });

  it('reads os-release written with CRLF line ends (the distro is not lost)', () => {
    const os = parseOsRelease('ID="debian"\r\nVERSION_ID="12"\r\n');
    assert.equal(os.id, 'debian');
    assert.equal(os.versionId, '12');
  });
});
