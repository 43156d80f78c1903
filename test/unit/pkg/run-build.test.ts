/**
 * `buildRecipe` with the bubblewrap runner, over a guest made in the test from host binaries:
 * subpackages with split/dev, scriptlets and triggers, setcap, SCA lines, signatures, the embedded
 * SBOM (validated against the SPDX 2.3 schema), the signed index, and byte-identical rebuilds.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPackage, verifyPackage } from '../../../src/apk/index.js';
import { readGzipMembers, readTar } from '../../../src/archive/index.js';
import { type BuildRecipeOptions, buildRecipe } from '../../../src/pkg/index.js';
import { loadKeyring, readApkIndexArchive } from '../../../src/repo/index.js';
import { validateSpdx } from '../../helpers/json-schema.js';
import { type GuestRepo, guestBuildOptions, makeGuestRepo } from './run-guest-repo.js';

const MULTI = `package:
  name: multi
  version: 1.2.3
  epoch: 1
  description: a package with subpackages
  url: https://example.com/multi
  copyright:
    - license: Apache-2.0
  dependencies:
    runtime:
      - busybox
    provides:
      - multi-tools=1.2.3
    provider-priority: "5"
  scriptlets:
    post-install: |
      #!/bin/sh
      echo "multi installed"
    trigger:
      paths:
        - /usr/share/multi-plugins
      script: |
        #!/bin/sh
        echo "plugins changed"
  setcap:
    - path: /usr/bin/multi-ping
      add:
        cap_net_raw: "+ep"
      reason: needs raw sockets
environment:
  contents:
    packages:
      - busybox
pipeline:
  - name: install files
    runs: |
      d=\${{targets.destdir}}
      mkdir -p $d/usr/bin $d/usr/include $d/usr/lib/pkgconfig $d/usr/share/multi-plugins
      printf '#!/bin/busybox sh\\necho multi \${{package.version}}\\n' > $d/usr/bin/multi
      chmod 0755 $d/usr/bin/multi
      cp $d/usr/bin/multi $d/usr/bin/multi-ping
      echo '#define MULTI 1' > $d/usr/include/multi.h
      printf 'Name: multi\\nVersion: 1.2.3\\nDescription: multi\\n' > $d/usr/lib/pkgconfig/multi.pc
      echo "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH HOME=$HOME user=$(id -u)" > $d/usr/share/multi-plugins/env.txt
subpackages:
  - name: multi-dev
    description: multi headers
    pipeline:
      - uses: split/dev
  - name: multi-doc
    description: multi docs
    pipeline:
      - runs: |
          mkdir -p \${{targets.subpkgdir}}/usr/share/doc/multi
          echo "the manual" > \${{targets.subpkgdir}}/usr/share/doc/multi/README
`;

function pkginfoLines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('# Generated'));
}

describe('buildRecipe with the bubblewrap runner', () => {
  let repo: GuestRepo;
  let recipe = '';
  const opts = (outDir: string, extra: Partial<BuildRecipeOptions> = {}) =>
    guestBuildOptions(repo, outDir, {
      signingKey: repo.keyFile,
      namespace: 'lupine-test',
      sourceDateEpoch: 1700000000,
      ...extra,
    });

  before(async () => {
    repo = await makeGuestRepo('run-build');
    const dir = join(repo.base, 'recipes');
    mkdirSync(dir);
    recipe = join(dir, 'multi.yaml');
    writeFileSync(recipe, MULTI);
  });
  after(() => {
    if (repo) rmSync(repo.base, { recursive: true, force: true });
  });

  it('builds the package and its subpackages, signed, with SCA, scriptlets, setcap and an SBOM', async () => {
    const out = join(repo.base, 'out1');
    const r = await buildRecipe(recipe, opts(out));
    assert.deepEqual(
      r.packages.map((p) => `${p.name}-${p.version}`),
      ['multi-1.2.3-r1', 'multi-dev-1.2.3-r1', 'multi-doc-1.2.3-r1'],
    );
    assert.deepEqual([...r.guest].sort(), ['busybox=1.36.1-r0', 'host-libs=1.0-r0']);
    const keys = await loadKeyring([repo.keysDir]);
    const byName = new Map(r.packages.map((p) => [p.name, readFileSync(p.path)]));
    for (const [name, bytes] of byName) {
      const v = verifyPackage(bytes, keys, { source: name });
      assert.equal(v.signedBy?.keyName, repo.keyName);
    }
    const main = readPackage(byName.get('multi') as Buffer);
    const lines = pkginfoLines(readControlFile(byName.get('multi') as Buffer, '.PKGINFO'));
    assert.deepEqual(lines.slice(0, 11), [
      'pkgname = multi',
      'pkgver = 1.2.3-r1',
      'arch = x86_64',
      `size = ${main.info.installedSize}`,
      'origin = multi',
      'pkgdesc = a package with subpackages',
      'url = https://example.com/multi',
      'maintainer = lupine-test',
      'builddate = 1700000000',
      'license = Apache-2.0',
      'depend = busybox',
    ]);
    assert.ok(lines.includes('depend = cmd:busybox'), lines.join('\n'));
    assert.ok(lines.includes('provides = multi-tools=1.2.3'));
    assert.ok(lines.includes('provides = cmd:multi=1.2.3-r1'));
    assert.ok(lines.includes('provider_priority = 5'));
    assert.ok(lines.includes('triggers = /usr/share/multi-plugins'));
    assert.ok(main.scripts['post-install']?.toString().includes('multi installed'));
    assert.ok(main.scripts.trigger?.toString().includes('plugins changed'));
    assert.deepEqual(main.controlExtras, ['.melange.yaml']);

    const files = new Map(main.files.map((f) => [f.name.replace(/\/$/, ''), f]));
    assert.ok(!files.has('usr/include/multi.h'), 'split/dev moved the header out');
    const env = files.get('usr/share/multi-plugins/env.txt');
    assert.equal(env?.content.toString(), 'SOURCE_DATE_EPOCH=1700000000 HOME=/home/build user=1000\n');
    const cap = files.get('usr/bin/multi-ping')?.xattrs?.['security.capability'];
    assert.ok(cap, 'setcap wrote security.capability');
    // VFS_CAP_REVISION_2 | effective, permitted bit 13 (cap_net_raw)
    assert.equal(Buffer.from(cap).toString('hex'), '0100000200200000000000000000000000000000');

    const dev = readPackage(byName.get('multi-dev') as Buffer);
    assert.deepEqual(
      dev.files.filter((f) => f.type === 'file').map((f) => f.name),
      ['usr/include/multi.h', 'usr/lib/pkgconfig/multi.pc', 'var/lib/db/sbom/multi-dev-1.2.3-r1.spdx.json'],
    );
    assert.ok(dev.info.provides.includes('pc:multi=1.2.3-r1'), dev.info.provides.join(' '));
    assert.equal(dev.info.origin, 'multi');

    for (const [name, bytes] of byName) {
      const pkg = readPackage(bytes);
      const sbomFile = pkg.files.find((f) => f.name === `var/lib/db/sbom/${name}-1.2.3-r1.spdx.json`);
      assert.ok(sbomFile, `${name} holds its SBOM`);
      const doc = JSON.parse(sbomFile.content.toString()) as {
        packages: Array<{ name: string; externalRefs?: Array<{ referenceLocator: string }>; licenseDeclared?: string }>;
      };
      assert.deepEqual(validateSpdx(doc), [], `${name} SBOM validates`);
      const self = doc.packages.find((p) => p.name === name);
      assert.equal(
        self?.externalRefs?.[0]?.referenceLocator,
        `pkg:apk/lupine-test/${name}@1.2.3-r1?arch=x86_64&distro=lupine-test${name === 'multi' ? '' : '&upstream=multi'}`,
      );
      assert.equal(self?.licenseDeclared, 'Apache-2.0');
    }

    const index = readApkIndexArchive(readFileSync(join(out, 'x86_64', 'APKINDEX.tar.gz')), { keys });
    assert.equal(index.signedBy, repo.keyName);
    assert.deepEqual(
      index.packages.map((p) => `${p.name}-${p.version} ${p.identity}`).sort(),
      r.packages.map((p) => `${p.name}-${p.version} ${p.identity}`).sort(),
    );
    const yaml = readControlFile(byName.get('multi') as Buffer, '.melange.yaml');
    assert.match(yaml, /busybox=1\.36\.1-r0/);
  });

  it('gives byte-identical packages when built again at another time with the same SOURCE_DATE_EPOCH', async () => {
    const a = await buildRecipe(recipe, opts(join(repo.base, 'repro-a')));
    await new Promise((r) => setTimeout(r, 1100));
    const b = await buildRecipe(recipe, opts(join(repo.base, 'repro-b')));
    assert.equal(a.packages.length, 3);
    for (const [i, p] of a.packages.entries()) {
      const q = b.packages[i];
      assert.ok(q);
      assert.ok(readFileSync(p.path).equals(readFileSync(q.path)), `${p.name} differs between builds`);
    }
    assert.ok(
      readFileSync(join(repo.base, 'repro-a', 'x86_64', 'APKINDEX.tar.gz')).equals(
        readFileSync(join(repo.base, 'repro-b', 'x86_64', 'APKINDEX.tar.gz')),
      ),
    );
  });
});

/** A control-member file's text, read straight from the .apk's control gzip member. */
function readControlFile(bytes: Buffer, name: string): string {
  const members = readGzipMembers(bytes);
  const control = members[members.length - 2];
  assert.ok(control);
  const hit = readTar(control.data, { mode: 'fragment' }).items.find((i) => i.entry.name === name);
  assert.ok(hit, `${name} is in the control member`);
  return hit.data.toString('utf8');
}
