import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixedClock } from '../../src/core/index.js';
import { buildImage, loadImageConfig, writeImageOutput } from '../../src/image/index.js';
import { runCli } from '../helpers/cli.js';
import { goldenWorkDir } from '../helpers/golden-work.js';
import { vector } from '../helpers/paths.js';
import { startProxy, startRegistry, type TestRegistry } from '../helpers/registry.js';

const golden = vector('apko', 'golden-testdata');
const EPOCH = '1700000000';
const ANNOTATIONS = [
  '--annotations',
  'org.opencontainers.image.vendor:Vendor',
  '--annotations',
  'org.opencontainers.image.title:Title',
];
let work = '';

/** An environment with nothing of the caller's: no HTTP_AUTH, no docker config. */
const env = (extra: Record<string, string> = {}) => ({
  SOURCE_DATE_EPOCH: EPOCH,
  HOME: join(work, 'home'),
  DOCKER_CONFIG: join(work, 'no-docker-config'),
  ...extra,
});

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** `skopeo inspect --raw` of a reference on a test registry: the bytes the registry serves. */
function skopeoRaw(ref: string, creds?: string): Buffer {
  return execFileSync(
    'skopeo',
    ['inspect', '--raw', '--tls-verify=false', ...(creds ? ['--creds', creds] : []), `docker://${ref}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
      env: { HOME: join(work, 'home'), PATH: process.env.PATH ?? '/usr/bin:/bin' },
    },
  );
}

before(() => {
  work = goldenWorkDir('lupine-image-publish-');
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('lupine image publish / push to docker-registry', () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry();
  });
  after(async () => {
    await reg?.stop();
  });

  it('publishes a two-arch image under two tags; skopeo reads back the same digests', async () => {
    const sboms = join(work, 'sboms');
    const r = await runCli(
      [
        'image',
        'publish',
        'apko.yaml',
        `${reg.host}/golden/app:v1`,
        `${reg.host}/golden/app:latest`,
        '--sbom-path',
        sboms,
        ...ANNOTATIONS,
        '--json',
      ],
      { cwd: work, env: env() },
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      index: string;
      images: { arch: string; digest: string }[];
      pushed: { ref: string; digest: string; reference: string }[];
    };
    assert.deepEqual(
      out.images.map((i) => i.arch),
      ['x86_64', 'aarch64'],
    );
    assert.deepEqual(
      out.pushed.map((p) => p.digest),
      [out.index, out.index],
    );
    assert.equal(out.pushed[0]?.reference, `${reg.host}/golden/app@${out.index}`);

    // What the registry serves, read by an independent client.
    for (const tag of ['v1', 'latest']) {
      const raw = skopeoRaw(`${reg.host}/golden/app:${tag}`);
      assert.equal(sha256(raw), out.index, `:${tag} is the index`);
      const index = JSON.parse(raw.toString('utf8')) as {
        manifests: { digest: string; platform: { architecture: string } }[];
      };
      assert.deepEqual(
        index.manifests.map((m) => m.digest),
        out.images.map((i) => i.digest),
      );
      assert.deepEqual(
        index.manifests.map((m) => m.platform.architecture),
        ['amd64', 'arm64'],
      );
    }
    for (const img of out.images) {
      const raw = skopeoRaw(`${reg.host}/golden/app@${img.digest}`);
      assert.equal(sha256(raw), img.digest);
      const m = JSON.parse(raw.toString('utf8')) as {
        annotations: Record<string, string>;
        layers: { digest: string }[];
      };
      assert.equal(m.annotations['org.opencontainers.image.vendor'], 'Vendor');
      assert.equal(m.layers.length, 1);
    }
    assert.deepEqual(readdirSync(sboms).sort(), [
      'sbom-aarch64.spdx.json',
      'sbom-index.spdx.json',
      'sbom-x86_64.spdx.json',
    ]);

    // The same build made locally gives the same index digest (SOURCE_DATE_EPOCH fixes created).
    const loaded = await loadImageConfig(join(work, 'apko.yaml'));
    assert.ok(loaded.config);
    const local = await buildImage(loaded.config, {
      workDir: work,
      clock: fixedClock(Number(EPOCH)),
      annotations: { 'org.opencontainers.image.vendor': 'Vendor', 'org.opencontainers.image.title': 'Title' },
    });
    assert.equal(local.index.descriptor.digest, out.index);
  });

  it('prints the index reference once per repository without --json', async () => {
    const r = await runCli(
      ['image', 'publish', 'apko.yaml', `${reg.host}/golden/plain:a`, `${reg.host}/golden/plain:b`],
      {
        cwd: work,
        env: env(),
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${reg.host}/golden/plain@sha256:[0-9a-f]{64}\\n$`));
    const digest = r.stdout.trim().split('@')[1] ?? '';
    assert.equal(sha256(skopeoRaw(`${reg.host}/golden/plain:b`)), digest);
  });

  it('pushes an existing OCI layout with image push', async () => {
    const loaded = await loadImageConfig(join(work, 'apko.yaml'));
    assert.ok(loaded.config);
    const built = await buildImage(loaded.config, { workDir: work, clock: fixedClock(0) });
    const layout = join(work, 'layout');
    await writeImageOutput(built, layout, { format: 'oci' });
    const r = await runCli(['image', 'push', layout, `${reg.host}/pushed/app:v2`], { cwd: work, env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${reg.host}/pushed/app@${built.index.descriptor.digest}\n`);
    assert.equal(sha256(skopeoRaw(`${reg.host}/pushed/app:v2`)), built.index.descriptor.digest);

    const again = await runCli(['image', 'push', layout, `${reg.host}/pushed/app:v3`, '--json'], {
      cwd: work,
      env: env(),
    });
    assert.equal(again.code, 0, again.stderr);
    const j = JSON.parse(again.stdout) as { pushed: { blobs: { uploaded: number; existed: number } }[] };
    assert.equal(j.pushed[0]?.blobs.uploaded, 0, 'every blob was already there');
    assert.equal(j.pushed[0]?.blobs.existed, 4);
  });

  it('publishes exactly what a lock file pins, and refuses a lock the config no longer matches', async () => {
    symlinkSync(join(golden, 'apko.lock.json'), join(work, 'apko.lock.json'));
    const r = await runCli(
      ['image', 'publish', 'apko.yaml', `${reg.host}/golden/locked:v1`, '--lockfile', 'apko.lock.json'],
      {
        cwd: work,
        env: env(),
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const plain = await runCli(['image', 'publish', 'apko.yaml', `${reg.host}/golden/unlocked:v1`], {
      cwd: work,
      env: env(),
    });
    assert.equal(r.stdout.split('@')[1], plain.stdout.split('@')[1], 'the lock pins what resolving picks');

    writeFileSync(
      join(work, 'changed.yaml'),
      'contents:\n  repositories: [./testdata/packages]\n  packages: [replayout]\narchs: [x86_64]\n',
    );
    const stale = await runCli(
      ['image', 'publish', 'changed.yaml', `${reg.host}/golden/stale:v1`, '--lockfile', 'apko.lock.json'],
      {
        cwd: work,
        env: env(),
      },
    );
    assert.equal(stale.code, 3);
    assert.match(
      stale.stderr,
      /error\[IMAGE_LOCK_STALE\]: the config \(.*changed\.yaml\) does not match the lock file/,
    );
    assert.throws(() => skopeoRaw(`${reg.host}/golden/stale:v1`), 'nothing was pushed');
  });

  it('completes intact through a proxy that drops every fifth connection and answers some requests 503', async () => {
    const proxy = await startProxy(reg.port, { dropEvery: 5, fail503Every: 7 });
    try {
      const r = await runCli(['image', 'publish', 'apko.yaml', `${proxy.host}/faulty/app:v1`, '--json'], {
        cwd: work,
        env: env(),
      });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { index: string; images: { digest: string }[] };
      assert.ok(proxy.stats.dropped > 0 && proxy.stats.failed > 0, JSON.stringify(proxy.stats));
      // Read back from the registry itself, past the proxy.
      assert.equal(sha256(skopeoRaw(`${reg.host}/faulty/app:v1`)), out.index);
      for (const img of out.images) assert.equal(sha256(skopeoRaw(`${reg.host}/faulty/app@${img.digest}`)), img.digest);
    } finally {
      await proxy.stop();
    }
  });

  it('refuses plain HTTP to a registry that is not on this machine', async () => {
    const r = await runCli(['image', 'push', join(work, 'layout'), 'http://10.255.255.1:5000/x/y:z'], {
      cwd: work,
      env: env(),
    });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /OCI_INSECURE_REFUSED/);
  });

  it('rejects what is not a layout and bad annotations as usage errors', async () => {
    const a = await runCli(['image', 'push', join(work, 'apko.yaml'), `${reg.host}/x/y:z`], { cwd: work, env: env() });
    assert.equal(a.code, 3);
    assert.match(a.stderr, /OCI_LAYOUT_INVALID/);
    // A path that is not there is the missing input file it is (missing-inputs.test.ts).
    const gone = await runCli(['image', 'push', join(work, 'nope'), `${reg.host}/x/y:z`], { cwd: work, env: env() });
    assert.equal(gone.code, 3);
    assert.match(gone.stderr, /IO_ERROR/);
    const b = await runCli(['image', 'publish', 'apko.yaml', `${reg.host}/x/y:z`, '--annotations', 'novalue'], {
      cwd: work,
      env: env(),
    });
    assert.equal(b.code, 2);
  });
});

describe('lupine image publish to a registry with htpasswd auth', () => {
  const USER = 'lupine';
  const PASS = 'pa55:word';
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry({ htpasswd: { user: USER, pass: PASS } });
  });
  after(async () => {
    await reg?.stop();
  });

  it('fails clearly without credentials', async () => {
    const r = await runCli(['image', 'publish', 'apko.yaml', `${reg.host}/auth/app:v1`], { cwd: work, env: env() });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /error\[OCI_UNAUTHORIZED\]/);
    assert.equal(r.stdout, '');
  });

  it('works with HTTP_AUTH', async () => {
    const r = await runCli(['image', 'publish', 'apko.yaml', `${reg.host}/auth/app:v1`], {
      cwd: work,
      env: env({ HTTP_AUTH: `basic:127.0.0.1:${USER}:${PASS}` }),
    });
    assert.equal(r.code, 0, r.stderr);
    const digest = r.stdout.trim().split('@')[1] ?? '';
    assert.equal(sha256(skopeoRaw(`${reg.host}/auth/app:v1`, `${USER}:${PASS}`)), digest);
  });

  it("works with docker's config.json", async () => {
    const dir = join(work, 'docker-config');
    mkdirSync(dir, { recursive: true });
    const auth = Buffer.from(`${USER}:${PASS}`).toString('base64');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth } } }));
    const r = await runCli(['image', 'publish', 'apko.yaml', `${reg.host}/auth/docker:v1`], {
      cwd: work,
      env: env({ DOCKER_CONFIG: dir }),
    });
    assert.equal(r.code, 0, r.stderr);
    const digest = r.stdout.trim().split('@')[1] ?? '';
    assert.equal(sha256(skopeoRaw(`${reg.host}/auth/docker:v1`, `${USER}:${PASS}`)), digest);
  });
});
