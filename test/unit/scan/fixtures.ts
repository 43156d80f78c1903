/**
 * Advisory fixtures written for these tests (own examples in the formats of security.md §1), and the
 * installed databases they are matched against. What each one should produce is spelled out in
 * EXPECTED, so every test checks the same facts.
 */
import { AdvisorySet, decodeAdvisories } from '../../../src/scan/index.js';

/** Wolfi secdb: libfoo fixed in 1.4.2-r1 (CGA id + aliases, as wolfictl writes), a NAK, busybox. */
export const SECDB = `${JSON.stringify(
  {
    urlprefix: 'https://packages.wolfi.dev',
    reponame: 'os',
    archs: ['x86_64', 'aarch64'],
    apkurl: '{{urlprefix}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk',
    packages: [
      {
        pkg: {
          name: 'libfoo',
          secfixes: {
            '0': ['CVE-2024-0001'],
            '1.4.2-r1': ['CGA-aaaa-bbbb-cccc', 'CVE-2024-1111', 'GHSA-xxxx-yyyy-zzzz'],
          },
        },
      },
      { pkg: { name: 'busybox', secfixes: { '1.36.1-r5': ['CVE-2024-7777'] } } },
      { pkg: { name: 'ca-certificates', secfixes: { '20230506-r0': ['CVE-2023-0001'] } } },
    ],
  },
  null,
  2,
)}\n`;

const ecosystem = (introduced: string, fixed?: string) => [
  { type: 'ECOSYSTEM', events: [{ introduced }, ...(fixed === undefined ? [] : [{ fixed }])] },
];

/** OSV records: severity for libfoo, per-arch openssl, a false positive, v3 component records, Alpine. */
export const OSV_RECORDS: Record<string, unknown> = {
  'CGA-aaaa-bbbb-cccc': {
    id: 'CGA-aaaa-bbbb-cccc',
    modified: '2024-05-02T09:00:00Z',
    aliases: ['CVE-2024-1111'],
    summary: 'libfoo: heap overflow in the frobnicator',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N' }],
    affected: [
      {
        package: { ecosystem: 'Wolfi', name: 'libfoo', purl: 'pkg:apk/wolfi/libfoo' },
        ranges: ecosystem('0', '1.4.2-r1'),
      },
    ],
  },
  'CGA-2222-3333-4444': {
    id: 'CGA-2222-3333-4444',
    modified: '2024-05-02T09:00:00Z',
    upstream: ['CVE-2024-2222'],
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected: [
      {
        package: { ecosystem: 'Wolfi', name: 'openssl', purl: 'pkg:apk/wolfi/openssl?arch=x86_64' },
        ranges: ecosystem('0', '3.1.2-r1'),
      },
      {
        package: { ecosystem: 'Wolfi', name: 'openssl', purl: 'pkg:apk/wolfi/openssl?arch=aarch64' },
        ranges: ecosystem('0', '3.1.2-r3'),
      },
    ],
  },
  'CGA-7777-7777-7777': {
    id: 'CGA-7777-7777-7777',
    modified: '2024-05-02T09:00:00Z',
    aliases: ['CVE-2024-7777'],
    database_specific: { false_positive: true },
    affected: [{ package: { ecosystem: 'Wolfi', name: 'busybox' }, ranges: ecosystem('0', '0') }],
  },
  'CGA-8888-8888-8888': {
    id: 'CGA-8888-8888-8888',
    modified: '2026-05-02T09:00:00Z',
    upstream: ['CVE-2024-8888'],
    affected: [
      {
        package: { ecosystem: 'Wolfi', name: 'zlib' },
        ranges: ecosystem('0'),
        ecosystem_specific: {
          components: [{ component_name: 'minizip', latest_event_status: 'false-positive-determination' }],
        },
      },
    ],
  },
  'CGA-9999-9999-999a': {
    id: 'CGA-9999-9999-999a',
    modified: '2026-05-02T09:00:00Z',
    upstream: ['CVE-2024-9999'],
    database_specific: { severity: 'HIGH', source: 'v3' },
    affected: [
      {
        package: { ecosystem: 'Wolfi', name: 'zlib' },
        ranges: ecosystem('0', '1.3-r1'),
        ecosystem_specific: { components: [{ component_name: 'zlib', latest_event_status: 'fixed' }] },
      },
    ],
  },
  'CGA-9999-9999-999b': {
    id: 'CGA-9999-9999-999b',
    modified: '2026-05-02T09:00:00Z',
    upstream: ['CVE-2024-9999'],
    affected: [
      {
        package: { ecosystem: 'Wolfi', name: 'zlib' },
        ranges: ecosystem('0', '1.3-r2'),
        ecosystem_specific: { components: [{ component_name: 'contrib', latest_event_status: 'fixed' }] },
      },
      {
        package: { ecosystem: 'Chainguard', name: 'zlib' },
        ranges: ecosystem('0', '1.3-r5'),
        ecosystem_specific: { components: [{ component_name: 'contrib', latest_event_status: 'fixed' }] },
      },
    ],
  },
  'CGA-9999-9999-999c': {
    id: 'CGA-9999-9999-999c',
    modified: '2026-05-02T09:00:00Z',
    upstream: ['CVE-2024-9999'],
    affected: [
      {
        package: { ecosystem: 'Wolfi', name: 'zlib' },
        ranges: ecosystem('0'),
        ecosystem_specific: {
          components: [{ component_name: 'zlib-go', latest_event_status: 'false-positive-determination' }],
        },
      },
    ],
  },
  'ALPINE-CVE-2024-1000': {
    id: 'ALPINE-CVE-2024-1000',
    modified: '2024-05-02T09:00:00Z',
    aliases: ['CVE-2024-1000'],
    affected: [{ package: { ecosystem: 'Alpine:v3.19', name: 'zlib' }, ranges: ecosystem('0', '1.3.1-r0') }],
  },
};

/** Wolfi advisories YAML for curl: every event type that matters, events out of order. */
export const CURL_YAML = `schema-version: 2.0.2
package:
  name: curl
advisories:
  - id: CGA-3333-3333-3333
    aliases:
      - CVE-2024-3333
    events:
      - timestamp: 2024-06-01T00:00:00Z
        type: detection
        data:
          type: manual
      - timestamp: 2024-06-02T00:00:00Z
        type: true-positive-determination
        data:
          note: confirmed upstream
  - id: CGA-4444-4444-4444
    aliases: [CVE-2024-4444]
    events:
      - timestamp: 2024-06-01T00:00:00Z
        type: fixed
        data:
          fixed-version: 8.5.0-r1
      - timestamp: 2024-06-05T00:00:00Z
        type: false-positive-determination
        data:
          type: vulnerable-code-not-included-in-package
          note: Windows-only code
  - id: CGA-5555-5555-5555
    aliases: [CVE-2024-5555]
    events:
      - timestamp: 2024-07-01T00:00:00Z
        type: fix-not-planned
        data:
          note: end of life
      - timestamp: 2024-06-01T00:00:00Z
        type: detection
        data:
          type: manual
  - id: CGA-6666-6666-6666
    aliases: [CVE-2024-6666]
    events:
      - timestamp: 2024-01-01T00:00:00Z
        type: fixed
        data:
          fixed-version: 8.4.0-r0
  - id: CGA-1212-1212-1212
    aliases: [CVE-2024-1212]
    events:
      - timestamp: 2024-08-01T00:00:00Z
        type: detection
        data:
          type: manual
  - id: CGA-1010-1010-1010
    aliases: [CVE-2024-1010]
    events:
      - timestamp: 2024-08-01T00:00:00Z
        type: fixed
        data:
          fixed-version: 8.10.0-r0
`;

export const OS_RELEASE =
  'ID=wolfi\nNAME="Wolfi"\nPRETTY_NAME="Wolfi"\nVERSION_ID=20230201\nHOME_URL="https://wolfi.dev"\n';

/** One installed-database record. */
function record(name: string, version: string, arch: string, origin: string): string {
  return [
    `C:Q1${Buffer.from(`${name}-${version}-${arch}`).toString('base64').padEnd(27, 'A').slice(0, 27)}=`,
    `P:${name}`,
    `V:${version}`,
    `A:${arch}`,
    'S:1000',
    'I:4096',
    `T:${name} for tests`,
    'U:https://example.dev',
    'L:MIT',
    `o:${origin}`,
    'm:Lupine Tests <tests@example.dev>',
    '',
  ].join('\n');
}

/** The packages of the test image, per arch. */
export const PACKAGES: ReadonlyArray<readonly [name: string, version: string, origin: string]> = [
  ['busybox', '1.36.1-r0', 'busybox'],
  ['ca-certificates-bundle', '20230506-r0', 'ca-certificates'],
  ['curl', '8.5.0-r0', 'curl'],
  ['libcrypto3', '3.1.2-r2', 'openssl'],
  ['libfoo', '1.4.2-r0', 'libfoo'],
  ['libfoo-dev', '1.4.2-r0', 'libfoo'],
  ['openssl', '3.1.2-r2', 'openssl'],
  ['wolfi-baselayout', '20230201-r0', 'wolfi-baselayout'],
  ['zlib', '1.3-r1', 'zlib'],
];

export function installedDb(arch: string): string {
  return `${PACKAGES.map(([n, v, o]) => record(n, v, arch, o)).join('\n')}\n`;
}

/** The findings expected on x86_64 (`name version vulnerability state fixed-in severity`). */
export const EXPECTED_X86_64 = [
  'curl 8.5.0-r0 CVE-2024-1010 fixed 8.10.0-r0 Unknown',
  'curl 8.5.0-r0 CVE-2024-1212 under-investigation - Unknown',
  'curl 8.5.0-r0 CVE-2024-3333 not-fixed - Unknown',
  'curl 8.5.0-r0 CVE-2024-5555 wont-fix - Unknown',
  'libfoo 1.4.2-r0 CVE-2024-1111 fixed 1.4.2-r1 Medium',
  'libfoo-dev 1.4.2-r0 CVE-2024-1111 fixed 1.4.2-r1 Medium',
  'zlib 1.3-r1 CVE-2024-9999 fixed 1.3-r2 High',
];

/** aarch64 adds openssl's per-arch fix (x86_64 fixed in -r1, aarch64 only in -r3). */
export const EXPECTED_AARCH64 = [
  ...EXPECTED_X86_64.slice(0, 4),
  'libcrypto3 3.1.2-r2 CVE-2024-2222 fixed 3.1.2-r3 Critical',
  ...EXPECTED_X86_64.slice(4, 6),
  'openssl 3.1.2-r2 CVE-2024-2222 fixed 3.1.2-r3 Critical',
  ...EXPECTED_X86_64.slice(6),
];

export function findingLine(f: {
  package: { name: string; version: string };
  vulnerability: string;
  state: string;
  fixedIn: string;
  severity: string;
}): string {
  return `${f.package.name} ${f.package.version} ${f.vulnerability} ${f.state} ${f.fixedIn || '-'} ${f.severity}`;
}

/** The three sources as files: name → bytes. */
export function fixtureFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'secdb/security.json': SECDB,
    'advisories/curl.advisories.yaml': CURL_YAML,
  };
  for (const [id, rec] of Object.entries(OSV_RECORDS)) files[`osv/${id}.json`] = `${JSON.stringify(rec, null, 2)}\n`;
  files['osv/all.json'] = `${JSON.stringify(
    Object.keys(OSV_RECORDS).map((id) => ({ id, modified: '2026-05-02T09:00:00Z' })),
  )}\n`;
  return files;
}

/** The advisory set of all fixtures, decoded as the loader does. */
export function fixtureSet(): AdvisorySet {
  const batches = Object.entries(fixtureFiles()).flatMap(
    ([name, text]) => decodeAdvisories(Buffer.from(text), name, { strict: false }).batches,
  );
  return AdvisorySet.from(batches);
}
