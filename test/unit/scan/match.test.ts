import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInstalledDb } from '../../../src/install/index.js';
import {
  AdvisorySet,
  advisoryEntry,
  alpineBranch,
  defaultAdvisorySources,
  filterFindings,
  findingsAtOrAbove,
  match,
  parseAdvisoryYaml,
  parseOsv,
  type ScanPackage,
  whyNotScanned,
} from '../../../src/scan/index.js';
import { CURL_YAML, EXPECTED_AARCH64, EXPECTED_X86_64, findingLine, fixtureSet, installedDb } from './fixtures.js';

const WOLFI = { id: 'wolfi', versionId: '20230201' };

function packagesOf(arch: string): ScanPackage[] {
  return parseInstalledDb(installedDb(arch)).map(({ info }) => ({
    name: info.name,
    version: info.version,
    arch: info.arch,
    origin: info.origin,
  }));
}

describe('match against the fixture advisories (secdb + OSV + advisory YAML)', () => {
  const set = fixtureSet();

  it('finds exactly the expected findings on x86_64', () => {
    const r = match(packagesOf('x86_64'), set, WOLFI);
    assert.deepEqual(r.findings.map(findingLine), EXPECTED_X86_64);
  });

  it('keeps arches apart: aarch64 is fixed in a later revision than x86_64', () => {
    const r = match(packagesOf('aarch64'), set, WOLFI);
    assert.deepEqual(r.findings.map(findingLine), EXPECTED_AARCH64);
  });

  it('matches a subpackage through its origin, and says so', () => {
    const r = match(packagesOf('x86_64'), set, WOLFI);
    const dev = r.findings.find((f) => f.package.name === 'libfoo-dev');
    assert.equal(dev?.matchedBy, 'origin');
    assert.equal(dev?.matchedPackage, 'libfoo');
    assert.equal(r.findings.find((f) => f.package.name === 'libfoo')?.matchedBy, 'name');
  });

  it('joins ids through aliases: the CGA id and the GHSA become aliases of the CVE', () => {
    const r = match(packagesOf('x86_64'), set, WOLFI);
    const libfoo = r.findings.find((f) => f.package.name === 'libfoo');
    assert.deepEqual(libfoo?.aliases, ['GHSA-xxxx-yyyy-zzzz', 'CGA-aaaa-bbbb-cccc']);
    const zlib = r.findings.find((f) => f.package.name === 'zlib');
    assert.deepEqual(zlib?.aliases, ['CGA-9999-9999-999a', 'CGA-9999-9999-999b', 'CGA-9999-9999-999c']);
  });

  it('never shows "0" NAKs and false positives, and records them as not affected', () => {
    const r = match(packagesOf('x86_64'), set, WOLFI);
    const ids = new Set(r.findings.map((f) => f.vulnerability));
    for (const id of ['CVE-2024-0001', 'CVE-2024-7777', 'CVE-2024-4444', 'CVE-2024-8888']) assert.ok(!ids.has(id), id);
    const nak = (name: string, id: string) =>
      r.resolutions.find((x) => x.package.name === name && x.vulnerability === id)?.status;
    assert.equal(nak('libfoo', 'CVE-2024-0001'), 'not-affected');
    assert.equal(nak('busybox', 'CVE-2024-7777'), 'not-affected');
    assert.equal(nak('curl', 'CVE-2024-4444'), 'not-affected');
    assert.equal(nak('zlib', 'CVE-2024-8888'), 'not-affected');
    const fp = r.resolutions.find((x) => x.vulnerability === 'CVE-2024-4444');
    assert.equal(fp?.justification, 'vulnerable_code_not_present');
    assert.equal(nak('curl', 'CVE-2024-6666'), 'fixed');
    assert.equal(nak('ca-certificates-bundle', 'CVE-2023-0001'), 'fixed');
  });

  it('ignores other distros: Alpine entries on Wolfi, Chainguard-only fixes on Wolfi', () => {
    const r = match(packagesOf('x86_64'), set, WOLFI);
    assert.ok(!r.findings.some((f) => f.vulnerability === 'CVE-2024-1000'));
    const cg = match(packagesOf('x86_64'), set, { id: 'chainguard', versionId: '' });
    assert.equal(cg.findings.find((f) => f.package.name === 'zlib')?.fixedIn, '1.3-r5');
  });

  it('is deterministic and independent of input order', () => {
    const pkgs = packagesOf('x86_64');
    const a = match(pkgs, set, WOLFI);
    const b = match([...pkgs].reverse(), set, WOLFI);
    assert.deepEqual(a, b);
  });

  it('an upgraded package has no findings left', () => {
    const r = match([{ name: 'zlib', version: '1.3-r2', arch: 'x86_64', origin: 'zlib' }], set, WOLFI);
    assert.deepEqual(r.findings, []);
  });
});

describe('match details', () => {
  const entry = advisoryEntry;

  it('APK version order, not string order (1.10 > 1.9, _rc < release)', () => {
    const set = AdvisorySet.from([
      {
        entries: [entry({ id: 'CVE-1', package: 'p', distro: 'wolfi', state: 'fixed', fixed: '1.10-r0', source: 't' })],
        aliasGroups: [],
        severities: new Map(),
        warnings: [],
      },
    ]);
    const at = (version: string) =>
      match([{ name: 'p', version, arch: 'x86_64', origin: '' }], set, WOLFI).findings.length;
    assert.equal(at('1.9-r9'), 1);
    assert.equal(at('1.10_rc1-r0'), 1);
    assert.equal(at('1.10-r0'), 0);
    assert.equal(at('1.10.1-r0'), 0);
  });

  it('OSV ranges: introduced and last_affected bound the affected versions', () => {
    const b = parseOsv(
      {
        id: 'CVE-9',
        modified: 'x',
        affected: [
          {
            package: { ecosystem: 'Wolfi', name: 'p' },
            ranges: [
              { type: 'ECOSYSTEM', events: [{ introduced: '2.0-r0' }, { fixed: '2.3-r0' }] },
              { type: 'ECOSYSTEM', events: [{ introduced: '3.0-r0' }, { last_affected: '3.1-r0' }] },
            ],
          },
        ],
      },
      'x',
    );
    const set = AdvisorySet.from([b]);
    const at = (version: string) =>
      match([{ name: 'p', version, arch: '', origin: '' }], set, WOLFI).findings.map((f) => f.fixedIn);
    assert.deepEqual(at('1.9-r0'), []);
    assert.deepEqual(at('2.1-r0'), ['2.3-r0']);
    assert.deepEqual(at('2.3-r0'), []);
    assert.equal(at('3.1-r0').length, 1);
    assert.deepEqual(at('3.2-r0'), []);
    // A last_affected range names no fix: the finding is not "fixed" (no version to upgrade to).
    const state = (version: string) =>
      match([{ name: 'p', version, arch: '', origin: '' }], set, WOLFI).findings.map((f) => `${f.state} ${f.fixedIn}`);
    assert.deepEqual(state('3.1-r0'), ['not-fixed ']);
    assert.deepEqual(state('2.1-r0'), ['fixed 2.3-r0']);
    const status = (version: string) =>
      match([{ name: 'p', version, arch: '', origin: '' }], set, WOLFI).resolutions.map((r) => r.status);
    assert.deepEqual(status('1.9-r0'), ['not-affected']);
    assert.deepEqual(status('2.3-r0'), ['fixed']);
  });

  it('Alpine entries apply only to their branch', () => {
    const set = AdvisorySet.from([
      {
        entries: [
          entry({
            id: 'CVE-1',
            package: 'p',
            state: 'fixed',
            fixed: '2-r0',
            distro: 'alpine',
            branch: 'v3.19',
            source: 't',
          }),
          entry({
            id: 'CVE-2',
            package: 'p',
            state: 'fixed',
            fixed: '2-r0',
            distro: 'alpine',
            branch: 'v3.18',
            source: 't',
          }),
        ],
        aliasGroups: [],
        severities: new Map(),
        warnings: [],
      },
    ]);
    const r = match([{ name: 'p', version: '1-r0', arch: 'x86_64', origin: '' }], set, {
      id: 'alpine',
      versionId: '3.19.1',
    });
    assert.deepEqual(
      r.findings.map((f) => f.vulnerability),
      ['CVE-1'],
    );
  });

  it('each source only for its distro: unknown distro and Alpine see nothing of Wolfi data (review item 2)', () => {
    const yaml = parseAdvisoryYaml(CURL_YAML, 'curl.advisories.yaml');
    const wolfiSecdb = fixtureSet();
    const yamlOnly = AdvisorySet.from([yaml]);
    const curl: ScanPackage = { name: 'curl', version: '8.0.0-r0', arch: 'x86_64', origin: 'curl' };
    const input = { distro: { id: 'unknown', versionId: '' }, packages: [curl], location: 'x' };
    // No os-release (or an ID no source covers): never clean, whatever sources are loaded.
    for (const [id, set] of [
      ['unknown', wolfiSecdb],
      ['', wolfiSecdb],
      ['gentoo', wolfiSecdb],
      ['alpine', yamlOnly],
    ] as const) {
      const distro = { id, versionId: id === 'alpine' ? '3.19.1' : '' };
      assert.notEqual(whyNotScanned({ ...input, distro }, set, distro), '', `${id || '(none)'}`);
      assert.deepEqual(match([curl], set, distro).findings, [], `${id || '(none)'}`);
    }
    // Wolfi advisory YAML is Wolfi's: it applies to wolfi and chainguard targets.
    assert.ok(yaml.entries.length > 0 && yaml.entries.every((e) => e.distro === 'wolfi'));
    for (const id of ['wolfi', 'chainguard']) {
      const distro = { id, versionId: '' };
      assert.equal(whyNotScanned({ ...input, distro }, yamlOnly, distro), '', id);
      assert.ok(match([curl], yamlOnly, distro).findings.length > 0, id);
    }
  });

  it('default feeds per distro; Alpine by branch', () => {
    assert.deepEqual(defaultAdvisorySources(WOLFI), ['https://packages.wolfi.dev/os/security.json']);
    assert.deepEqual(defaultAdvisorySources({ id: 'alpine', versionId: '3.19.1' }), [
      'https://secdb.alpinelinux.org/v3.19/main.json',
      'https://secdb.alpinelinux.org/v3.19/community.json',
    ]);
    assert.equal(alpineBranch('3.21.0_alpha20240807'), 'edge');
    assert.deepEqual(defaultAdvisorySources({ id: 'debian', versionId: '12' }), []);
  });

  it('an unresolved record wins over a fixed one (no fix shown)', () => {
    const set = AdvisorySet.from([
      {
        entries: [
          entry({ id: 'CVE-1', package: 'p', distro: 'wolfi', state: 'fixed', fixed: '2-r0', source: 'a' }),
          entry({ id: 'CVE-1', package: 'p', distro: 'wolfi', state: 'not-fixed', source: 'b' }),
        ],
        aliasGroups: [],
        severities: new Map(),
        warnings: [],
      },
    ]);
    const [f] = match([{ name: 'p', version: '1-r0', arch: '', origin: '' }], set, WOLFI).findings;
    assert.equal(f?.state, 'not-fixed');
    assert.equal(f?.fixedIn, '');
  });

  it('filters: --only-fixed, --ignore by id or alias, --fail-on thresholds', () => {
    const r = match(packagesOf('x86_64'), fixtureSet(), WOLFI);
    assert.equal(filterFindings(r.findings, { onlyFixed: true }).length, 4);
    assert.equal(filterFindings(r.findings, { ignore: ['cga-aaaa-bbbb-cccc'] }).length, 5);
    assert.equal(filterFindings(r.findings, { ignore: ['CVE-2024-9999', 'CVE-2024-1010'] }).length, 5);
    assert.equal(findingsAtOrAbove(r.findings, 'Critical').length, 0);
    assert.equal(findingsAtOrAbove(r.findings, 'High').length, 1);
    assert.equal(findingsAtOrAbove(r.findings, 'Medium').length, 3);
  });
});
