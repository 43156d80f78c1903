/**
 * Acceptance (issue 5, "every built package verifies, its SBOM validates against
 * ../shared/vectors/schemas, and it installs with `lupine apk add` from the produced, signed
 * repository") shown on one build, for every package it produced: `lupine pkg build` of a recipe
 * with a main package and two subpackages (split/dev and a runs-made doc package), in the sandbox,
 * from a guest repository the test made. Each .apk in the out-dir is checked — not a chosen one.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPackage, verifyPackage } from '../../src/apk/index.js';
import { loadKeyring, readApkIndexArchive } from '../../src/repo/index.js';
import { runCli } from '../helpers/cli.js';
import { validateSpdx } from '../helpers/json-schema.js';
import { apkAddBuilt, type GuestRepo, makeGuestRepo } from '../unit/pkg/run-guest-repo.js';

const RECIPE = `package:
  name: trio
  version: 2.0.1
  epoch: 3
  description: a package with two subpackages
  copyright:
    - license: MIT
  dependencies:
    runtime:
      - busybox
  scriptlets:
    post-install: |
      #!/bin/sh
      echo trio installed
environment:
  contents:
    packages:
      - busybox
pipeline:
  - name: install
    runs: |
      d=\${{targets.destdir}}
      mkdir -p $d/usr/bin $d/usr/include
      printf '#!/bin/busybox sh\\necho trio\\n' > $d/usr/bin/trio
      chmod 0755 $d/usr/bin/trio
      echo '#define TRIO 1' > $d/usr/include/trio.h
subpackages:
  - name: trio-dev
    pipeline:
      - uses: split/dev
  - name: trio-doc
    pipeline:
      - runs: |
          mkdir -p \${{targets.subpkgdir}}/usr/share/doc/trio
          echo manual > \${{targets.subpkgdir}}/usr/share/doc/trio/README
`;

const NAMES = ['trio', 'trio-dev', 'trio-doc'];
const VERSION = '2.0.1-r3';

describe('every package of a build verifies, carries a valid SBOM and installs', () => {
  let repo: GuestRepo;
  let out = '';
  const env = () => ({ PATH: process.env.PATH, HOME: join(repo.base, 'home'), SOURCE_DATE_EPOCH: '1700000000' });

  before(async () => {
    repo = await makeGuestRepo('acceptance-pkg');
    mkdirSync(join(repo.base, 'trio'));
    writeFileSync(join(repo.base, 'trio', 'melange.yaml'), RECIPE);
    out = join(repo.base, 'packages');
    const r = await runCli(
      [
        'pkg',
        'build',
        join(repo.base, 'trio', 'melange.yaml'),
        '--signing-key',
        repo.keyFile,
        '--namespace',
        'acceptance',
        '--out-dir',
        out,
        '-r',
        repo.dir,
        '-k',
        repo.keysDir,
        '--package-cache-dir',
        repo.packageCacheDir,
      ],
      { env: env(), cwd: repo.base },
    );
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => {
    if (repo) rmSync(repo.base, { recursive: true, force: true });
  });

  const apks = () =>
    readdirSync(join(out, 'x86_64'))
      .filter((f) => f.endsWith('.apk'))
      .sort();

  it('the out-dir holds exactly the three packages', () => {
    assert.deepEqual(
      apks(),
      NAMES.map((n) => `${n}-${VERSION}.apk`),
    );
  });

  it('each package verifies with the repository key, and the signed index lists exactly them', async () => {
    const keys = await loadKeyring([repo.keysDir]);
    for (const f of apks()) {
      const v = verifyPackage(readFileSync(join(out, 'x86_64', f)), keys, { source: f });
      assert.equal(v.signedBy?.keyName, repo.keyName, f);
    }
    const index = readApkIndexArchive(readFileSync(join(out, 'x86_64', 'APKINDEX.tar.gz')), { keys });
    assert.equal(index.signedBy, repo.keyName);
    assert.deepEqual(index.packages.map((p) => `${p.name}-${p.version}.apk`).sort(), apks());
  });

  it("each package's embedded SPDX SBOM validates against the schema and names the package", () => {
    for (const f of apks()) {
      const pkg = readPackage(readFileSync(join(out, 'x86_64', f)));
      const name = pkg.info.name;
      const file = pkg.files.find((x) => x.name === `var/lib/db/sbom/${name}-${VERSION}.spdx.json`);
      assert.ok(file, `${f} holds its SBOM`);
      const doc = JSON.parse(file.content.toString('utf8')) as { packages: Array<{ name: string }> };
      assert.deepEqual(validateSpdx(doc), [], `${f}: SBOM validates`);
      assert.ok(
        doc.packages.some((p) => p.name === name),
        `${f}: the SBOM describes ${name}`,
      );
    }
  });

  it('all of them install with lupine apk add from the produced repository', async () => {
    const { root, result: r } = await apkAddBuilt(repo, out, NAMES, env());
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const installed = readFileSync(join(root, 'lib/apk/db/installed'), 'utf8');
    for (const n of NAMES) {
      assert.match(installed, new RegExp(`^P:${n}\\nV:${VERSION.replace(/\./g, '\\.')}$`, 'm'), n);
      assert.ok(
        readFileSync(join(root, `var/lib/db/sbom/${n}-${VERSION}.spdx.json`)).length > 0,
        `${n} SBOM installed`,
      );
    }
    assert.equal(readFileSync(join(root, 'usr/share/doc/trio/README'), 'utf8'), 'manual\n');
    assert.equal(readFileSync(join(root, 'usr/include/trio.h'), 'utf8'), '#define TRIO 1\n');
  });
});
