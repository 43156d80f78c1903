import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { emptyPackageInfo, type PackageInfo } from '../../src/apk/index.js';
import { buildImage, loadImageConfig, renderDot, writeImageOutput } from '../../src/image/index.js';
import { runCli } from '../helpers/cli.js';
import { assertGolden } from '../helpers/golden.js';
import { vector } from '../helpers/paths.js';
import { makeTestRepo } from '../helpers/apk-repo.js';

const golden = vector('apko', 'golden-testdata');
let work = '';

/** apko's testdata layout (`./testdata/packages`, `./testdata/melange.rsa.pub`), by symlinks. */
before(() => {
  work = mkdtempSync(join(tmpdir(), 'lupine-image-cmds-'));
  mkdirSync(join(work, 'testdata'));
  symlinkSync(join(golden, 'apko.yaml'), join(work, 'apko.yaml'));
  symlinkSync(join(golden, 'packages'), join(work, 'testdata', 'packages'));
  symlinkSync(join(golden, 'packages', 'melange.rsa.pub'), join(work, 'testdata', 'melange.rsa.pub'));
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('lupine image show-packages', () => {
  it('prints name and version per package, arch after arch, in install order', async () => {
    const r = await runCli(['image', 'show-packages', 'apko.yaml'], { cwd: work });
    assert.equal(r.code, 0, r.stderr);
    assertGolden('image/show-packages.golden.txt', r.stdout);
  });

  it("takes apko's named formats and templates", async () => {
    const named = await runCli(
      ['image', 'show-packages', 'apko.yaml', '--arch', 'arm64', '--format', 'packagelock-source'],
      {
        cwd: work,
      },
    );
    assert.equal(named.code, 0, named.stderr);
    assert.equal(
      named.stdout,
      '- pretend-baselayout=1.0.0-r0 # ./testdata/packages/aarch64/pretend-baselayout-1.0.0-r0.apk\n' +
        '- replayout=1.0.0-r0 # ./testdata/packages/aarch64/replayout-1.0.0-r0.apk\n',
    );
    const t = await runCli(
      ['image', 'show-packages', 'apko.yaml', '--arch', 'x86_64', '--format', '{{.Arch}}/{{ .Name }}@{{.Version}}'],
      {
        cwd: work,
      },
    );
    assert.equal(t.stdout, 'x86_64/pretend-baselayout@1.0.0-r0\nx86_64/replayout@1.0.0-r0\n');
  });

  it('rejects a template it cannot evaluate before resolving anything', async () => {
    const r = await runCli(['image', 'show-packages', 'no-such.yaml', '--format', '{{ .Nmae }}'], { cwd: work });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /IMAGE_BAD_TEMPLATE.*can't evaluate field Nmae/);
  });
});

describe('lupine image dot', () => {
  it('draws the golden config’s graph', async () => {
    const r = await runCli(['image', 'dot', 'apko.yaml'], { cwd: work });
    assert.equal(r.code, 0, r.stderr);
    assertGolden('image/dot.golden.dot', r.stdout);
  });

  it('draws dependencies in install order, and -S draws an edge to each name once', async () => {
    const base = join(work, 'chain');
    const repo = await makeTestRepo(base);
    await repo.add([
      { name: 'libfoo', version: '1.0-r0' },
      { name: 'libbar', version: '2.0-r1', depends: ['libfoo'] },
      { name: 'app', version: '3.0-r0', depends: ['libfoo>=1', 'libbar'] },
    ]);
    writeFileSync(
      join(base, 'app.yaml'),
      `contents:\n  keyring: [keys/${repo.keyName}]\n  repositories: [./repo]\n  packages: [app=3.0-r0]\narchs: [x86_64]\n`,
    );
    const sp = await runCli(['image', 'show-packages', 'app.yaml'], { cwd: base });
    assert.equal(sp.code, 0, sp.stderr);
    assert.equal(sp.stdout, 'libfoo 1.0-r0\nlibbar 2.0-r1\napp 3.0-r0\n');
    const full = await runCli(['image', 'dot', 'app.yaml'], { cwd: base });
    assert.equal(full.code, 0, full.stderr);
    assertGolden('image/dot.chain.dot', full.stdout);
    const span = await runCli(['image', 'dot', '-S', 'app.yaml'], { cwd: base });
    assert.equal(span.code, 0, span.stderr);
    const edges = (s: string) => s.split('\n').filter((l) => l.includes('->'));
    assert.deepEqual(
      edges(full.stdout).filter((e) => !edges(span.stdout).includes(e)),
      ['  "app" -> "libfoo";'],
    );
  });

  it('points a provided name that something needs at its provider', () => {
    const pkg = (name: string, o: Partial<PackageInfo>): PackageInfo => ({ ...emptyPackageInfo(name, '1-r0'), ...o });
    const out = renderDot(
      'c.yaml',
      ['sh-user', '!nope'],
      [
        pkg('busybox', { provides: ['cmd:sh=1', 'cmd:unused=1'] }),
        pkg('sh-user', { depends: ['cmd:sh', '!conflicting'] }),
      ],
    );
    assert.match(out, /"cmd:sh" \[shape=rect\];/);
    assert.match(out, /"cmd:sh" -> "busybox";/);
    assert.match(out, /"sh-user" -> "cmd:sh";/);
    assert.doesNotMatch(out, /cmd:unused|conflicting/);
    assert.match(out, /"c.yaml" -> "!nope";/);
  });
});

/** Every entry of a tree: type, mode, owner, size, content hash, link target, device numbers. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, path), { bigint: false });
      let what = '';
      if (st.isSymbolicLink()) what = `-> ${readlinkSync(join(root, path))}`;
      else if (st.isFile())
        what = createHash('sha256')
          .update(readFileSync(join(root, path)))
          .digest('hex');
      else if (st.isCharacterDevice() || st.isBlockDevice()) what = `dev ${st.rdev}`;
      const mode = st.isSymbolicLink() ? '' : (st.mode & 0o7777).toString(8);
      out.push(
        `${path} ${(st.mode & 0o170000).toString(8)} ${mode} ${st.uid}:${st.gid} ${st.isFile() ? st.size : 0} ${what}`,
      );
      if (st.isDirectory()) walk(path);
    }
  };
  walk('');
  return out;
}

describe('lupine image build-minirootfs', () => {
  it("writes the same tar as the built image's layer, and umoci unpacks the same tree", async () => {
    const out = join(work, 'rootfs');
    mkdirSync(out);
    const loaded = await loadImageConfig(join(work, 'apko.yaml'));
    assert.ok(loaded.config);
    const result = await buildImage(loaded.config, { archs: ['x86_64', 'aarch64'], workDir: work });
    for (const img of result.perArch) {
      const tarFile = join(out, `${img.arch}.tar`);
      const r = await runCli(['image', 'build-minirootfs', 'apko.yaml', tarFile, '--arch', img.arch], { cwd: work });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(img.layers.length, 1);
      const diffId = `sha256:${createHash('sha256').update(readFileSync(tarFile)).digest('hex')}`;
      assert.equal(diffId, img.layers[0]?.diffId, `${img.arch}: the tar is the layer`);
    }

    // umoci needs a named entry: give the x86_64 manifest a ref.name in a copy of the layout.
    const layout = join(out, 'layout');
    await writeImageOutput(result, layout, { format: 'oci' });
    const amd = result.perArch.find((p) => p.arch === 'x86_64');
    assert.ok(amd);
    const named = join(out, 'named');
    cpSync(layout, named, { recursive: true });
    const entry = { ...amd.manifest.descriptor, annotations: { 'org.opencontainers.image.ref.name': 'amd64' } };
    const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [entry] };
    writeFileSync(join(named, 'index.json'), JSON.stringify(index));
    const bundle = join(out, 'bundle');
    execFileSync('umoci', ['unpack', '--image', `${named}:amd64`, bundle], { stdio: 'pipe' });
    const extracted = join(out, 'extracted');
    mkdirSync(extracted);
    execFileSync('tar', ['-xpf', join(out, 'x86_64.tar'), '-C', extracted, '--numeric-owner'], { stdio: 'pipe' });
    const fromTar = tree(extracted);
    assert.ok(fromTar.length > 30, `the root has ${fromTar.length} entries`);
    assert.deepEqual(tree(join(bundle, 'rootfs')), fromTar);
  });

  it('rejects an unknown arch, and writes nothing when the config is bad', async () => {
    const r = await runCli(['image', 'build-minirootfs', 'apko.yaml', 'x.tar', '--arch', 'vax'], { cwd: work });
    assert.equal(r.code, 2);
    writeFileSync(join(work, 'bad.yaml'), 'contents:\n  packges: [x]\n');
    const b = await runCli(['image', 'build-minirootfs', 'bad.yaml', 'bad.tar'], { cwd: work });
    assert.equal(b.code, 3);
    assert.match(b.stderr, /bad\.yaml:2:3: error\[IMAGE_CONFIG_UNKNOWN_KEY\]/);
    assert.throws(() => readFileSync(join(work, 'bad.tar')), /ENOENT/);
  });
});
