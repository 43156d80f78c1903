import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { emptyPackageInfo, writePackage } from '../../src/apk/index.js';
import { gzipMember, writeTar } from '../../src/archive/index.js';
import { fixedClock } from '../../src/core/index.js';
import { writeDockerArchive } from '../../src/oci/index.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { assertGolden } from '../helpers/golden.js';
import { validateCycloneDx, validateSpdx } from '../helpers/json-schema.js';
import { vector } from '../helpers/paths.js';
import {
  CURL_YAML,
  EXPECTED_AARCH64,
  EXPECTED_X86_64,
  findingLine,
  fixtureFiles,
  OS_RELEASE,
  SECDB,
} from '../unit/scan/fixtures.js';
import { writeTestArchive, writeTestLayout, writeTestRoot } from '../unit/scan/image-fixture.js';

const tmp = mkdtempSync(join(tmpdir(), 'lupine-scan-e2e-'));
const env = { SOURCE_DATE_EPOCH: '1700000000', HOME: tmp, PATH: process.env.PATH };
const cli = (argv: string[]) => runCli(argv, { env, cwd: tmp });

function put(path: string, text: string | Uint8Array): void {
  mkdirSync(dirname(join(tmp, path)), { recursive: true });
  writeFileSync(join(tmp, path), text);
}

type JsonFinding = Parameters<typeof findingLine>[0] & { package: { arch: string } };

function lines(stdout: string): string[] {
  return (JSON.parse(stdout) as { findings: JsonFinding[] }).findings.map(findingLine);
}

/** Both arches, in the report's order (name, version, arch). */
const BOTH = [...EXPECTED_AARCH64, ...EXPECTED_X86_64].sort((a, b) => {
  const [na, va] = a.split(' ');
  const [nb, vb] = b.split(' ');
  return na === nb && va === vb ? 0 : (na as string) < (nb as string) ? -1 : 1;
});

before(async () => {
  for (const [name, text] of Object.entries(fixtureFiles())) put(`db/${name}`, text);
  await writeTestLayout(join(tmp, 'image'), ['x86_64', 'aarch64']);
  await writeTestArchive(join(tmp, 'image.tar'), ['x86_64']);
  writeTestRoot(join(tmp, 'root'), 'x86_64');
  put('minimal/lib/apk/db/installed', 'P:wolfi-baselayout\nV:20230201-r0\nA:x86_64\n\n');
  put('minimal/etc/os-release', OS_RELEASE);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('lupine scan: targets', () => {
  it('an OCI layout with two arches: per-arch fixes, table golden', async () => {
    const r = await cli(['scan', 'image', '--db', 'db']);
    assert.equal(r.code, 0, r.stderr);
    assertGolden('scan/image-table.txt', r.stdout);
    const j = await cli(['scan', 'image', '--db', 'db', '--format', 'json']);
    const got = lines(j.stdout);
    assert.deepEqual([...got].sort(), [...BOTH].sort());
    assert.equal(got.length, EXPECTED_X86_64.length + EXPECTED_AARCH64.length);
  });

  it('--arch picks one image of the layout', async () => {
    const r = await cli(['scan', 'image', '--db', 'db', '--arch', 'aarch64', '--format', 'json']);
    assert.deepEqual(lines(r.stdout), EXPECTED_AARCH64);
  });

  it('an oci-archive, a root directory: exactly the expected findings', async () => {
    for (const target of ['image.tar', 'root']) {
      const r = await cli(['scan', target, '--db', 'db', '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(lines(r.stdout), EXPECTED_X86_64, target);
    }
  });

  it('a docker-archive (docker save) of one arch', async () => {
    await writeDockerArchive(join(tmp, 'image'), join(tmp, 'docker.tar'), {
      arch: 'aarch64',
      repoTags: ['example.dev/lupine/scan-test:v1'],
    });
    const r = await cli(['scan', 'docker.tar', '--db', 'db', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), EXPECTED_AARCH64);
    const sbom = JSON.parse((await cli(['sbom', 'docker.tar'])).stdout);
    assert.deepEqual(validateSpdx(sbom), []);
    assert.match(sbom.name, /scan-test/);
  });

  it('a minimal image has no findings', async () => {
    const r = await cli(['scan', 'minimal', '--db', 'db', '--fail-on', 'negligible']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'No vulnerabilities found in 1 package (wolfi 20230201) against 20 advisory entries.\n');
  });

  it('an .apk, matched by its origin', async () => {
    const info = { ...emptyPackageInfo('libfoo-doc', '1.4.2-r0'), arch: 'x86_64', origin: 'libfoo', license: 'MIT' };
    put('libfoo-doc-1.4.2-r0.apk', writePackage({ files: [], info, clock: fixedClock(0) }));
    // An .apk names no distro: not scanned (exit 4) until --distro says which data applies.
    const bare = await cli(['scan', 'libfoo-doc-1.4.2-r0.apk', '--db', 'db', '--format', 'json']);
    assert.equal(bare.code, 4, bare.stderr);
    assert.deepEqual(lines(bare.stdout), []);
    const r = await cli(['scan', 'libfoo-doc-1.4.2-r0.apk', '--db', 'db', '--distro', 'wolfi', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), ['libfoo-doc 1.4.2-r0 CVE-2024-1111 fixed 1.4.2-r1 Medium']);
  });

  it('a missing target is an error (exit 3); no --db for an unknown distro, a bad flag: usage (exit 2)', async () => {
    const r = await cli(['scan', './nothing-here', '--db', 'db']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /SCAN_BAD_TARGET/);
    const noDb = await cli(['scan', 'libfoo-doc-1.4.2-r0.apk']);
    assert.equal(noDb.code, 2);
    assert.match(noDb.stderr, /no advisory source known for the distro 'unknown'/);
    assert.equal((await cli(['scan', 'root', '--db', 'db', '--format', 'xml'])).code, 2);
    assert.equal((await cli(['scan', 'root', '--db', 'db', '--fail-on', 'severe'])).code, 2);
  });
});

describe('lupine scan: formats (goldens)', () => {
  for (const format of ['table', 'json', 'sarif', 'openvex']) {
    it(`--format ${format}`, async () => {
      const r = await cli(['scan', 'root', '--db', 'db', '--format', format]);
      assert.equal(r.code, 0, r.stderr);
      assertGolden(`scan/root.${{ table: 'txt', json: 'json' }[format] ?? `${format}.json`}`, r.stdout);
    });
  }

  it('SARIF: one rule per vulnerability, results locate the package', async () => {
    const doc = JSON.parse((await cli(['scan', 'root', '--db', 'db', '--format', 'sarif'])).stdout);
    assert.equal(doc.version, '2.1.0');
    const run = doc.runs[0];
    assert.equal(run.tool.driver.name, 'lupine');
    assert.equal(run.results.length, EXPECTED_X86_64.length);
    const fromSarif = run.results.map(
      (x: { ruleId: string; properties: Record<string, string> }) =>
        `${x.properties.package} ${x.properties.installedVersion} ${x.ruleId} ${x.properties.state} ${x.properties.fixedVersion || '-'} ${x.properties.severity}`,
    );
    assert.deepEqual(fromSarif, EXPECTED_X86_64);
    assert.equal(run.tool.driver.rules.length, new Set(EXPECTED_X86_64.map((l) => l.split(' ')[2])).size);
    for (const res of run.results) {
      assert.equal(run.tool.driver.rules[res.ruleIndex].id, res.ruleId);
      const loc = res.locations[0];
      assert.equal(loc.physicalLocation.artifactLocation.uri, 'lib/apk/db/installed');
      assert.match(loc.logicalLocations[0].fullyQualifiedName, /^pkg:apk\/wolfi\//);
    }
  });

  it('OpenVEX: affected findings, not_affected NAKs with justification, fixed', async () => {
    const doc = JSON.parse((await cli(['scan', 'root', '--db', 'db', '--format', 'openvex'])).stdout);
    assert.equal(doc['@context'], 'https://openvex.dev/ns/v0.2.0');
    assert.equal(doc.timestamp, '2023-11-14T22:13:20Z');
    const by = (status: string) => doc.statements.filter((s: { status: string }) => s.status === status).length;
    assert.equal(by('affected'), 6);
    assert.equal(by('under_investigation'), 1);
    // The affected / under-investigation statements are exactly the findings.
    const open = doc.statements
      .filter((x: { status: string }) => x.status === 'affected' || x.status === 'under_investigation')
      .map(
        (x: { vulnerability: { name: string }; products: { '@id': string }[] }) =>
          `${/^pkg:apk\/wolfi\/([^@]+)@/.exec(x.products[0]?.['@id'] ?? '')?.[1]} ${x.vulnerability.name}`,
      )
      .sort();
    assert.deepEqual(open, EXPECTED_X86_64.map((l) => `${l.split(' ')[0]} ${l.split(' ')[2]}`).sort());
    const fp = doc.statements.find(
      (s: { vulnerability: { name: string } }) => s.vulnerability.name === 'CVE-2024-4444',
    );
    assert.equal(fp.status, 'not_affected');
    assert.equal(fp.justification, 'vulnerable_code_not_present');
    for (const s of doc.statements) {
      if (s.status === 'not_affected') assert.ok(s.justification || s.impact_statement);
      if (s.status === 'affected') assert.ok(s.action_statement);
    }
  });
});

describe('lupine scan: filters and exit codes', () => {
  const code = async (...args: string[]) => (await cli(['scan', ...args, '--db', 'db'])).code;

  it('--fail-on: 1 when a finding at or above remains, else 0', async () => {
    assert.equal(await code('root', '--fail-on', 'critical'), 0);
    assert.equal(await code('root', '--fail-on', 'high'), 1);
    assert.equal(await code('image', '--fail-on', 'critical'), 1);
    assert.equal(await code('root', '--fail-on', 'high', '--ignore', 'CVE-2024-9999'), 0);
    assert.equal(await code('root', '--fail-on', 'medium', '--ignore', 'CVE-2024-9999,GHSA-xxxx-yyyy-zzzz'), 0);
    assert.equal(await code('root', '--fail-on', 'medium', '--only-fixed'), 1);
    // `unknown`: any finding fails, even one whose data names no severity (Wolfi's, all Unknown).
    assert.equal(await code('root', '--fail-on', 'unknown', '--ignore', 'CVE-2024-9999,CVE-2024-1111'), 1);
    assert.equal(await code('minimal', '--fail-on', 'unknown'), 0);
  });

  it('--only-fixed and --ignore change the findings', async () => {
    const r = await cli([
      'scan',
      'root',
      '--db',
      'db',
      '--format',
      'json',
      '--only-fixed',
      '--ignore',
      'CGA-1010-1010-1010',
    ]);
    assert.deepEqual(
      lines(r.stdout),
      EXPECTED_X86_64.filter((l) => l.includes(' fixed ') && !l.includes('CVE-2024-1010')),
    );
  });

  it('the summary says how many findings the filters left out', async () => {
    const r = await cli(['scan', 'root', '--db', 'db', '--only-fixed']);
    assert.match(r.stdout, /4 findings .* 3 more left out by --only-fixed \/ --ignore\.\n$/);
    const none = await cli(['scan', 'minimal', '--db', 'db', '--ignore', 'CVE-2024-1111']);
    assert.match(none.stdout, /^No vulnerabilities found/);
  });

  it('a whole process (bin/lupine) gives the same JSON', () => {
    const r = spawnCli(['scan', 'root', '--db', 'db', '--format', 'json', '--fail-on', 'high'], { env, cwd: tmp });
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stdout), EXPECTED_X86_64);
  });
});

describe('lupine scan: advisory sources', () => {
  it('single files, repeated --db, an all.json index, and a .tar.gz feed give the same findings', async () => {
    const files = Object.entries(fixtureFiles()).map(([name, text]) => ({
      name,
      type: 'file' as const,
      mode: 0o644,
      mtime: 0,
      data: Buffer.from(text),
    }));
    put('feed.tar.gz', gzipMember(writeTar(files, { dialect: 'ustar' })));
    const fromTar = await cli(['scan', 'root', '--db', 'feed.tar.gz', '--format', 'json']);
    assert.deepEqual(lines(fromTar.stdout), EXPECTED_X86_64);
    const split = await cli([
      'scan',
      'root',
      '--db',
      'db/secdb/security.json',
      '--db',
      'db/advisories/curl.advisories.yaml',
      '--db',
      'db/osv/all.json',
      '--format',
      'json',
    ]);
    assert.deepEqual(lines(split.stdout), EXPECTED_X86_64);
  });

  it('http(s) URLs: an OSV all.json index brings its records, cached; --offline uses the cache', async () => {
    const served = fixtureFiles();
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = served[(req.url ?? '').slice(1)];
      res.writeHead(body === undefined ? 404 : 200).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dbs = [
      '--db',
      `${base}/osv/all.json`,
      '--db',
      `${base}/secdb/security.json`,
      '--db',
      `${base}/advisories/curl.advisories.yaml`,
    ];
    try {
      const r = await cli(['scan', 'root', ...dbs, '--format', 'json', '--cache-dir', 'cache']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(lines(r.stdout), EXPECTED_X86_64);
      assert.ok(requests.includes('/osv/CGA-9999-9999-999b.json'));
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    const offline = await cli(['scan', 'root', ...dbs, '--format', 'json', '--cache-dir', 'cache', '--offline']);
    assert.equal(offline.code, 0, offline.stderr);
    assert.deepEqual(lines(offline.stdout), EXPECTED_X86_64);
    const cold = await cli(['scan', 'root', ...dbs, '--cache-dir', 'cold-cache', '--offline']);
    assert.equal(cold.code, 3);
    assert.match(cold.stderr, /REPO_OFFLINE/);
  });

  it("without --db the distro's public feed is used (here offline, with an empty cache: REPO_OFFLINE)", async () => {
    const r = await cli(['scan', 'root', '--offline', '--cache-dir', 'empty-cache']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /REPO_OFFLINE.*packages\.wolfi\.dev\/os\/security\.json/);
  });

  it('a damaged advisory file is an error naming it', async () => {
    put('bad/security.json', SECDB.slice(0, 40));
    const r = await cli(['scan', 'root', '--db', 'bad/security.json']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /SCAN_BAD_ADVISORY.*bad\/security\.json/);
    put('bad/x.advisories.yaml', CURL_YAML.replace('schema-version: 2.0.2', 'schema-version: 2.0.2\n  bad: [indent'));
    assert.equal((await cli(['scan', 'root', '--db', 'bad/x.advisories.yaml'])).code, 3);
  });
});

describe('issue 11 finding 9: a directory source reports what it skips; an empty source is an error', () => {
  it('a broken file and a wrong-typed package in a --db directory are each named; the rest still loads', async () => {
    put('dir9/good/security.json', SECDB);
    put(
      'dir9/good/broken.advisories.yaml',
      'schema-version: 2.0.2\npackage:\n  name: curl\nadvisories:\n  - id: X\n    events: [\n',
    );
    put('dir9/good/odd.json', '{"hello": "world"}\n');
    put(
      'dir9/good/typed.json',
      JSON.stringify({ id: 'CGA-9999-9999-9999', modified: '2024-01-01T00:00:00Z', affected: [{ package: 5 }] }),
    );
    const r = await cli(['scan', 'root', '--db', 'dir9/good', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: .*dir9\/good\/broken\.advisories\.yaml.*skipped/);
    assert.match(r.stderr, /warning: .*dir9\/good\/odd\.json.*skipped/);
    assert.match(r.stderr, /warning: .*dir9\/good\/typed\.json.*affected\[0\].*skipped/);
    assert.ok(JSON.parse(r.stdout).advisories > 0);
    const strict = await cli(['scan', 'root', '--db', 'dir9/good', '--strict']);
    assert.equal(strict.code, 3);
    assert.match(strict.stderr, /SCAN_BAD_ADVISORY.*broken\.advisories\.yaml/);
  });

  it('a YAML alias bomb in a --db directory is skipped with a warning naming it; alone it is SCAN_BAD_ADVISORY', async () => {
    put('dir9/bomb/security.json', SECDB);
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      levels.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = `schema-version: 2.0.2\npackage:\n  name: curl\n${levels.join('\n')}\nadvisories: []\n`;
    put('dir9/bomb/zz.advisories.yaml', bomb);
    const r = await cli(['scan', 'root', '--db', 'dir9/bomb', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.match(r.stderr, /warning: .*dir9\/bomb\/zz\.advisories\.yaml.*skipped/);
    put('dir9/bomb-alone/zz.advisories.yaml', bomb);
    const alone = await cli(['scan', 'root', '--db', 'dir9/bomb-alone/zz.advisories.yaml']);
    assert.equal(alone.code, 3, alone.stderr);
    assert.match(alone.stderr, /SCAN_BAD_ADVISORY.*zz\.advisories\.yaml/);
    assert.doesNotMatch(alone.stderr, /internal error/);
  });

  it('a directory whose files yield no entry is an error, not "no vulnerabilities"', async () => {
    put('dir9/empty/broken.advisories.yaml', 'schema-version: 2.0.2\npackage:\n  name: curl\nadvisories:\n  - [\n');
    put('dir9/empty/odd.json', '{"hello": "world"}\n');
    const r = await cli(['scan', 'root', '--db', 'dir9/empty']);
    assert.equal(r.code, 3, r.stdout);
    assert.match(r.stderr, /SCAN_EMPTY_SOURCE.*dir9\/empty/);
    assert.doesNotMatch(r.stdout, /No vulnerabilities/);
    assert.match(r.stderr, /broken\.advisories\.yaml/);
  });
});

describe('a real Alpine 3.16 installed database (vectors/apk/db/installed)', () => {
  // Illustrative Alpine secdb documents in the published format (one per branch and repository).
  const secdb = (branch: string, packages: Record<string, Record<string, string[]>>) =>
    JSON.stringify({
      distroversion: branch,
      reponame: 'main',
      urlprefix: 'https://dl-cdn.alpinelinux.org/alpine',
      apkurl: '{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk',
      archs: ['aarch64', 'x86_64'],
      packages: Object.entries(packages).map(([name, secfixes]) => ({ pkg: { name, secfixes } })),
    });

  it('matches subpackages by origin, by branch, with letter versions (1.1.1q < 1.1.1t)', async () => {
    put('alpine/lib/apk/db/installed', readFileSync(vector('apk', 'db', 'installed')));
    put('alpine/etc/os-release', 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.16.2\n');
    put(
      'alpine-secdb/v3.16-main.json',
      secdb('v3.16', {
        openssl: { '1.1.1t-r0': ['CVE-2023-0286'], '1.1.1q-r0': ['CVE-2022-2097'], '1.1.1n-r0': ['CVE-2022-0778'] },
        busybox: { '1.35.0-r18': ['CVE-2022-30065'] },
        zlib: { '1.2.12-r2': ['CVE-2018-25032'] },
        musl: { '0': ['CVE-2019-14697'] },
      }),
    );
    put('alpine-secdb/v3.15-main.json', secdb('v3.15', { openssl: { '1.1.1u-r0': ['CVE-2023-2650'] } }));
    const r = await cli(['scan', 'alpine', '--db', 'alpine-secdb', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.packages, 14);
    assert.deepEqual(doc.distro, { id: 'alpine', versionId: '3.16.2' });
    assert.deepEqual(lines(r.stdout), [
      'busybox 1.35.0-r17 CVE-2022-30065 fixed 1.35.0-r18 Unknown',
      'libcrypto1.1 1.1.1q-r0 CVE-2023-0286 fixed 1.1.1t-r0 Unknown',
      'libssl1.1 1.1.1q-r0 CVE-2023-0286 fixed 1.1.1t-r0 Unknown',
      'ssl_client 1.35.0-r17 CVE-2022-30065 fixed 1.35.0-r18 Unknown',
    ]);
  });
});

describe('apko-built image (vectors/apko/golden-testdata/golden)', () => {
  const golden = vector('apko', 'golden-testdata', 'golden');
  const apkNames = (doc: { packages: { name: string; externalRefs?: { referenceLocator: string }[] }[] }) =>
    doc.packages
      .filter((p) => p.externalRefs?.some((r) => r.referenceLocator.startsWith('pkg:apk/')))
      .map((p) => p.name)
      .sort();

  it('scans the real apko layers: its APK packages; its distro (ID=replaces) has no data: not scanned', async () => {
    const r = await cli(['scan', golden, '--arch', 'x86_64', '--db', 'db', '--format', 'json']);
    assert.equal(r.code, 4, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.packages, 2);
    assert.equal(doc.notScanned, 'no data for replaces 1.0.0');
    assert.deepEqual(doc.findings, []);
    const wolfi = await cli([
      'scan',
      golden,
      '--arch',
      'x86_64',
      '--db',
      'db',
      '--distro',
      'wolfi',
      '--format',
      'json',
    ]);
    assert.equal(wolfi.code, 0, wolfi.stderr);
    assert.deepEqual(JSON.parse(wolfi.stdout).findings, []);
  });

  it('lupine sbom lists the same APK packages as apko’s own SBOM', async () => {
    const ours = JSON.parse((await cli(['sbom', golden, '--arch', 'x86_64'])).stdout);
    assert.deepEqual(validateSpdx(ours), []);
    const apko = JSON.parse(readFileSync(join(golden, 'sboms', 'sbom-x86_64.spdx.json'), 'utf8'));
    assert.deepEqual(apkNames(ours), apkNames(apko));
    assert.deepEqual(apkNames(ours), ['pretend-baselayout', 'replayout']);
  });
});

describe('lupine sbom', () => {
  it('SPDX and CycloneDX of a root validate against the schemas, and scanning them finds the same', async () => {
    for (const [format, validate] of [
      ['spdx', validateSpdx],
      ['cyclonedx', validateCycloneDx],
    ] as const) {
      const out = `root.${format}.json`;
      const r = await cli(['sbom', 'root', '--format', format, '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(readFileSync(join(tmp, out), 'utf8'));
      assert.deepEqual(validate(doc), []);
      const s = await cli(['scan', out, '--db', 'db', '--format', 'json']);
      assert.equal(s.code, 0, s.stderr);
      assert.deepEqual(lines(s.stdout), EXPECTED_X86_64, format);
    }
  });

  it('an image index (two arches), an oci-archive and an .apk give valid SBOMs; same bytes twice', async () => {
    for (const target of ['image', 'image.tar', 'libfoo-doc-1.4.2-r0.apk']) {
      const a = await cli(['sbom', target]);
      assert.equal(a.code, 0, a.stderr);
      assert.deepEqual(validateSpdx(JSON.parse(a.stdout)), [], target);
      assert.deepEqual(
        validateCycloneDx(JSON.parse((await cli(['sbom', target, '--format', 'cyclonedx'])).stdout)),
        [],
      );
      assert.equal((await cli(['sbom', target])).stdout, a.stdout);
    }
    // Several platforms: the index SBOM (as apko writes sbom-index), naming each image.
    const index = JSON.parse((await cli(['sbom', 'image'])).stdout);
    assert.deepEqual(
      index.relationships.filter((r: { relationshipType: string }) => r.relationshipType === 'VARIANT_OF').length,
      2,
    );
    // One platform: its packages.
    const one = JSON.parse((await cli(['sbom', 'image', '--arch', 'aarch64'])).stdout);
    assert.deepEqual(validateSpdx(one), []);
    const dev = one.packages.filter((p: { name: string }) => p.name === 'libfoo-dev');
    assert.equal(dev.length, 1);
    assert.match(dev[0].externalRefs[0].referenceLocator, /arch=aarch64/);
  });

  it('an SBOM of an SBOM is refused', async () => {
    const r = await cli(['sbom', 'root.spdx.json']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /SCAN_BAD_TARGET/);
  });
});
