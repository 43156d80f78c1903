/**
 * `npm run demo` as CI runs it (`node dist/scripts/demo.js`, output in a temp dir). The distro is the
 * test run's shared build (test/helpers/distro-tree.ts) placed in the demo's output as a user who ran
 * `lupine distro build` first would have it: the demo's own incremental state finds it up to date.
 * One run builds the whole images/ catalog, prints each image's digest, size, package count
 * and entrypoint within the size budgets, and writes report.html; a warm rerun builds nothing and
 * says so. The same build then serves the catalog checks (issue 7): scanning every image against the
 * fixture advisory DB (test/fixtures/advisories) gives exactly the expected findings, and the SBOMs
 * of every image from `lupine sbom` (SPDX and CycloneDX) validate against the schemas.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { copySharedTree, sharedDistroTree } from '../helpers/distro-tree.js';
import { validateCycloneDx, validateSpdx } from '../helpers/json-schema.js';
import { repoRoot } from '../helpers/paths.js';

const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
const canBuild =
  ok('bwrap', ['--version']) && ok('dpkg-query', ['-W', 'busybox-static', 'gcc-12', 'libc6-dev', 'nodejs']);

const demoJs = join(repoRoot, 'dist', 'scripts', 'demo.js');
const fixtureDb = join(repoRoot, 'test', 'fixtures', 'advisories');
/** Recipes in distro/: a cold run builds every one. */
const RECIPES = readdirSync(join(repoRoot, 'distro')).filter((f) => f.endsWith('.yaml')).length;
const catalog = readdirSync(join(repoRoot, 'images'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -5))
  .sort();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The demo with SOURCE_DATE_EPOCH unset (its default applies). */
function demo(args: string[]): Run {
  const env = { ...process.env };
  delete env.SOURCE_DATE_EPOCH;
  delete env.LUPINE_DEMO_OUT;
  const r = spawnSync(process.execPath, [demoJs, ...args], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface ImageSummary {
  digest: string;
  status: string;
  platform: string;
  bytes: number;
  packages: number;
  entrypoint: string;
}

/** The per-image blocks of the demo's summary, by image name. */
function summaries(stdout: string): Map<string, ImageSummary> {
  const re =
    /^ {2}(\S+) +(sha256:[0-9a-f]{64}) {2}(.+)\n {2} +(\S+), [\d.]+ [kM]B compressed \((\d+) bytes\), (\d+) packages, entrypoint (.+)\n {2} +user /gm;
  const out = new Map<string, ImageSummary>();
  for (const m of stdout.matchAll(re)) {
    out.set(m[1] as string, {
      digest: m[2] as string,
      status: m[3] as string,
      platform: m[4] as string,
      bytes: Number(m[5]),
      packages: Number(m[6]),
      entrypoint: m[7] as string,
    });
  }
  return out;
}

describe('npm run demo: the distro, the catalog and its report', {
  skip: !canBuild && 'needs bwrap and the Debian packages of distro/README.md',
}, () => {
  let work: string;
  let out: string;
  let cold: Map<string, ImageSummary>;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lupine-demo-e2e-'));
    out = join(work, 'out');
    const tree = await sharedDistroTree();
    assert.equal(tree.build.code, 0, tree.build.stderr);
    copySharedTree(tree, work); // → OUT/packages (with the build state) and OUT/keys
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('a run over the built distro builds every image, and prints each one within budget', () => {
    const r = demo(['--out', out, '-j', '2']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^lupine demo \(SOURCE_DATE_EPOCH=0\)$/m);
    assert.match(
      r.stdout,
      new RegExp(`^distro {2}0 built, ${RECIPES} skipped, 0 failed in [\\d.]+ s .*\\(nothing to do\\)`, 'm'),
    );
    assert.match(
      r.stdout,
      /^ {2}from upstream source \(18\): busybox bzip2 ca-certificates-bundle curl expat gawk glibc libffi ncurses openssl python-3\.13 readline sqlite tzdata tzutils xz zlib zstd$/m,
    );
    assert.match(
      r.stdout,
      /^ {2}imported from Debian, stage 0 \(9\): bison build-base busybox-static glibc-bootstrap libgcc libstdc\+\+ nodejs perl python3-bootstrap$/m,
    );
    assert.match(r.stderr, /^key {4}.*demo\.rsa \(reused\)$/m);
    cold = summaries(r.stdout);
    assert.deepEqual([...cold.keys()], catalog);
    const entrypoints: Record<string, string> = {
      busybox: '/bin/sh',
      curl: '/usr/bin/curl',
      hello: '/usr/bin/hello-server',
      node: '/usr/bin/node',
      'node-app': '/usr/bin/node /usr/lib/node-app/server.js',
      'node-dev': '/usr/bin/node',
      python: '/usr/bin/python3',
      'python-dev': '/usr/bin/python3',
      static: '(none)',
    };
    for (const [name, s] of cold) {
      assert.equal(s.status, 'built', name);
      assert.equal(s.platform, 'linux/amd64', name);
      assert.equal(s.entrypoint, entrypoints[name], `${name}: entrypoint`);
      assert.ok(s.packages > 0, `${name}: package count`);
      const index = JSON.parse(readFileSync(join(out, 'images', name, 'index.json'), 'utf8'));
      assert.equal(index.manifests[0].digest, s.digest, `${name}: the printed digest is the layout's`);
      for (const sbom of ['sbom-index.spdx.json', 'sbom-x86_64.spdx.json', 'sbom-x86_64.cdx.json']) {
        assert.ok(existsSync(join(out, 'sboms', name, sbom)), `${name}: ${sbom}`);
      }
    }
    assert.equal(cold.get('static')?.packages, 3);
    const budgets: Record<string, number> = { static: 2.5e6, hello: 3e6, curl: 8e6, node: 45e6, python: 30e6 };
    for (const [name, budget] of Object.entries(budgets)) {
      const bytes = cold.get(name)?.bytes ?? Number.POSITIVE_INFINITY;
      assert.ok(bytes <= budget, `${name}: ${bytes} bytes compressed > ${budget}`);
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const name of catalog) assert.ok(html.includes(`out/images/${name}`), `report shows ${name}`);
    // Every catalog image is scanned against the distro's own feed (OUT/packages/security.json) …
    for (const name of catalog) {
      const block = new RegExp(`^ {2}${name} .*\\n.*\\n {2} +user .*, (no vulnerabilities|\\d+ vulnerabilit)`, 'm');
      assert.match(r.stdout, block, `${name} is scanned`);
    }
    assert.match(html, /Advisory sources:<\/p><ul><li><code>out\/packages<\/code> \(secdb;/);
    // … and the Debian baseline, when mmdebstrap could build it, is shown beside them, "not scanned"
    // (no Debian data is loaded), never "0".
    if (html.includes('out/images/debian-bookworm')) {
      assert.ok(html.includes('not scanned: no data for debian 12'), 'the Debian baseline says not scanned');
      assert.match(r.stdout, /^ {2}debian-bookworm +sha256:[0-9a-f]{64} {2}baseline/m);
    } else {
      assert.match(r.stderr, /^DEBIAN BASELINE SKIPPED: .+/m);
    }
    assert.match(
      r.stdout,
      new RegExp(
        `^Built 0 packages and ${catalog.length} images \\(${catalog.length} new or changed, 0 unchanged\\)\\.$`,
        'm',
      ),
    );
  });

  test('a rerun with no change builds nothing and says so; the digests are the same', () => {
    assert.ok(cold, 'the cold run passed');
    const r = demo(['--out', out, '-j', '2']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stdout,
      new RegExp(`^distro {2}0 built, ${RECIPES} skipped, 0 failed in .*\\(nothing to do\\)`, 'm'),
    );
    assert.match(r.stderr, /^key {4}.*demo\.rsa \(reused\)$/m);
    const warm = summaries(r.stdout);
    assert.deepEqual([...warm.keys()], catalog);
    // In a shared working tree someone may recompile lupine between the two runs: the demo then
    // rebuilds the images (reason "lupine changed") and they must come out identical. Nothing else
    // may trigger a rebuild.
    const reasons = new Map(
      [...r.stderr.matchAll(/^image {2}(\S+): building \S+: (.+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
    );
    for (const [name, s] of warm) {
      if (s.status !== 'unchanged') {
        assert.equal(reasons.get(name), 'lupine changed', `${name}: ${s.status}`);
        assert.equal(s.status, 'rebuilt, same digest', name);
      }
      assert.equal(s.digest, cold.get(name)?.digest, `${name}: digest`);
      assert.equal(s.bytes, cold.get(name)?.bytes, `${name}: size`);
    }
    assert.match(r.stdout, /^report {2}.*report\.html \(unchanged\)$/m);
    if (reasons.size === 0) {
      assert.match(r.stdout, /^Nothing rebuilt: the distro is up to date and every image is unchanged\.$/m);
    } else {
      assert.match(r.stdout, /^Built 0 packages and \d images \(0 new or changed, \d+ unchanged\)\.$/m);
    }
  });

  test('a failure is reported and exits non-zero', () => {
    const blocker = join(work, 'a-file');
    writeFileSync(blocker, 'not a directory\n');
    const r = demo(['--out', join(blocker, 'out')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^demo failed: .*a-file/m);
    assert.equal(r.stdout, '');
  });

  describe('the catalog against the fixture advisory DB', () => {
    // name-version vulnerability state fixed-in severity, per image. Not listed, by design: the
    // fixes already in (CVE-2099-1002, -2002, -4001, -5004), the "0" NAKs (CVE-2099-1003, -2003,
    // -3001) and the false positive (CVE-2099-5003).
    const glibc = [
      'glibc-2.43-r0 CVE-2099-1001 fixed 2.43-r1 Unknown',
      'glibc-2.43-r0 CVE-2099-6001 fixed 2.43-r2 Critical',
    ];
    const busybox = ['busybox-1.38.0-r1 CVE-2099-2001 fixed 1.38.0-r2 Unknown'];
    const node = [
      ...glibc,
      'libstdc++-12.2.0-r0 CVE-2099-6002 fixed 12.2.0-r5 Low',
      'nodejs-20.20.2-r0 CVE-2099-5001 not-fixed - Unknown',
      'nodejs-20.20.2-r0 CVE-2099-5002 wont-fix - Unknown',
    ];
    const expected: Record<string, string[]> = {
      // busybox is built from source, dynamic against glibc: the image carries both.
      busybox: [...busybox, ...glibc],
      curl: glibc,
      hello: glibc,
      node,
      'node-app': node,
      'node-dev': [...busybox, ...node],
      python: glibc,
      'python-dev': [...busybox, ...glibc],
      static: [],
    };

    test('scanning every image gives exactly the expected findings', async () => {
      assert.ok(cold, 'the cold run passed');
      assert.deepEqual(Object.keys(expected).sort(), catalog);
      for (const name of catalog) {
        const r = await runCli(['scan', join(out, 'images', name), '--db', fixtureDb, '--format', 'json'], {
          cwd: work,
        });
        assert.equal(r.code, 0, `${name}: ${r.stderr}`);
        const doc = JSON.parse(r.stdout) as {
          distro: { id: string };
          packages: number;
          findings: {
            package: { name: string; version: string };
            vulnerability: string;
            state: string;
            fixedIn?: string;
            severity: string;
          }[];
        };
        assert.equal(doc.distro.id, 'lupine', name);
        assert.equal(doc.packages, cold.get(name)?.packages, `${name}: the demo's package count`);
        const got = doc.findings
          .map(
            (f) =>
              `${f.package.name}-${f.package.version} ${f.vulnerability} ${f.state} ${f.fixedIn || '-'} ${f.severity}`,
          )
          .sort();
        assert.deepEqual(got, [...(expected[name] ?? [])].sort(), name);
      }
    });

    test('the SBOM of every image from lupine sbom validates (SPDX 2.3 and CycloneDX 1.6)', async () => {
      assert.ok(cold, 'the cold run passed');
      for (const name of catalog) {
        for (const format of ['spdx', 'cyclonedx'] as const) {
          const r = await runCli(['sbom', join(out, 'images', name), '--format', format, '--arch', 'x86_64'], {
            cwd: work,
            env: { ...process.env, SOURCE_DATE_EPOCH: '0' },
          });
          assert.equal(r.code, 0, `${name} ${format}: ${r.stderr}`);
          const doc = JSON.parse(r.stdout) as Record<string, unknown>;
          const errors = format === 'spdx' ? validateSpdx(doc) : validateCycloneDx(doc);
          assert.deepEqual(errors, [], `${name} ${format}`);
          // One SBOM package per installed APK package: SPDX ids SPDXRef-Package-apk-*, CycloneDX purls pkg:apk/*.
          const apks =
            format === 'spdx'
              ? (doc.packages as { SPDXID: string }[]).filter((p) => p.SPDXID.startsWith('SPDXRef-Package-apk-'))
              : (doc.components as { 'bom-ref'?: string }[]).filter((c) => c['bom-ref']?.startsWith('pkg:apk/'));
          assert.equal(apks.length, cold.get(name)?.packages, `${name} ${format}: APK packages`);
        }
      }
    });
  });
});
