/**
 * Which file of a Debian source package is "the upstream tarball": the `*.orig.tar.*` of a quilt
 * package, or the one tarball of a native package (Debian is upstream: ca-certificates).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareVersions } from '../../../src/apk/index.js';
import {
  apkVersionOfUpstream,
  debianFileFor,
  isDebianPackaging,
  isNativeTarball,
  origTarball,
  parsePrintUris,
  upstreamOfDebianVersion,
} from '../../../src/pkg/sources/debian-version.js';

const sum = (c: string) => `SHA256:${c.repeat(64)}`;
const uris = (...files: string[]) =>
  parsePrintUris(files.map((f, i) => `'file:/a/${f}' ${f} ${100 + i} ${sum(String(i))}`).join('\n'));

describe('origTarball', () => {
  test('a quilt package: the orig tarball, not its signature, a component or the debian tarball', () => {
    const files = uris(
      'busybox_1.38.0-3.dsc',
      'busybox_1.38.0.orig-extra.tar.gz',
      'busybox_1.38.0.orig.tar.bz2',
      'busybox_1.38.0.orig.tar.bz2.asc',
      'busybox_1.38.0-3.debian.tar.xz',
    );
    const orig = origTarball(files);
    assert.equal(orig?.file, 'busybox_1.38.0.orig.tar.bz2');
    assert.equal(isNativeTarball(orig as NonNullable<typeof orig>), false);
  });

  test('a native package (ca-certificates): its one source tarball', () => {
    const files = uris('ca-certificates_20250419.dsc', 'ca-certificates_20250419.tar.xz');
    const orig = origTarball(files);
    assert.equal(orig?.file, 'ca-certificates_20250419.tar.xz');
    assert.equal(orig?.sha256, '1'.repeat(64));
    assert.equal(isNativeTarball(orig as NonNullable<typeof orig>), true);
  });

  test('only a .dsc and a debian tarball: none', () => {
    assert.equal(origTarball(uris('foo_1.0-1.dsc', 'foo_1.0-1.debian.tar.xz')), undefined);
  });
});

describe('debianFileFor', () => {
  const files = uris(
    'sqlite3_3.53.4-2.dsc',
    'sqlite3_3.53.4.orig-www.tar.xz',
    'sqlite3_3.53.4.orig.tar.xz',
    'sqlite3_3.53.4-2.debian.tar.xz',
  );

  test("a uri naming Debian's packaging tarball (any scheme) gets that file: the patches Debian applies", () => {
    for (const uri of [
      'debian:sqlite3_3.53.4-2.debian.tar.xz',
      'https://example.test/x/sqlite3_3.53.4-2.debian.tar.xz',
    ]) {
      const f = debianFileFor(files, uri);
      assert.equal(f?.file, 'sqlite3_3.53.4-2.debian.tar.xz', uri);
      assert.equal(f?.sha256, '3'.repeat(64));
      assert.equal(isDebianPackaging(f as NonNullable<typeof f>), true);
    }
  });

  test("any other uri (upstream's URL, a debian-orig: name) gets the orig tarball, not a component", () => {
    for (const uri of ['https://sqlite.org/2026/sqlite-src-3530400.zip', 'debian-orig:sqlite3_3.53.4.orig.tar.xz']) {
      const f = debianFileFor(files, uri);
      assert.equal(f?.file, 'sqlite3_3.53.4.orig.tar.xz', uri);
      assert.equal(isDebianPackaging(f as NonNullable<typeof f>), false);
    }
  });
});

describe('apkVersionOfUpstream', () => {
  test("a dated patch level (ncurses' 6.6+20260608) is apk's _p suffix, ordered by its date", () => {
    const of = (debian: string) => apkVersionOfUpstream(upstreamOfDebianVersion(debian));
    assert.equal(of('6.6+20260608-2'), '6.6_p20260608');
    assert.ok(compareVersions(of('6.6+20251231-1'), '6.6_p20260608') < 0);
    assert.ok(compareVersions(of('6.6+20260701-1'), '6.6_p20260608') > 0);
    assert.ok(compareVersions(of('6.7-1'), '6.6_p20260608') > 0);
  });

  test('other versions are left as they are', () => {
    for (const v of ['1.3.2', '3.53.4', '2026c', '20250419', '1.0.8']) assert.equal(apkVersionOfUpstream(v), v);
  });
});
