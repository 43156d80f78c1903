import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipMember, writeTar } from '../../../src/archive/index.js';
import { silentLogger } from '../../../src/core/index.js';
import {
  AdvisorySet,
  cvss2Score,
  cvss3Score,
  cvss4Score,
  decodeAdvisories,
  defaultAdvisoryLimits,
  loadAdvisorySource,
  parseAdvisoryYaml,
  parseOsvRecord,
  parseSecdb,
  secdbGroups,
  severityOfCvss,
} from '../../../src/scan/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { CURL_YAML, fixtureFiles, OSV_RECORDS, SECDB } from './fixtures.js';

describe('secdb', () => {
  it('reads fixes, NAKs under "0", the distro from urlprefix, CGA groups as aliases', () => {
    const b = parseSecdb(JSON.parse(SECDB), 'security.json');
    const lines = b.entries.map(
      (e) => `${e.package} ${e.id} [${e.aliases.join(',')}] ${e.state} ${e.fixed} ${e.distro}`,
    );
    assert.deepEqual(lines, [
      'libfoo CVE-2024-0001 [] not-affected  wolfi',
      'libfoo CGA-aaaa-bbbb-cccc [CVE-2024-1111,GHSA-xxxx-yyyy-zzzz] fixed 1.4.2-r1 wolfi',
      'busybox CVE-2024-7777 [] fixed 1.36.1-r5 wolfi',
      'ca-certificates CVE-2023-0001 [] fixed 20230506-r0 wolfi',
    ]);
  });

  it('groups: wolfictl order gives alias groups; otherwise each id alone, CGA duplicates dropped', () => {
    assert.deepEqual(secdbGroups(['CGA-a', 'CVE-1', 'CGA-b', 'CVE-2', 'GHSA-x']), [
      ['CGA-a', 'CVE-1'],
      ['CGA-b', 'CVE-2', 'GHSA-x'],
    ]);
    assert.deepEqual(secdbGroups(['CGA-a', 'CGA-b', 'CVE-1']), [['CVE-1']]);
    assert.deepEqual(secdbGroups(['CVE-1', 'CVE-2']), [['CVE-1'], ['CVE-2']]);
  });

  it("splits Alpine's space-separated ids and knows the branch", () => {
    const b = parseSecdb(
      {
        distroversion: 'v3.19',
        reponame: 'main',
        urlprefix: 'https://dl-cdn.alpinelinux.org/alpine',
        packages: [{ pkg: { name: 'zlib', secfixes: { '1.3.1-r0': ['CVE-2023-1 CVE-2023-2'] } } }],
      },
      'main.json',
    );
    assert.deepEqual(
      b.entries.map((e) => `${e.id} ${e.distro} ${e.branch}`),
      ['CVE-2023-1 alpine v3.19', 'CVE-2023-2 alpine v3.19'],
    );
  });
  it('a secfixes key that is not an APK version is skipped with a warning naming file and entry; --strict fails', () => {
    // The real case: alpine v3.11 main lists xen XSA-252 under '4.10-1-r1' and '4.10.0-r2'.
    const doc = {
      distroversion: 'v3.11',
      reponame: 'main',
      urlprefix: 'https://dl-cdn.alpinelinux.org/alpine',
      packages: [
        { pkg: { name: 'xen', secfixes: { '4.10-1-r1': ['XSA-252'], '4.10.0-r2': ['CVE-2018-7540 XSA-252'] } } },
      ],
    };
    const b = parseSecdb(doc, 'main.json');
    assert.deepEqual(
      b.entries.map((e) => `${e.id} ${e.fixed}`),
      ['CVE-2018-7540 4.10.0-r2', 'XSA-252 4.10.0-r2'],
    );
    assert.deepEqual(b.warnings, [
      "main.json: xen: secfixes key '4.10-1-r1' (XSA-252) is not a valid APK version; skipped (--strict fails instead)",
    ]);
    const err = assertCodeSync(() => parseSecdb(doc, 'main.json', { strict: true }), 'SCAN_BAD_ADVISORY');
    assert.match(err.message, /main\.json: xen: secfixes key '4\.10-1-r1'/);
    assertCodeSync(
      () => decodeAdvisories(Buffer.from(JSON.stringify(doc)), 'main.json', { strictMembers: true }),
      'SCAN_BAD_ADVISORY',
    );
  });
});

describe('OSV', () => {
  it('per-arch entries from the purl arch qualifier, severity from the CVSS vector', () => {
    const b = parseOsvRecord(OSV_RECORDS['CGA-2222-3333-4444'], 'x.json');
    assert.deepEqual(
      b.entries.map((e) => `${e.arch} ${e.fixed} ${e.severity}`),
      ['x86_64 3.1.2-r1 Critical', 'aarch64 3.1.2-r3 Critical'],
    );
    assert.deepEqual(b.aliasGroups, [['CGA-2222-3333-4444', 'CVE-2024-2222']]);
  });

  it('a false positive (fixed "0", false_positive) is a package-level NAK', () => {
    const [e] = parseOsvRecord(OSV_RECORDS['CGA-7777-7777-7777'], 'x.json').entries;
    assert.equal(e?.state, 'not-affected');
    assert.equal(e?.scope, 'package');
  });

  it('v3 component records: component scope, status from latest_event_status', () => {
    const [fp] = parseOsvRecord(OSV_RECORDS['CGA-8888-8888-8888'], 'x.json').entries;
    assert.equal(fp?.state, 'not-affected');
    assert.equal(fp?.scope, 'component');
    const fixed = parseOsvRecord(OSV_RECORDS['CGA-9999-9999-999b'], 'x.json').entries;
    assert.deepEqual(
      fixed.map((e) => `${e.distro} ${e.state} ${e.fixed}`),
      ['wolfi fixed 1.3-r2', 'chainguard fixed 1.3-r5'],
    );
    const pending = parseOsvRecord(
      {
        id: 'CGA-x',
        modified: 'x',
        affected: [
          {
            package: { ecosystem: 'Chainguard', name: 'p' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
            ecosystem_specific: { components: [{ latest_event_status: 'pending-upstream-fix' }] },
          },
        ],
      },
      'x.json',
    ).entries;
    assert.equal(pending[0]?.state, 'not-fixed');
  });

  it('records of other ecosystems and withdrawn records give nothing', () => {
    const go = { id: 'GO-1', modified: 'x', affected: [{ package: { ecosystem: 'Go', name: 'x' } }] };
    assert.equal(parseOsvRecord(go, 'x').entries.length, 0);
    const gone = { ...(OSV_RECORDS['CGA-2222-3333-4444'] as object), withdrawn: '2024-01-01T00:00:00Z' };
    assert.equal(parseOsvRecord(gone, 'x').entries.length, 0);
  });
});

describe('advisory YAML', () => {
  it('the latest event decides (by timestamp, not file order)', () => {
    const b = parseAdvisoryYaml(CURL_YAML, 'curl.advisories.yaml');
    assert.deepEqual(
      b.entries.map((e) => `${e.id} ${e.state} ${e.fixed || '-'} ${e.justification || '-'}`),
      [
        'CGA-3333-3333-3333 not-fixed - -',
        'CGA-4444-4444-4444 not-affected - vulnerable_code_not_present',
        'CGA-5555-5555-5555 wont-fix - -',
        'CGA-6666-6666-6666 fixed 8.4.0-r0 -',
        'CGA-1212-1212-1212 under-investigation - -',
        'CGA-1010-1010-1010 fixed 8.10.0-r0 -',
      ],
    );
  });

  it('reports YAML errors with a position, and other schemas by code', () => {
    const e = assertCodeSync(
      () => parseAdvisoryYaml('schema-version: 2.0.2\nadvisories: [\n', 'x.yaml'),
      'SCAN_BAD_ADVISORY',
    );
    assert.match(e.message, /x\.yaml: \d+:\d+/);
    assertCodeSync(
      () => parseAdvisoryYaml('schema-version: 1\npackage: {name: x}\nadvisories: []\n', 'x'),
      'SCAN_BAD_ADVISORY',
    );
  });
});

describe('advisory YAML: wrong-typed values are errors with a position (review item 5)', () => {
  const doc = (advisory: string) =>
    `schema-version: "2"\npackage:\n  name: curl\nadvisories:\n  - id: CGA-1\n${advisory}`;
  const good = '    aliases: [CVE-1]\n    events:\n      - timestamp: 2024-06-01T00:00:00Z\n        type: detection\n';
  it('a well-typed document reads', () => {
    assert.equal(parseAdvisoryYaml(doc(good), 'ok.yaml').entries.length, 1);
  });
  for (const [what, advisory, where] of [
    [
      'events as a map',
      '    events:\n      timestamp: 2024-06-01T00:00:00Z\n      type: fixed\n',
      /7:7: advisories\[0\]\.events must be a list/,
    ],
    [
      'a bad timestamp',
      '    events:\n      - timestamp: yesterday\n        type: detection\n',
      /7:20: .*timestamp is not a timestamp.*'yesterday'/,
    ],
    ['no timestamp', '    events:\n      - type: detection\n', /events\[0\]\.timestamp is not a timestamp/],
    ['aliases as a scalar', '    aliases: CVE-1\n    events: []\n', /6:14: advisories\[0\]\.aliases must be a list/],
    ['an event that is a scalar', '    events:\n      - fixed\n', /7:9: advisories\[0\]\.events\[0\] must be a map/],
  ] as const) {
    it(`${what}: SCAN_BAD_ADVISORY naming file:line:col`, () => {
      const e = assertCodeSync(() => parseAdvisoryYaml(doc(advisory), 'curl.advisories.yaml'), 'SCAN_BAD_ADVISORY');
      assert.match(e.message, where);
      assert.match(e.message, /^curl\.advisories\.yaml: /);
    });
  }
  it('the pre-2.0 form: a bad timestamp too', () => {
    const v1 =
      'package:\n  name: x\nadvisories:\n  CVE-1:\n    - timestamp: not-a-date\n      status: fixed\n      fixed-version: 1-r0\n';
    const e = assertCodeSync(() => parseAdvisoryYaml(v1, 'x.yaml'), 'SCAN_BAD_ADVISORY');
    assert.match(e.message, /x\.yaml: 5:18: advisories\.CVE-1\[0\]\.timestamp is not a timestamp/);
  });
});

describe('gzip sources: a ratio bound (review item 7)', () => {
  it('a small gzip bomb is refused by its ratio, not inflated to the file limit', () => {
    // 64 MiB of one byte: ~64 KB compressed (~1000:1), under the 1 GiB file limit.
    const bomb = gzipMember(Buffer.alloc(64 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 100 * 1024);
    const e = assertCodeSync(() => decodeAdvisories(bomb, 'feed.json.gz'), 'LIMIT_EXCEEDED');
    assert.match(e.message, /feed\.json\.gz: the gzip data inflates more than 200× its \d+ bytes/);
  });
});

describe('format detection', () => {
  it('decodes each fixture file by content, an all.json as an index', () => {
    const files = fixtureFiles();
    const idx = decodeAdvisories(Buffer.from(files['osv/all.json'] as string), 'all.json');
    assert.equal(idx.indexIds?.length, Object.keys(OSV_RECORDS).length);
    assert.equal(decodeAdvisories(Buffer.from(SECDB), 's').batches[0]?.entries.length, 4);
    assert.equal(decodeAdvisories(Buffer.from(CURL_YAML), 'c').batches[0]?.entries.length, 6);
  });

  it('reads a tar.gz of advisory files (as the v3 tarball ships)', () => {
    const entries = Object.entries(fixtureFiles()).map(([name, text]) => ({
      name,
      type: 'file' as const,
      mode: 0o644,
      mtime: 0,
      data: Buffer.from(text),
    }));
    const tgz = gzipMember(writeTar(entries, { dialect: 'ustar' }));
    const d = decodeAdvisories(tgz, 'feed.tar.gz');
    assert.equal(
      d.batches.reduce((n, b) => n + b.entries.length, 0),
      4 + 6 + 10,
    );
  });

  it('an unknown document named directly is an error', () => {
    assertCodeSync(() => decodeAdvisories(Buffer.from('{"hello": 1}'), 'x.json'), 'SCAN_UNKNOWN_ADVISORY_FORMAT');
    assertCodeSync(() => decodeAdvisories(Buffer.from('{"hello": '), 'x.json'), 'SCAN_BAD_ADVISORY');
  });
});

describe('limits', () => {
  it('bounds the entries of a set and the size of a file', () => {
    const batches = decodeAdvisories(Buffer.from(SECDB), 's').batches;
    assertCodeSync(() => AdvisorySet.from(batches, { ...defaultAdvisoryLimits, maxEntries: 3 }), 'LIMIT_EXCEEDED');
    assert.equal(AdvisorySet.from(batches, { ...defaultAdvisoryLimits, maxEntries: 4 }).size, 4);
    assertCodeSync(
      () => decodeAdvisories(Buffer.from(SECDB), 's', { limits: { ...defaultAdvisoryLimits, maxFileBytes: 100 } }),
      'LIMIT_EXCEEDED',
    );
  });
});

describe('severity', () => {
  it('computes CVSS v4.0, v3.1 and v2 base scores (ae-cvss-calculator)', () => {
    assert.equal(cvss3Score('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'), 9.8);
    assert.equal(cvss3Score('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H'), 10);
    assert.equal(cvss3Score('CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N'), 5.5);
    assert.equal(cvss3Score('CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N'), 3.1);
    assert.equal(cvss3Score('CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N'), 6.4);
    assert.equal(cvss2Score('AV:N/AC:L/Au:N/C:P/I:P/A:P'), 7.5);
    assert.equal(cvss2Score('AV:N/AC:M/Au:N/C:N/I:P/A:N'), 4.3);
    assert.equal(severityOfCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N'), 'Negligible');
    // FIRST's CVSS v4.0 examples.
    assert.equal(cvss4Score('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'), 9.3);
    assert.equal(cvss4Score('CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'), 8.5);
    assert.equal(severityOfCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'), 'Critical');
    assert.equal(severityOfCvss('CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'), 'High');
    assert.equal(severityOfCvss('(AV:N/AC:L/Au:N/C:C/I:C/A:C)'), 'High');
    // Not vectors, or vectors missing a base metric: no severity (never a guess).
    assert.equal(severityOfCvss('CVSS:3.1/AV:N/AC:L'), undefined);
    assert.equal(severityOfCvss('CVSS:4.0/AV:N'), undefined);
    assert.equal(severityOfCvss('garbage'), undefined);
  });
});

describe('an OSV all.json index on disk', () => {
  it('reads only records beside it: an id with a path in it is skipped with a warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lupine-allidx-'));
    try {
      mkdirSync(join(dir, 'feed'));
      const rec = (id: string) =>
        JSON.stringify({
          id,
          modified: '2024-01-01T00:00:00Z',
          affected: [{ package: { ecosystem: 'Wolfi', name: `pkg-${id.length}` }, ranges: [] }],
        });
      writeFileSync(join(dir, 'feed/CGA-good-0000-0000.json'), rec('CGA-good-0000-0000'));
      writeFileSync(join(dir, 'outside.json'), rec('CGA-outside-0000-0000'));
      writeFileSync(
        join(dir, 'feed/all.json'),
        JSON.stringify([
          { id: 'CGA-good-0000-0000', modified: '2024-01-01T00:00:00Z' },
          { id: '../outside', modified: '2024-01-01T00:00:00Z' },
        ]),
      );
      const warnings: string[] = [];
      const logger = { ...silentLogger, warn: (m: string) => warnings.push(m) };
      const batches = await loadAdvisorySource('feed/all.json', { cwd: dir, logger });
      assert.deepEqual(
        batches.flatMap((b) => b.entries.map((e) => e.id)),
        ['CGA-good-0000-0000'],
      );
      assert.ok(
        warnings.some((w) => /lists '\.\.\/outside', which is not a record file name; skipped/.test(w)),
        warnings.join('\n'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
