/**
 * Issue 15: the real advisory documents in ../shared/vectors/advisories load, and fixed inventories
 * give findings equal to lists checked by hand against those documents (each list says how).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { PACKS_KEPT, sealPack } from '../../src/repo/index.js';
import { decodeAdvisories, parseDpkgStatus, publishSecdb } from '../../src/scan/index.js';
import { runCli } from '../helpers/cli.js';
import { repoRoot, vector } from '../helpers/paths.js';
import { findingLine } from '../unit/scan/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'lupine-scan-real-'));
const env = { SOURCE_DATE_EPOCH: '1700000000', HOME: tmp, PATH: process.env.PATH };
const cli = (argv: string[]) => runCli(argv, { env, cwd: tmp });
after(() => rmSync(tmp, { recursive: true, force: true }));

const ADV = vector('advisories');
const W = (name: string) => join(ADV, 'wolfi', `${name}.advisories.yaml`);

function put(path: string, text: string): void {
  mkdirSync(dirname(join(tmp, path)), { recursive: true });
  writeFileSync(join(tmp, path), text);
}

/** A root with an APK installed database (name, version, origin) and an os-release. */
function apkRoot(dir: string, osRelease: string, pkgs: ReadonlyArray<readonly [string, string, string?]>): void {
  const db = pkgs.map(([n, v, o]) => `P:${n}\nV:${v}\nA:x86_64\no:${o ?? n}\n`).join('\n');
  put(`${dir}/lib/apk/db/installed`, `${db}\n`);
  put(`${dir}/etc/os-release`, osRelease);
}

type JsonReport = { findings: Parameters<typeof findingLine>[0][]; scanned: boolean; notScanned?: string };

async function findings(argv: string[]): Promise<string[]> {
  const r = await cli([...argv, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as JsonReport;
  assert.equal(doc.scanned, true);
  return doc.findings.map(findingLine);
}

function files(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]))
    .filter((f) => /\.(json|ya?ml)$/.test(f))
    .sort();
}

const V311 = 'secdb/alpine-v3.11-main--vulnerablecode.json';
// Hand check: xen lists XSA-252 under '4.10-1-r1' (not an APK version) and under '4.10.0-r2'.
const XEN_WARNING = `${V311}: xen: secfixes key '4.10-1-r1' (XSA-252) is not a valid APK version; skipped (--strict fails instead)`;

describe('every real advisory document loads', () => {
  it('secdb: the invalid xen fix version is skipped, 4.10.0-r2 is the fix of XSA-252; --strict fails', async () => {
    const d = decodeAdvisories(readFileSync(join(ADV, V311)), V311);
    const xen = d.batches.flatMap((b) => b.entries).filter((e) => e.package === 'xen' && e.id === 'XSA-252');
    assert.deepEqual(
      xen.map((e) => e.fixed),
      ['4.10.0-r2'],
    );
    apkRoot('x0', 'ID=alpine\nVERSION_ID=3.11.0\n', [['xen', '4.10.0-r1']]);
    const r = await cli(['scan', 'x0', '--db', join(ADV, V311), '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /xen: secfixes key '4\.10-1-r1'/);
    const doc = JSON.parse(r.stdout) as { findings: Array<{ id: string; fixedIn?: string; fixed?: string }> };
    const xsa = doc.findings.filter((f) => f.id === 'XSA-252' || JSON.stringify(f).includes('XSA-252'));
    assert.ok(xsa.length > 0, r.stdout);
    assert.ok(
      xsa.every((f) => JSON.stringify(f).includes('4.10.0-r2') && !JSON.stringify(f).includes('4.10-1-r1')),
      r.stdout,
    );
    const strict = await cli(['scan', 'x0', '--db', join(ADV, V311), '--strict']);
    assert.equal(strict.code, 3, strict.stderr);
    assert.match(strict.stderr, /SCAN_BAD_ADVISORY.*xen: secfixes key '4\.10-1-r1'/);
  });

  it('each file decodes without an error; one warning (an invalid fix version); only the two empty ones yield no entries', () => {
    const empty: string[] = [];
    const all = files(ADV);
    assert.ok(all.length >= 100, `${all.length} files`);
    for (const f of all) {
      const d = decodeAdvisories(readFileSync(f), relative(ADV, f));
      const warnings = d.batches.flatMap((b) => b.warnings);
      assert.deepEqual(warnings, relative(ADV, f) === V311 ? [XEN_WARNING] : [], f);
      if (!d.indexIds && d.batches.every((b) => b.entries.length === 0)) empty.push(relative(ADV, f));
    }
    // DLA-3623-1 is osv.dev's trimmed record (`affected: []`); the v3.3 community secdb lists no package.
    assert.deepEqual(empty, ['osv/debian/DLA-3623-1.json', 'secdb/alpine-v3.3-community-empty--vulnerablecode.json']);
  });

  it('the whole tree as one --db source: one warning (xen), every format named, entries from each', async () => {
    apkRoot('w0', 'ID=wolfi\nVERSION_ID=20230201\n', [['wolfi-baselayout', '20230201-r0']]);
    const r = await cli(['scan', 'w0', '--db', ADV, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), `lupine: warning: ${join(ADV, V311)}: ${XEN_WARNING.slice(V311.length + 2)}`);
    const doc = JSON.parse(r.stdout) as { sources: Array<{ formats: string[]; entries: number; date: string }> };
    assert.deepEqual(doc.sources[0]?.formats, ['advisory yaml', 'debian tracker', 'osv', 'secdb']);
    assert.ok((doc.sources[0]?.entries ?? 0) > 700);
    assert.match(doc.sources[0]?.date ?? '', /^20\d\d-\d\d-\d\dT/);
  });

  it('schema-version "2", 2.0.1 and the pre-2.0 form all read; a syntax error is skipped with a warning, --strict fails', async () => {
    for (const name of ['brotli', 'gcc-12', 'zlib']) {
      const d = decodeAdvisories(readFileSync(W(name)), name);
      assert.ok(d.batches[0]?.entries.length, name);
    }
    for (const h of ['93ac81685142', 'ede90aabe897', '32d496b28f25']) {
      const f = join(ADV, 'wolfi', 'historical', h, 'zlib.advisories.yaml');
      const entries = decodeAdvisories(readFileSync(f), f).batches[0]?.entries ?? [];
      // Hand check: each historical zlib document lists CVE-2018-25032 as fixed (1.2.12-r0).
      assert.ok(
        entries.some((e) => e.id === 'CVE-2018-25032' && e.state === 'fixed' && e.fixed === '1.2.12-r0'),
        h,
      );
    }
    put('broken-db/gcc-12.advisories.yaml', readFileSync(W('gcc-12'), 'utf8'));
    put('broken-db/zz.advisories.yaml', `${readFileSync(W('zlib'), 'utf8')}  - id: [unclosed\n`);
    apkRoot('w1', 'ID=wolfi\n', [['gcc-12', '12.3.0-r3']]);
    const r = await cli(['scan', 'w1', '--db', 'broken-db']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: broken-db\/zz\.advisories\.yaml: \d+:\d+: .*skipped/);
    assert.match(r.stdout, /CVE-2023-4039/);
    const strict = await cli(['scan', 'w1', '--db', 'broken-db', '--strict']);
    assert.equal(strict.code, 3);
    assert.match(strict.stderr, /SCAN_BAD_ADVISORY.*zz\.advisories\.yaml/);
  });
});

describe('golden findings on fixed inventories (checked by hand against the documents)', () => {
  it('Wolfi advisory YAML: fixed→false-positive, false-positive→fixed, out-of-order events, "2" documents', async () => {
    apkRoot('wolfi', 'ID=wolfi\nVERSION_ID=20230201\n', [
      ['aws-efs-csi-driver', '2.1.6-r1'],
      ['brotli', '1.0.9-r0'],
      ['curl', '8.1.2-r0'],
      ['flyway', '11.2.0-r0'],
      ['gcc-12', '12.3.0-r3'],
      ['libgcrypt', '1.10.3-r0'],
      ['lua5.3', '5.3.6-r4'],
      ['postgresql-13', '13.14-r0'],
    ]);
    const dbs = ['aws-efs-csi-driver', 'brotli', 'curl', 'flyway', 'gcc-12', 'libgcrypt', 'lua5.3', 'postgresql-13'];
    const got = await findings(['scan', 'wolfi', ...dbs.flatMap((n) => ['--db', W(n)])]);
    // Hand checks (latest event by timestamp decides):
    // - aws-efs-csi-driver 2.1.6-r1: fixes above it are 2.1.6-r2 (CVE-2025-22870), 2.1.7-r0 (CVE-2025-0426)
    //   and 2.1.7-r2 (CVE-2025-22872). CGA-pggr-w7gc-5r3m (CVE-2024-9042) lists `fixed 2.1.7-r0` last in
    //   the file but its false positive (2025-03-19) is later than the fix (2025-03-18): not shown.
    // - brotli ("2"): its only advisory is a false positive: nothing.
    // - curl 8.1.2-r0: the 16 fixes above 8.1.2-r0; CVE-2023-32001 was fixed in 8.2.0-r0 and later
    //   declared a false positive, CVE-2023-52071 is a false positive: neither shows.
    // - flyway 11.2.0-r0: three pending-upstream-fix (not fixed), four fixes above 11.2.0-r0.
    // - gcc-12 ("2") 12.3.0-r3: CVE-2023-4039 fixed in 12.3.0-r4.
    // - libgcrypt: pending-upstream-fix only → not fixed. lua5.3: fix-not-planned → won't fix.
    // - postgresql-13 13.14-r0: every fix is ≤ 13.14-r0; seven advisories end in a detection, among
    //   them CGA-2vjx-23jm-4246 (CVE-2017-8806), whose false positive (2023-05-03) is written after a
    //   later detection (2024-03-23): under investigation.
    assert.deepEqual(got, [
      'aws-efs-csi-driver 2.1.6-r1 CVE-2025-0426 fixed 2.1.7-r0 Unknown',
      'aws-efs-csi-driver 2.1.6-r1 CVE-2025-22870 fixed 2.1.6-r2 Unknown',
      'aws-efs-csi-driver 2.1.6-r1 CVE-2025-22872 fixed 2.1.7-r2 Unknown',
      'curl 8.1.2-r0 CVE-2023-38545 fixed 8.4.0-r0 Unknown',
      'curl 8.1.2-r0 CVE-2023-38546 fixed 8.4.0-r0 Unknown',
      'curl 8.1.2-r0 CVE-2023-46218 fixed 8.5.0-r0 Unknown',
      'curl 8.1.2-r0 CVE-2023-46219 fixed 8.5.0-r0 Unknown',
      'curl 8.1.2-r0 CVE-2024-0853 fixed 8.6.0-r0 Unknown',
      'curl 8.1.2-r0 CVE-2024-11053 fixed 8.11.1-r0 Unknown',
      'curl 8.1.2-r0 CVE-2024-2004 fixed 8.7.1-r0 Unknown',
      'curl 8.1.2-r0 CVE-2024-2379 fixed 8.7.1-r0 Unknown',
      'curl 8.1.2-r0 CVE-2024-2398 fixed 8.7.1-r0 Unknown',
      'curl 8.1.2-r0 CVE-2024-2466 fixed 8.7.1-r0 Unknown',
      'curl 8.1.2-r0 CVE-2024-7264 fixed 8.9.1-r0 Unknown',
      'curl 8.1.2-r0 CVE-2024-8096 fixed 8.10.0-r0 Unknown',
      'curl 8.1.2-r0 CVE-2024-9681 fixed 8.11.0-r0 Unknown',
      'curl 8.1.2-r0 CVE-2025-0167 fixed 8.12.0-r0 Unknown',
      'curl 8.1.2-r0 CVE-2025-0665 fixed 8.12.0-r0 Unknown',
      'curl 8.1.2-r0 CVE-2025-0725 fixed 8.12.0-r0 Unknown',
      'flyway 11.2.0-r0 CVE-2020-8908 not-fixed - Unknown',
      'flyway 11.2.0-r0 CVE-2023-2976 not-fixed - Unknown',
      'flyway 11.2.0-r0 CVE-2024-47535 not-fixed - Unknown',
      'flyway 11.2.0-r0 CVE-2025-24789 fixed 11.2.0-r1 Unknown',
      'flyway 11.2.0-r0 CVE-2025-24790 fixed 11.2.0-r1 Unknown',
      'flyway 11.2.0-r0 CVE-2025-24970 fixed 11.3.1-r1 Unknown',
      'flyway 11.2.0-r0 CVE-2025-27496 fixed 11.4.1-r0 Unknown',
      'gcc-12 12.3.0-r3 CVE-2023-4039 fixed 12.3.0-r4 Unknown',
      'libgcrypt 1.10.3-r0 CVE-2024-2236 not-fixed - Unknown',
      'lua5.3 5.3.6-r4 CVE-2020-15945 wont-fix - Unknown',
      'postgresql-13 13.14-r0 CVE-2017-8806 under-investigation - Unknown',
      'postgresql-13 13.14-r0 CVE-2024-10976 under-investigation - Unknown',
      'postgresql-13 13.14-r0 CVE-2024-10977 under-investigation - Unknown',
      'postgresql-13 13.14-r0 CVE-2024-10978 under-investigation - Unknown',
      'postgresql-13 13.14-r0 CVE-2024-10979 under-investigation - Unknown',
      'postgresql-13 13.14-r0 CVE-2024-7348 under-investigation - Unknown',
      'postgresql-13 13.14-r0 CVE-2025-1094 under-investigation - Unknown',
    ]);
  });

  it('Wolfi secdb (vunnel fixture): fixes by origin, "0" NAKs', async () => {
    apkRoot('wsecdb', 'ID=wolfi\n', [
      ['apko', '0.10.0-r5'],
      ['coreutils', '9.1-r0'],
      ['expat', '2.4.9-r0'],
      ['libexpat1', '2.4.9-r0', 'expat'],
      ['zlib', '1.2.12-r2'],
    ]);
    const got = await findings(['scan', 'wsecdb', '--db', join(ADV, 'secdb', 'wolfi--vunnel-provider-security.json')]);
    // Hand checks: apko 0.10.0-r6 fixes CVE-2023-39325 and CVE-2023-3978 (its "0" ids never show);
    // coreutils lists CVE-2016-2781 under "0"; expat 2.5.0-r0 fixes CVE-2022-43680 (2.4.9-r0's own
    // fix is already in), libexpat1 by its origin; zlib 1.2.12-r3 fixes CVE-2022-37434.
    assert.deepEqual(got, [
      'apko 0.10.0-r5 CVE-2023-39325 fixed 0.10.0-r6 Unknown',
      'apko 0.10.0-r5 CVE-2023-3978 fixed 0.10.0-r6 Unknown',
      'expat 2.4.9-r0 CVE-2022-43680 fixed 2.5.0-r0 Unknown',
      'libexpat1 2.4.9-r0 CVE-2022-43680 fixed 2.5.0-r0 Unknown',
      'zlib 1.2.12-r2 CVE-2022-37434 fixed 1.2.12-r3 Unknown',
    ]);
  });

  it('Alpine OSV (ALPINE-CVE-2025-26519): the branch picks the range; severity from the CVSS 3.1 vector', async () => {
    const rec = join(ADV, 'osv', 'alpine', 'ALPINE-CVE-2025-26519.json');
    apkRoot('a320', 'ID=alpine\nVERSION_ID=3.20.3\n', [
      ['musl', '1.2.5-r0'],
      ['musl-utils', '1.2.5-r0', 'musl'],
    ]);
    apkRoot('a319', 'ID=alpine\nVERSION_ID=3.19.4\n', [['musl', '1.2.4_git20230717-r5']]);
    // Hand check: v3.20 is fixed in 1.2.5-r1; v3.19 in 1.2.4_git20230717-r5 (installed). The vector
    // AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H scores 7.0: High.
    assert.deepEqual(await findings(['scan', 'a320', '--db', rec]), [
      'musl 1.2.5-r0 CVE-2025-26519 fixed 1.2.5-r1 High',
      'musl-utils 1.2.5-r0 CVE-2025-26519 fixed 1.2.5-r1 High',
    ]);
    assert.deepEqual(await findings(['scan', 'a319', '--db', rec]), []);
  });
});

const BOOKWORM = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';

/** A bookworm dpkg status: apparmor and a binary of it, sope's library, chromium. */
const STATUS = [
  'Package: apparmor\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.8-3\n',
  'Package: libapparmor1\nStatus: install ok installed\nArchitecture: amd64\nSource: apparmor\nVersion: 3.0.8-3\n',
  'Package: libsope1\nStatus: install ok installed\nArchitecture: amd64\nSource: sope (5.8.0-1)\nVersion: 5.8.0-1+b1\n',
  'Package: chromium\nStatus: install ok installed\nArchitecture: amd64\nVersion: 98.0.4758.102-1\n',
  'Package: removed-thing\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0-1\n',
].join('\n');

describe('dpkg inventories and Debian data', () => {
  it('the real dpkg status files read (Source with a version, multi-line fields; vcpkg is not Debian)', () => {
    const read = (n: string) => parseDpkgStatus(readFileSync(join(ADV, 'debian-tracker', 'dpkg-status', n), 'utf8'));
    const pg = read('claircore--postgresql.status');
    assert.deepEqual(
      pg.map((p) => `${p.name} ${p.version} ${p.origin} ${p.originVersion ?? ''}`),
      [
        'postgresql-client 11+200+deb10u5 postgresql-common 200+deb10u5',
        'postgresql-client-11 11.22-0+deb10u2 postgresql-11 ',
        'postgresql-client-common 200+deb10u5 postgresql-common ',
      ],
    );
    assert.equal(read('claircore--debian-only.status').length, 1);
    assert.equal(read('claircore--texlive.first40stanzas.status').length, 40);
    assert.equal(read('claircore--vcpkg.status').length, 15); // 24 stanzas, 9 of them features (no Version)
  });

  it('a bookworm root (status and distroless status.d) with the Debian tracker data: golden findings', async () => {
    put('deb/var/lib/dpkg/status', STATUS);
    put('deb/etc/os-release', BOOKWORM);
    // distroless: one file per package under status.d, no Status field.
    put(
      'distroless/var/lib/dpkg/status.d/libapparmor1',
      'Package: libapparmor1\nSource: apparmor\nVersion: 3.0.8-3\nArchitecture: amd64\n',
    );
    put('distroless/var/lib/dpkg/status.d/libapparmor1.md5sums', 'd41d8cd98f00b204e9800998ecf8427e  usr/lib/x\n');
    put('distroless/etc/os-release', BOOKWORM);
    const dbs = [
      '--db',
      join(ADV, 'debian-tracker', 'osv.dev--debian_security_tracker_mock.json'),
      '--db',
      join(ADV, 'debian-tracker', 'vunnel--debian.json'),
    ];
    // Hand checks (bookworm column of each file): apparmor CVE-2016-1585 is open, urgency unimportant
    // (Negligible), for apparmor and libapparmor1 (source apparmor); CVE-2014-1424 is "0" (never
    // affected); CVE-2017-6507 fixed in 2.11.0-3 < 3.0.8-3. sope CVE-2025-53603 is fixed in
    // 5.8.0-1+deb12u1 > the source version 5.8.0-1. chromium CVE-2022-0456 fixed in 98.0.4758.80-1 <
    // 98.0.4758.102-1. The deinstalled package is not installed.
    assert.deepEqual(await findings(['scan', 'deb', ...dbs]), [
      'apparmor 3.0.8-3 CVE-2016-1585 not-fixed - Negligible',
      'libapparmor1 3.0.8-3 CVE-2016-1585 not-fixed - Negligible',
      'libsope1 5.8.0-1+b1 CVE-2025-53603 fixed 5.8.0-1+deb12u1 Unknown',
    ]);
    assert.deepEqual(await findings(['scan', 'distroless', ...dbs]), [
      'libapparmor1 3.0.8-3 CVE-2016-1585 not-fixed - Negligible',
    ]);
  });

  it('with no Debian data loaded: "not scanned: no data for debian 12", exit 4, also under --fail-on', async () => {
    put('deb2/var/lib/dpkg/status', STATUS);
    put('deb2/etc/os-release', BOOKWORM);
    const wolfi = join(ADV, 'secdb', 'wolfi--vunnel-provider-security.json');
    const r = await cli(['scan', 'deb2', '--db', wolfi]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stdout, /^Not scanned: no data for debian 12 \(4 packages, debian 12\)/);
    assert.doesNotMatch(r.stdout, /No vulnerabilities/);
    const j = JSON.parse((await cli(['scan', 'deb2', '--db', wolfi, '--format', 'json'])).stdout) as JsonReport;
    assert.equal(j.scanned, false);
    assert.equal(j.notScanned, 'no data for debian 12');
    assert.equal((await cli(['scan', 'deb2', '--db', wolfi, '--fail-on', 'critical'])).code, 4);
    // Debian data for another release (Debian 9 OSV) does not cover bookworm either.
    const dla = join(ADV, 'osv', 'debian', 'DLA-3008-1.json');
    assert.equal((await cli(['scan', 'deb2', '--db', dla])).code, 4);
    // dpkg packages without a Debian os-release (claircore's vcpkg status): not scanned.
    put(
      'vcpkg/var/lib/dpkg/status',
      readFileSync(join(ADV, 'debian-tracker', 'dpkg-status', 'claircore--vcpkg.status'), 'utf8'),
    );
    const v = await cli(['scan', 'vcpkg', '--db', wolfi]);
    assert.equal(v.code, 4);
    assert.match(
      v.stdout,
      /Not scanned: no data for an unknown distro \(no os-release ID; --distro names one\) \(15 packages/,
    );
    // A root with no package database at all is not clean either.
    put('empty/etc/os-release', BOOKWORM);
    const e = await cli(['scan', 'empty', '--db', wolfi]);
    assert.equal(e.code, 4);
    assert.match(e.stdout, /Not scanned: no package database found/);
  });
});

describe('findings keep their own aliases; --ignore ID:PACKAGE', () => {
  const doc = (pkg: string, cga: string, ghsa: string) =>
    [
      'schema-version: 2.0.2',
      'package:',
      `  name: ${pkg}`,
      'advisories:',
      `  - id: ${cga}`,
      '    aliases:',
      '      - CVE-2025-0001',
      `      - ${ghsa}`,
      '    events:',
      '      - timestamp: 2025-01-01T00:00:00Z',
      '        type: fixed',
      '        data:',
      '          fixed-version: 2.0-r0',
      '',
    ].join('\n');

  it('two packages with the same CVE under different CGA/GHSA ids: each finding lists only its own', async () => {
    put('own/glibc.advisories.yaml', doc('glibc', 'CGA-2222-3333-4444', 'GHSA-aaaa-bbbb-cccc'));
    put('own/musl.advisories.yaml', doc('musl', 'CGA-5555-6666-7777', 'GHSA-dddd-eeee-ffff'));
    apkRoot('own-root', 'ID=wolfi\n', [
      ['glibc', '1.0-r0'],
      ['musl', '1.0-r0'],
    ]);
    const r = await cli(['scan', 'own-root', '--db', 'own', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const fs = (
      JSON.parse(r.stdout) as {
        findings: Array<{ package: { name: string }; vulnerability: string; aliases: string[] }>;
      }
    ).findings;
    assert.deepEqual(
      fs.map((f) => `${f.package.name} ${f.vulnerability} ${f.aliases.join(',')}`),
      [
        'glibc CVE-2025-0001 GHSA-aaaa-bbbb-cccc,CGA-2222-3333-4444',
        'musl CVE-2025-0001 GHSA-dddd-eeee-ffff,CGA-5555-6666-7777',
      ],
    );
    // Real documents too: CVE-2024-24791 is CGA-rgj7-6h43-r6vm for aws-efs-csi-driver and
    // CGA-3w7p-xqgj-38rq for protoc-gen-go.
    apkRoot('two', 'ID=wolfi\n', [
      ['aws-efs-csi-driver', '2.0.4-r0'],
      ['protoc-gen-go', '1.34.0-r0'],
    ]);
    const j = await cli([
      'scan',
      'two',
      '--db',
      W('aws-efs-csi-driver'),
      '--db',
      W('protoc-gen-go'),
      '--format',
      'json',
    ]);
    const all = (
      JSON.parse(j.stdout) as {
        findings: Array<{ package: { name: string }; vulnerability: string; aliases: string[] }>;
      }
    ).findings;
    const cve = all.filter((f) => f.vulnerability === 'CVE-2024-24791');
    assert.deepEqual(
      cve.map((f) => `${f.package.name} ${f.aliases.filter((a) => a.startsWith('CGA-')).join(',')}`),
      ['aws-efs-csi-driver CGA-rgj7-6h43-r6vm', 'protoc-gen-go CGA-3w7p-xqgj-38rq'],
    );
    for (const f of all)
      assert.ok(f.aliases.length <= 3, `${f.package.name} ${f.vulnerability}: ${f.aliases.join(',')}`);
  });

  it('--ignore CVE-2025-0001:glibc hides only glibc’s finding; --ignore CVE-2025-0001 hides both', async () => {
    const names = async (ignore: string) => {
      const r = await cli(['scan', 'own-root', '--db', 'own', '--format', 'json', '--ignore', ignore]);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { findings: Array<{ package: { name: string } }> }).findings.map(
        (f) => f.package.name,
      );
    };
    assert.deepEqual(await names('CVE-2025-0001:glibc'), ['musl']);
    assert.deepEqual(await names('GHSA-dddd-eeee-ffff:musl'), ['glibc']);
    assert.deepEqual(await names('CVE-2025-0001:busybox'), ['glibc', 'musl']);
    assert.deepEqual(await names('CVE-2025-0001'), []);
  });
});

describe('compiled advisory database in the cache', () => {
  it('a scan with more --db sources than PACKS_KEPT keeps its own packs: the second run compiles nothing', async () => {
    const cache = join(tmp, 'many-sources-cache');
    const packs = join(cache, 'advisories', 'packs');
    const names = ['curl', 'gcc-12', 'libgcrypt', 'zlib', 'brotli'];
    const dbs: string[] = [];
    for (const [i, n] of names.entries()) {
      // Ten sources of different bytes: each document alone, and each with a comment line.
      put(`many/a${i}/${n}.advisories.yaml`, readFileSync(W(n), 'utf8'));
      put(`many/b${i}/${n}.advisories.yaml`, `${readFileSync(W(n), 'utf8')}# copy\n`);
      dbs.push('--db', `many/a${i}`, '--db', `many/b${i}`);
    }
    assert.ok(dbs.length / 2 > PACKS_KEPT);
    apkRoot('m1', 'ID=wolfi\n', [['curl', '8.11.1-r0']]);
    const run = async () => {
      const r = await cli(['scan', 'm1', ...dbs, '--cache-dir', cache, '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const dated = () =>
      readdirSync(packs)
        .filter((n) => n.endsWith('.pack'))
        .sort()
        .map((n) => `${n} ${statSync(join(packs, n)).mtimeMs}`);
    const first = await run();
    const after1 = dated();
    assert.equal(after1.length, 10);
    // Set every pack's time back: a pack written again by the second run would get a new one.
    for (const line of after1) {
      const f = join(packs, line.split(' ')[0] as string);
      utimesSync(f, 1_600_000_000, 1_600_000_000);
    }
    const old = dated();
    assert.equal(await run(), first);
    assert.deepEqual(dated(), old);
  });

  it('is written once per source bytes, used on the next scan, and several targets share one load', async () => {
    const cache = join(tmp, 'compiled-cache');
    const packs = join(cache, 'advisories', 'packs');
    const list = () =>
      readdirSync(packs)
        .filter((n) => n.endsWith('.pack'))
        .sort();
    mkdirSync(join(tmp, 'cdb'), { recursive: true });
    for (const n of ['curl', 'gcc-12', 'libgcrypt']) put(`cdb/${n}.advisories.yaml`, readFileSync(W(n), 'utf8'));
    apkRoot('c1', 'ID=wolfi\n', [
      ['curl', '8.11.1-r0'],
      ['gcc-12', '12.3.0-r3'],
    ]);
    apkRoot('c2', 'ID=wolfi\n', [['libgcrypt', '1.10.3-r0']]);
    const run = async (...targets: string[]) => {
      const r = await cli(['scan', ...targets, '--db', 'cdb', '--cache-dir', cache, '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const first = await run('c1');
    assert.equal(list().length, 1);
    const pack = join(packs, list()[0] as string);
    const good = readFileSync(pack);
    // The next scan reads the compiled form; an edit to it (still well-formed, same key) breaks its
    // seal: the pack is refused, the source compiled again, and the pack rewritten.
    const edit = (b: Buffer) => Buffer.from(b.toString('latin1').replace('12.3.0-r4', '12.3.0-r9'), 'latin1');
    assert.notDeepEqual(edit(good), good);
    writeFileSync(pack, edit(good));
    assert.equal(await run('c1'), first);
    assert.deepEqual(readFileSync(pack), good);
    // A forged pack: edited, with a seal recomputed (the seal is a digest, not a secret). Only this
    // user's own regular file is trusted: through a symlink, or owned by another user, it is refused.
    const key = (list()[0] as string).replace(/\.pack$/, '');
    const payload = good.subarray(good.indexOf(10) + 1);
    const forged = sealPack(key, edit(payload));
    writeFileSync(join(tmp, 'planted.pack'), forged, { mode: 0o600 });
    rmSync(pack);
    symlinkSync(join(tmp, 'planted.pack'), pack);
    assert.equal(await run('c1'), first);
    assert.ok(!lstatSync(pack).isSymbolicLink());
    if (process.geteuid?.() === 0) {
      writeFileSync(pack, forged, { mode: 0o600 });
      chownSync(pack, 65534, 65534);
      assert.equal(await run('c1'), first);
      assert.equal(statSync(pack).uid, 0);
      // The same forged file, our own: accepted (so the refusals above are the owner and the link).
      writeFileSync(pack, forged, { mode: 0o600 });
      chownSync(pack, 0, 0);
      assert.equal(await run('c1'), first.replace('"12.3.0-r4"', '"12.3.0-r9"'));
      writeFileSync(pack, good, { mode: 0o600 });
    }
    // Other bytes, another key: the source is parsed again and the right data shows.
    put('cdb/gcc-12.advisories.yaml', `${readFileSync(W('gcc-12'), 'utf8')}\n`);
    assert.equal(await run('c1'), first);
    assert.equal(list().length, 2);
    // Two targets in one call: a JSON list of two reports, the same findings as one at a time.
    const both = JSON.parse(await run('c1', 'c2')) as Array<{ target: string; findings: unknown[] }>;
    assert.deepEqual(
      both.map((b) => b.target),
      ['c1', 'c2'],
    );
    assert.deepEqual(both[0]?.findings, (JSON.parse(first) as { findings: unknown[] }).findings);
    assert.deepEqual(both[1]?.findings, (JSON.parse(await run('c2')) as { findings: unknown[] }).findings);
  });
});

describe("the distro's own feed (distro/advisories → security.json)", () => {
  it('publishes the advisory documents as a secdb beside the repository; scan --db REPO uses it', async () => {
    const repo = join(tmp, 'repo');
    mkdirSync(join(repo, 'x86_64'), { recursive: true });
    writeFileSync(join(repo, 'x86_64', 'APKINDEX.tar.gz'), '');
    writeFileSync(join(repo, 'state.json'), '{"not": "advisories"}');
    const n = await publishSecdb(join(repoRoot, 'distro', 'advisories'), repo, ['x86_64']);
    assert.ok(n !== undefined && n >= 10, `${n}`);
    const secdb = JSON.parse(readFileSync(join(repo, 'security.json'), 'utf8')) as {
      reponame: string;
      packages: Array<{ pkg: { name: string; secfixes: Record<string, string[]> } }>;
    };
    assert.equal(secdb.reponame, 'lupine');
    const glibc = secdb.packages.find((p) => p.pkg.name === 'glibc')?.pkg.secfixes;
    // Fixed statements under the version, false positives under "0" (open ones are not expressible).
    assert.ok(glibc?.['2.36-r0']?.includes('CVE-2023-4911'));
    assert.ok(glibc?.['0']?.includes('CVE-2010-4756'));
    apkRoot('lupine-root', 'ID=lupine\nVERSION_ID=2026.11\n', [
      ['glibc', '2.35-r0'],
      ['busybox', '1.35.0-r0'],
    ]);
    const got = await findings(['scan', 'lupine-root', '--db', 'repo']);
    // Hand check: glibc 2.35-r0 is below every fix recorded at 2.36-r0 (five); busybox 1.35.0-r0 has
    // the fixes recorded at 1.35.0-r0, not CVE-2022-30065's (fixed in the source-built 1.38.0-r0).
    assert.deepEqual(got.sort(), [
      'busybox 1.35.0-r0 CVE-2022-30065 fixed 1.38.0-r0 Unknown',
      'glibc 2.35-r0 CVE-2023-4911 fixed 2.36-r0 Unknown',
      'glibc 2.35-r0 CVE-2023-6246 fixed 2.36-r0 Unknown',
      'glibc 2.35-r0 CVE-2024-2961 fixed 2.36-r0 Unknown',
      'glibc 2.35-r0 CVE-2025-0395 fixed 2.36-r0 Unknown',
      'glibc 2.35-r0 CVE-2025-4802 fixed 2.36-r0 Unknown',
    ]);
    // The same bytes twice (SOURCE_DATE_EPOCH plays no part: the data carries its dates).
    const before = readFileSync(join(repo, 'security.json'));
    await publishSecdb(join(repoRoot, 'distro', 'advisories'), repo, ['x86_64']);
    assert.deepEqual(readFileSync(join(repo, 'security.json')), before);
  });

  it('a broken document in distro/advisories fails the publish and leaves the old security.json', async () => {
    const adv = join(tmp, 'bad-adv');
    mkdirSync(adv, { recursive: true });
    writeFileSync(
      join(adv, 'x.advisories.yaml'),
      'schema-version: 2.0.2\npackage:\n  name: x\nadvisories:\n  - id: [\n',
    );
    const repo = join(tmp, 'repo');
    const before = readFileSync(join(repo, 'security.json'));
    await assert.rejects(publishSecdb(adv, repo, ['x86_64']), /SCAN_BAD_ADVISORY|x\.advisories\.yaml/);
    assert.deepEqual(readFileSync(join(repo, 'security.json')), before);
    assert.deepEqual(
      readdirSync(repo).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });
});

describe('issue 15 review findings', () => {
  const TRACKER = join(ADV, 'debian-tracker', 'vunnel--debian.json');
  const DBS = ['--db', join(ADV, 'debian-tracker', 'osv.dev--debian_security_tracker_mock.json'), '--db', TRACKER];

  it('item 2: no os-release, or an ID no source covers, is "not scanned" (exit 4); Wolfi YAML is not Alpine data', async () => {
    apkRoot('noos', '', [['curl', '8.11.1-r0']]);
    rmSync(join(tmp, 'noos/etc/os-release'));
    apkRoot('alp', 'ID=alpine\nVERSION_ID=3.19.1\n', [['curl', '8.11.1-r0']]);
    apkRoot('wcurl', 'ID=wolfi\n', [['curl', '8.11.1-r0']]);
    for (const [target, why] of [
      ['noos', /no data for an unknown distro \(no os-release ID; --distro names one\)/],
      ['alp', /no data for alpine 3\.19\.1/],
    ] as const) {
      const r = await cli(['scan', target, '--db', W('curl'), '--format', 'json']);
      assert.equal(r.code, 4, `${target}: ${r.stderr}`);
      const j = JSON.parse(r.stdout) as JsonReport;
      assert.equal(j.scanned, false);
      assert.match(j.notScanned ?? '', why);
      assert.deepEqual(j.findings, []);
    }
    // The same data on a Wolfi root: scanned (so the refusals above are the distro).
    assert.ok((await findings(['scan', 'wcurl', '--db', W('curl')])).length > 0);
    // --distro names the distro of a root without os-release.
    assert.equal((await cli(['scan', 'noos', '--db', W('curl'), '--distro', 'wolfi'])).code, 0);
  });

  it('item 8: OpenVEX of a target not scanned makes no claim and says so', async () => {
    apkRoot('noos2', 'NAME=x\n', [['curl', '8.11.1-r0']]);
    const r = await cli(['scan', 'noos2', '--db', W('curl'), '--format', 'openvex']);
    assert.equal(r.code, 4, r.stderr);
    const doc = JSON.parse(r.stdout) as { statements: unknown[]; tooling: string };
    assert.deepEqual(doc.statements, []);
    assert.match(doc.tooling, /NOT SCANNED: no data for an unknown distro.*makes no claim about noos2/);
    assert.doesNotMatch(r.stdout, /not_affected|"fixed"/);
  });

  it('item 3: terminal escapes in package names and advisory ids are shown, not sent to the terminal', async () => {
    apkRoot('esc', 'ID=wolfi\n', [['evil\u001b]0;pwned\u0007', '1.0-r0']]);
    put(
      'escdb/evil.advisories.yaml',
      'schema-version: "2"\npackage:\n  name: "evil\\e]0;pwned\\a"\nadvisories:\n  - id: "CVE-2025-0001\\e[2J"\n' +
        '    events:\n      - timestamp: 2025-01-01T00:00:00Z\n        type: fixed\n        data:\n          fixed-version: 1.1-r0\n',
    );
    const r = await cli(['scan', 'esc', '--db', 'escdb', '--ignore', 'TYPO-\u001b[31m']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    assert.doesNotMatch(r.stderr, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    assert.match(r.stdout, /evil\\x1b\]0;pwned\\x07 +1\.0-r0 +1\.1-r0 +CVE-2025-0001\\x1b\[2J/);
    assert.match(r.stderr, /--ignore TYPO-\\x1b\[31m matches no finding/);
  });

  it('items 4 and 10: half-installed, malformed and bad-version dpkg stanzas are listed, not dropped', async () => {
    put(
      'half/var/lib/dpkg/status',
      [
        STATUS,
        'Package: halfpkg\nStatus: install reinstreq half-installed\nArchitecture: amd64\nVersion: 1.0-1\n',
        'Package: unpackedpkg\nStatus: install ok unpacked\nArchitecture: amd64\nVersion: 2.0-1\n',
        'Package: noversion\nStatus: install ok installed\nArchitecture: amd64\n',
        'Package: badepoch\nStatus: install ok installed\nArchitecture: amd64\nVersion: x:1.0-1\n',
        'Package: oddversion\nStatus: install ok installed\nArchitecture: amd64\nVersion: v1.0-1\n',
      ].join('\n'),
    );
    put('half/etc/os-release', BOOKWORM);
    const r = await cli(['scan', 'half', '--db', TRACKER, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as JsonReport & { warnings?: string[]; packages: number };
    const st = 'var/lib/dpkg/status';
    assert.deepEqual(j.warnings, [
      `${st}:28: halfpkg 1.0-1: status 'install reinstreq half-installed' is not 'installed'; scanned (its files are on disk)`,
      `${st}:33: unpackedpkg 2.0-1: status 'install ok unpacked' is not 'installed'; scanned (its files are on disk)`,
      `${st}:38: a stanza without Version (noversion); not scanned`,
      `${st}:42: badepoch: version 'x:1.0-1' has bad syntax: epoch in version is empty; not scanned`,
      `${st}:47: oddversion: version 'v1.0-1' has bad syntax: version number does not start with digit`,
    ]);
    // The four good packages, the half-installed and unpacked ones (files on disk) and oddversion
    // (dpkg tolerates its syntax); config-files is gone.
    assert.equal(j.packages, 7);
    for (const w of j.warnings ?? []) assert.ok(r.stderr.includes(`half: ${w}`), w);
  });

  it('a package dpkg left unpacked or half-configured has its files on disk: it is matched, with a warning', async () => {
    put(
      'unpk/var/lib/dpkg/status',
      'Package: libapparmor1\nStatus: install ok unpacked\nArchitecture: amd64\nSource: apparmor\nVersion: 3.0.8-3\n',
    );
    put('unpk/etc/os-release', BOOKWORM);
    const mock = join(ADV, 'debian-tracker', 'osv.dev--debian_security_tracker_mock.json');
    const r = await cli(['scan', 'unpk', '--db', mock, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as JsonReport & { warnings?: string[] };
    // Hand check: CVE-2016-1585 is open for apparmor in bookworm (as for the installed package above).
    assert.deepEqual(j.findings.map(findingLine), ['libapparmor1 3.0.8-3 CVE-2016-1585 not-fixed - Negligible']);
    assert.deepEqual(j.warnings, [
      "var/lib/dpkg/status:1: libapparmor1 3.0.8-3: status 'install ok unpacked' is not 'installed'; scanned (its files are on disk)",
    ]);
  });

  it('a problem in a distroless status.d file names that file and its own line', async () => {
    put('dl/var/lib/dpkg/status.d/base-files', 'Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n');
    put('dl/var/lib/dpkg/status.d/tzdata', 'Package: tzdata\nVersion: x:2024a-0\nArchitecture: all\n');
    put('dl/etc/os-release', BOOKWORM);
    const r = await cli(['scan', 'dl', '--db', TRACKER, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as JsonReport & { warnings?: string[]; packages: number };
    assert.deepEqual(j.warnings, [
      "var/lib/dpkg/status.d/tzdata:1: tzdata: version 'x:2024a-0' has bad syntax: epoch in version is empty; not scanned",
    ]);
    assert.equal(j.packages, 1);
  });

  it('item 6: an --ignore entry that matches nothing is a warning (and in the JSON)', async () => {
    put('ign/var/lib/dpkg/status', STATUS);
    put('ign/etc/os-release', BOOKWORM);
    const r = await cli(['scan', 'ign', ...DBS, '--ignore', 'CVE-2016-1585,CVE-2016-1858', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: --ignore CVE-2016-1858 matches no finding; check the id/);
    assert.doesNotMatch(r.stderr, /--ignore CVE-2016-1585/);
    const j = JSON.parse(r.stdout) as { warnings?: string[] };
    assert.deepEqual(j.warnings, ['--ignore CVE-2016-1858 matches no finding of ign']);
    // ID:PACKAGE for a package that does not have it: also nothing matched.
    const p = await cli(['scan', 'ign', ...DBS, '--ignore', 'CVE-2016-1585:chromium']);
    assert.match(p.stderr, /--ignore CVE-2016-1585:chromium matches no finding/);
  });

  it('item 9: a source without a date of its own is dated "unknown", never by file mtime', async () => {
    mkdirSync(join(tmp, 'dated'), { recursive: true });
    const copy = join(tmp, 'dated', 'debian.json');
    writeFileSync(copy, readFileSync(TRACKER));
    utimesSync(copy, new Date('2021-03-04T05:06:07Z'), new Date('2021-03-04T05:06:07Z'));
    put('dated/var/lib/dpkg/status', STATUS);
    put('dated/etc/os-release', BOOKWORM);
    const r = await cli(['scan', 'dated', '--db', copy, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { sources: Array<{ date: string }> };
    assert.deepEqual(
      j.sources.map((s) => s.date),
      [''],
    );
    const vex = await cli(['scan', 'dated', '--db', copy, '--format', 'openvex']);
    assert.match(vex.stdout, /debian\.json \(date unknown\)/);
    assert.doesNotMatch(vex.stdout, /2021-03-04/);
  });

  it('item 5: a wrong-typed document in a --db directory is skipped with file:line:col; --strict fails', async () => {
    mkdirSync(join(tmp, 'typed'), { recursive: true });
    put('typed/curl.advisories.yaml', readFileSync(W('curl'), 'utf8'));
    put(
      'typed/bad.advisories.yaml',
      'schema-version: "2"\npackage:\n  name: bad\nadvisories:\n  - id: CGA-1\n    events:\n      timestamp: 2024-01-01T00:00:00Z\n',
    );
    apkRoot('typedroot', 'ID=wolfi\n', [['curl', '8.11.1-r0']]);
    const r = await cli(['scan', 'typedroot', '--db', 'typed']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /warning: typed\/bad\.advisories\.yaml: 7:7: advisories\[0\]\.events must be a list.*skipped/,
    );
    const strict = await cli(['scan', 'typedroot', '--db', 'typed', '--strict']);
    assert.equal(strict.code, 3);
    assert.match(strict.stderr, /SCAN_BAD_ADVISORY.*bad\.advisories\.yaml: 7:7/);
  });

  it('a --db directory: a symlinked document is read (not dropped in silence); a FIFO is skipped with a warning', async () => {
    mkdirSync(join(tmp, 'linked'), { recursive: true });
    put('linked/curl.advisories.yaml', readFileSync(W('curl'), 'utf8'));
    symlinkSync(W('flyway'), join(tmp, 'linked/flyway.advisories.yaml'));
    execFileSync('mkfifo', [join(tmp, 'linked/pipe.advisories.yaml')]);
    apkRoot('linkedroot', 'ID=wolfi\n', [['flyway', '11.4.0-r0']]);
    const r = await cli(['scan', 'linkedroot', '--db', 'linked', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    // flyway.advisories.yaml: CVE-2025-27496 is fixed in 11.4.1-r0, three advisories pend upstream.
    assert.deepEqual((JSON.parse(r.stdout) as JsonReport).findings.map(findingLine), [
      'flyway 11.4.0-r0 CVE-2020-8908 not-fixed - Unknown',
      'flyway 11.4.0-r0 CVE-2023-2976 not-fixed - Unknown',
      'flyway 11.4.0-r0 CVE-2024-47535 not-fixed - Unknown',
      'flyway 11.4.0-r0 CVE-2025-27496 fixed 11.4.1-r0 Unknown',
    ]);
    assert.match(r.stderr, /warning: linked\/pipe\.advisories\.yaml is not a regular file; skipped/);
  });
});
