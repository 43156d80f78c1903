/**
 * `lupine image build` against apko's golden build, and the outputs read back by independent tools
 * (skopeo, umoci) and the SBOM JSON Schemas.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { readTar, type TarEntry } from '../../src/archive/index.js';
import { runCli } from '../helpers/cli.js';
import { validateCycloneDx, validateSpdx } from '../helpers/json-schema.js';
import { vector } from '../helpers/paths.js';

const GOLDEN = vector('apko', 'golden-testdata');
const ANNOTATIONS = [
  '--annotations',
  'org.opencontainers.image.vendor:Vendor',
  '--annotations',
  'org.opencontainers.image.title:Title',
];

interface Json {
  [k: string]: unknown;
}

const blob = (layout: string, digest: string) => readFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)));
const json = (layout: string, digest: string) => JSON.parse(blob(layout, digest).toString('utf8')) as Json;

interface ImageView {
  arch: string;
  config: Json;
  manifest: Json;
  entries: Map<string, { entry: TarEntry; data: Buffer }>;
}

/** Every platform image of a layout, through nested indexes. */
function readImages(layout: string): { index: Json; images: ImageView[] } {
  let index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as Json;
  const first = (index.manifests as Json[])[0] as Json;
  if (first.mediaType === 'application/vnd.oci.image.index.v1+json') index = json(layout, first.digest as string);
  const images = (index.manifests as Json[]).map((d) => {
    const manifest = json(layout, d.digest as string);
    const config = json(layout, (manifest.config as Json).digest as string);
    const entries = new Map<string, { entry: TarEntry; data: Buffer }>();
    for (const l of manifest.layers as Json[]) {
      for (const it of readTar(gunzipSync(blob(layout, l.digest as string))).items) {
        entries.set(it.entry.name, { entry: it.entry, data: it.data });
      }
    }
    return { arch: (d.platform as Json).architecture as string, config, manifest, entries };
  });
  return { index, images };
}

/** What the acceptance compares: path, type, mode, owner, link target, device numbers, content. */
function comparable(entries: ImageView['entries'], skip: string): string[] {
  return [...entries.entries()]
    .filter(([name]) => name !== skip)
    .map(
      ([name, { entry: e, data }]) =>
        `${name} ${e.type} ${e.mode.toString(8)} ${e.uid}:${e.gid} ${e.linkname} ${e.devmajor},${e.devminor} ${data.toString('hex')}`,
    )
    .sort();
}

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'lupine-image-build-'));
  // apko ran from a directory where the config's ./testdata/... paths exist.
  mkdirSync(join(work, 'testdata'));
  symlinkSync(join(GOLDEN, 'packages'), join(work, 'testdata', 'packages'));
  symlinkSync(join(GOLDEN, 'packages', 'melange.rsa.pub'), join(work, 'testdata', 'melange.rsa.pub'));
});
after(() => rmSync(work, { recursive: true, force: true }));

const env = () => {
  const e = { ...process.env };
  delete e.SOURCE_DATE_EPOCH;
  return e;
};

describe('apko golden', () => {
  let built: ReturnType<typeof readImages>;
  const golden = readImages(join(GOLDEN, 'golden'));

  before(async () => {
    const r = await runCli(
      [
        'image',
        'build',
        join(GOLDEN, 'apko.yaml'),
        'golden:latest',
        'out',
        ...ANNOTATIONS,
        '--sbom-path',
        'sboms',
        '--sbom-formats',
        'spdx,cyclonedx',
      ],
      { cwd: work, env: env() },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
    built = readImages(join(work, 'out'));
  });

  test('one manifest per arch with the golden platforms', () => {
    assert.deepEqual(
      built.images.map((i) => i.arch),
      golden.images.map((i) => i.arch),
    );
    assert.equal(golden.images.length, 2);
  });

  for (const arch of ['amd64', 'arm64']) {
    test(`${arch}: the layer has the golden entries (except etc/apko.json)`, () => {
      const ours = built.images.find((i) => i.arch === arch) as ImageView;
      const theirs = golden.images.find((i) => i.arch === arch) as ImageView;
      assert.ok(theirs.entries.has('etc/apko.json') && ours.entries.has('etc/lupine.json'));
      const a = comparable(ours.entries, 'etc/lupine.json');
      const b = comparable(theirs.entries, 'etc/apko.json');
      assert.equal(a.length, 38);
      assert.deepEqual(a, b);
    });

    test(`${arch}: the layer tar is apko's byte for byte, but for the locked config file`, () => {
      const layerOf = (layout: string, image: ImageView) =>
        gunzipSync(blob(layout, ((image.manifest.layers as Json[])[0] as Json).digest as string));
      const span = (tar: Buffer, name: string) => {
        const items = readTar(tar).items;
        const i = items.findIndex((it) => it.entry.name === name);
        return [items[i]?.startOffset as number, items[i + 1]?.startOffset as number] as const;
      };
      const ours = layerOf(join(work, 'out'), built.images.find((i) => i.arch === arch) as ImageView);
      const theirsImage = golden.images.find((i) => i.arch === arch) as ImageView;
      const theirs = layerOf(join(GOLDEN, 'golden'), theirsImage);
      const [a0, a1] = span(ours, 'etc/lupine.json');
      const [b0, b1] = span(theirs, 'etc/apko.json');
      const spliced = Buffer.concat([ours.subarray(0, a0), theirs.subarray(b0, b1), ours.subarray(a1)]);
      assert.equal(
        `sha256:${createHash('sha256').update(spliced).digest('hex')}`,
        ((theirsImage.config.rootfs as Json).diff_ids as string[])[0],
      );
    });

    test(`${arch}: the layer's entries are in apko's order`, () => {
      const ours = [...(built.images.find((i) => i.arch === arch) as ImageView).entries.keys()];
      const theirs = [...(golden.images.find((i) => i.arch === arch) as ImageView).entries.keys()];
      assert.deepEqual(
        ours.map((n) => (n === 'etc/lupine.json' ? 'etc/apko.json' : n)),
        theirs,
      );
    });

    test(`${arch}: the config has the golden Entrypoint, Env, User and created`, () => {
      const ours = (built.images.find((i) => i.arch === arch) as ImageView).config;
      const theirs = (golden.images.find((i) => i.arch === arch) as ImageView).config;
      for (const k of ['Entrypoint', 'Env', 'User', 'Labels']) {
        assert.deepEqual((ours.config as Json)[k], (theirs.config as Json)[k], k);
      }
      assert.equal(ours.created, theirs.created);
      assert.equal(ours.created, '1970-01-01T00:00:00Z');
      assert.deepEqual(
        (ours.history as Json[]).map((h) => h.comment),
        ['Title by Vendor'],
      );
    });
  }

  test('manifests and the index carry the annotations and created', () => {
    assert.deepEqual(built.index.annotations, golden.index.annotations);
    for (const i of built.images) {
      assert.deepEqual(i.manifest.annotations, (golden.images[0] as ImageView).manifest.annotations);
    }
  });

  test('every SBOM validates and lists every installed package with its purl', () => {
    const names = readdirSync(join(work, 'sboms')).sort();
    assert.deepEqual(names, [
      'sbom-aarch64.cdx.json',
      'sbom-aarch64.spdx.json',
      'sbom-index.cdx.json',
      'sbom-index.spdx.json',
      'sbom-x86_64.cdx.json',
      'sbom-x86_64.spdx.json',
    ]);
    for (const n of names) {
      const doc = JSON.parse(readFileSync(join(work, 'sboms', n), 'utf8')) as Json;
      const errors = n.includes('.spdx.') ? validateSpdx(doc) : validateCycloneDx(doc);
      assert.deepEqual(errors, [], n);
      if (n === 'sbom-x86_64.spdx.json') {
        const text = JSON.stringify(doc);
        for (const p of ['pretend-baselayout', 'replayout']) {
          assert.ok(text.includes(`pkg:apk/replaces/${p}@1.0.0-r0?arch=x86_64`), `${p} purl in ${n}`);
        }
      }
    }
  });
});

describe('the other golden-testdata configs', () => {
  test("apko-certs.yaml: certificates.providers appends the providers' certificates to the bundle", async () => {
    const r = await runCli(
      ['image', 'build', join(GOLDEN, 'apko-certs.yaml'), 'certs:1', 'certs', '--arch', 'x86_64'],
      {
        cwd: work,
        env: env(),
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const { entries } = readImages(join(work, 'certs')).images[0] as ImageView;
    const certs = [...entries.keys()].filter((n) => /^usr\/local\/share\/ca-certificates\/cert-.\.crt$/.test(n)).sort();
    assert.equal(certs.length, 4);
    const bundle = entries.get('etc/ssl/certs/ca-certificates.crt')?.data.toString();
    assert.equal(bundle, certs.map((c) => entries.get(c)?.data.toString()).join(''));
    const sidecar = entries.get('etc/ssl/certs/.ca-certificates.crt.sha256');
    assert.equal(sidecar?.entry.mode, 0o444);
    assert.equal(
      sidecar?.data.toString(),
      `${createHash('sha256')
        .update(bundle ?? '')
        .digest('hex')}\n`,
    );
  });

  test('layering.yaml: budget 2 gives an origin layer (replayout with what it replaces) and a top layer', async () => {
    symlinkSync(join(GOLDEN, 'packages'), join(work, 'packages'));
    const r = await runCli(
      ['image', 'build', join(GOLDEN, 'layering.yaml'), 'layers:1', 'layers', '--arch', 'x86_64'],
      {
        cwd: work,
        env: env(),
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const image = readImages(join(work, 'layers')).images[0] as ImageView;
    const layers = (image.manifest.layers as Json[]).map((l) =>
      readTar(gunzipSync(blob(join(work, 'layers'), l.digest as string))).items.map((i) => i.entry.name),
    );
    assert.equal(layers.length, 2);
    assert.ok(
      layers[0]?.includes('etc/os-release') && layers[0]?.includes('var/lib/db/sbom/replayout-1.0.0-r0.spdx.json'),
    );
    assert.ok(layers[0]?.includes('var/lib/db/sbom/pretend-baselayout-1.0.0-r0.spdx.json'));
    assert.ok(layers[1]?.includes('usr/lib/apk/db/installed') && layers[1]?.includes('dev/null'));
    assert.equal((image.config.history as Json[]).length, 2);
    assert.equal(entriesText(image, 'etc/apk/repositories'), './testdata/packages\napk.cgr.dev/runtime-only-repo\n');
  });
});

function entriesText(image: ImageView, path: string): string | undefined {
  return image.entries.get(path)?.data.toString();
}

const have = (tool: string) => spawnSync(tool, ['--version'], { encoding: 'utf8' }).status === 0;

describe('outputs read by skopeo and umoci', { skip: !have('skopeo') || !have('umoci') }, () => {
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: work });
    assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  test('skopeo inspects and copies the layout, the oci-archive and the docker-archive', async () => {
    for (const [out, extra] of [
      ['layout', []],
      ['image.tar', []],
      ['docker.tar', ['--format', 'docker']],
    ] as const) {
      const r = await runCli(
        ['image', 'build', join(GOLDEN, 'apko.yaml'), 'example.test/golden:v1', out, '--arch', 'x86_64', ...extra],
        { cwd: work, env: { ...env(), SOURCE_DATE_EPOCH: '1700000000' } },
      );
      assert.equal(r.code, 0, r.stderr);
    }
    const image = readImages(join(work, 'layout')).images[0] as ImageView;
    const layerDigest = ((image.manifest.layers as Json[])[0] as Json).digest;
    const diffId = ((image.config.rootfs as Json).diff_ids as string[])[0];
    // skopeo names a docker-archive's layers by diffid (it decompresses them), OCI ones by blob digest.
    const transports = [
      ['oci:layout:v1', layerDigest],
      // an oci-archive names its image with the full reference (what podman load names it)
      ['oci-archive:image.tar:example.test/golden:v1', layerDigest],
      ['docker-archive:docker.tar', diffId],
    ] as const;
    for (const [t, want] of transports) {
      const info = JSON.parse(run('skopeo', ['inspect', '--override-arch', 'amd64', t])) as Json;
      assert.equal(info.Architecture, 'amd64', t);
      assert.equal(info.Created, '2023-11-14T22:13:20Z', t);
      assert.equal((info.Layers as string[]).length, 1, t);
      assert.deepEqual(info.Layers, [want], t);
      const dest = join(work, `copy-${t.split(':')[0]}`);
      run('skopeo', ['copy', '--override-arch', 'amd64', t, `dir:${dest}`]);
      assert.ok(existsSync(join(dest, 'manifest.json')), t);
    }
  });

  test('umoci unpack of the layout gives the tree the layer has', () => {
    const layout = join(work, 'layout');
    const bundle = join(work, 'bundle');
    run('umoci', ['unpack', '--image', `${layout}:v1`, bundle]);
    const rootfs = join(bundle, 'rootfs');
    const image = readImages(layout).images[0] as ImageView;
    const listing = spawnSync('find', ['.', '-mindepth', '1', '-printf', '%P %y %m %U:%G %l\\n'], {
      cwd: rootfs,
      encoding: 'utf8',
    }).stdout;
    const unpacked = listing
      .split('\n')
      .filter((l) => l !== '')
      .sort();
    const typeChar: Record<string, string> = { dir: 'd', file: 'f', symlink: 'l', chardev: 'c', hardlink: 'f' };
    const expected = [...image.entries.values()]
      .map(
        ({ entry: e }) =>
          `${e.name} ${typeChar[e.type]} ${e.type === 'symlink' ? 777 : e.mode.toString(8)} ${e.uid}:${e.gid} ${e.linkname}`,
      )
      .sort();
    assert.equal(unpacked.length, 39);
    assert.deepEqual(unpacked, expected);
  });
});
