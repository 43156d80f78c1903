import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { loadImageConfig, renderDiagnostics, showConfig } from '../../../src/image/index.js';
import { assertGolden } from '../../helpers/golden.js';
import { vector, vectorsDir } from '../../helpers/paths.js';

const examples = readdirSync(vector('apko', 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => vector('apko', 'examples', f));
const golden = ['apko.yaml', 'layering.yaml', 'apko-certs.yaml'].map((f) => vector('apko', 'golden-testdata', f));

/** Diagnostics and goldens name vector files relative to the vectors directory. */
const rel = (s: string) => s.split(`${vectorsDir}/`).join('');

describe('apko vector configs parse strictly', () => {
  it('finds the vectors', () => {
    assert.equal(examples.length, 9);
  });
  for (const file of [...examples, ...golden]) {
    it(`${rel(file)}: no diagnostics, and a resolved config`, async () => {
      const loaded = await loadImageConfig(file);
      assert.equal(renderDiagnostics(loaded.diagnostics), '');
      assert.ok(loaded.config, 'resolved config');
      assert.ok(loaded.config.contents.packages.length > 0, 'has packages');
    });
  }
});

describe('apko vector configs: show-config goldens', () => {
  for (const file of [...examples, ...golden]) {
    const dir = basename(file).replace(/\.yaml$/, '');
    const prefix = file.includes('golden-testdata') ? 'golden-testdata' : 'examples';
    it(`${prefix}/${dir}`, async () => {
      const loaded = await loadImageConfig(file);
      assert.ok(loaded.config);
      assertGolden(`image/${prefix}/${dir}.show.yaml`, showConfig(loaded.config));
    });
  }
});

describe('include', () => {
  it('include.yaml finds examples/alpine-base.yaml in a parent directory and merges to the same config', async () => {
    const inc = await loadImageConfig(vector('apko', 'examples', 'include.yaml'));
    const base = await loadImageConfig(vector('apko', 'examples', 'alpine-base.yaml'));
    assert.deepEqual(
      inc.files.map((f) => rel(f.path)),
      ['apko/examples/include.yaml', 'apko/examples/alpine-base.yaml'],
    );
    assert.ok(inc.config && base.config);
    assert.deepEqual(inc.config, base.config);
    assertGolden('image/include.merged.yaml', showConfig(inc.config));
  });

  it('overlay.yaml appends its packages after the included ones and keeps everything else', async () => {
    const loaded = await loadImageConfig(vector('apko', 'examples', 'overlay.yaml'));
    assert.ok(loaded.config);
    assert.deepEqual(
      loaded.config.contents.packages.map((p) => p.raw),
      ['alpine-base', 'nano'],
    );
    assert.equal(loaded.config.cmd, '/bin/sh -l');
    assert.deepEqual(loaded.config.archs, ['x86_64', 'aarch64']);
    assertGolden('image/overlay.merged.yaml', showConfig(loaded.config));
  });

  it('files holds the raw bytes of the config and each include, in that order', async () => {
    const loaded = await loadImageConfig(vector('apko', 'examples', 'overlay.yaml'));
    const expected = await readFile(vector('apko', 'examples', 'overlay.yaml'));
    assert.deepEqual(Buffer.from(loaded.files[0]?.bytes ?? []), expected);
    assert.equal(loaded.files.length, 2);
  });
});

describe('resolved vector values', () => {
  it('nginx: service bundle, accounts with defaults, path modes kept', async () => {
    const { config } = await loadImageConfig(vector('apko', 'examples', 'nginx.yaml'));
    assert.ok(config);
    assert.equal(config.entrypoint.type, 'service-bundle');
    assert.deepEqual(config.entrypoint.services, {
      nginx: '/usr/sbin/nginx -c /etc/nginx/nginx.conf -g "daemon off;"',
    });
    assert.deepEqual(config.accounts.users, [
      { username: 'nginx', uid: 10000, gid: 10000, shell: '/bin/sh', homedir: '/home/nginx' },
    ]);
    assert.deepEqual(
      config.paths.map((p) => [p.path, p.type, p.permissions, p.owner, p.source]),
      [
        ['/run/nginx', 'directory', 0o755, { uid: 10000, gid: 10000 }, null],
        [
          '/etc/nginx/http.d/default.conf',
          'hardlink',
          0o644,
          { uid: 10000, gid: 10000 },
          '/etc/nginx/nginx.conf.default',
        ],
      ],
    );
    assert.equal(config.environment.SSL_CERT_FILE, '/etc/ssl/certs/ca-certificates.crt');
  });

  it('alpine-base-rootless: run-as nonroot becomes its uid', async () => {
    const { config } = await loadImageConfig(vector('apko', 'examples', 'alpine-base-rootless.yaml'));
    assert.equal(config?.accounts.runAs, '10000');
  });

  it('layering.yaml: build and runtime repositories stay apart; layering carried', async () => {
    const { config } = await loadImageConfig(vector('apko', 'golden-testdata', 'layering.yaml'));
    assert.ok(config);
    assert.deepEqual(
      config.contents.buildRepositories.map((r) => r.url),
      ['./packages'],
    );
    assert.deepEqual(
      config.contents.runtimeRepositories.map((r) => r.url),
      ['apk.cgr.dev/runtime-only-repo'],
    );
    assert.deepEqual(config.layering, { strategy: 'origin', budget: 2 });
  });

  it('golden apko.yaml: the archs and keyring the golden lock file records', async () => {
    const { config } = await loadImageConfig(vector('apko', 'golden-testdata', 'apko.yaml'));
    const lock = JSON.parse(await readFile(vector('apko', 'golden-testdata', 'apko.lock.json'), 'utf8')) as {
      config: { name: string };
      contents: { keyring: { name: string }[]; repositories: { name: string; architecture: string }[] };
    };
    assert.ok(config);
    assert.equal(lock.config.name, 'apko.yaml');
    assert.deepEqual(config.archs, [...new Set(lock.contents.repositories.map((r) => r.architecture))]);
    assert.deepEqual(
      config.contents.keyring.map((k) => (k.kind === 'uri' ? k.uri : k.name)),
      lock.contents.keyring.map((k) => k.name),
    );
    assert.deepEqual(
      lock.contents.repositories.map((r) => r.name),
      config.archs.map((a) => `${config.contents.repositories[0]?.url}/${a}`),
    );
  });

  it('certificates.yaml: two additional certificates; apko-certs.yaml: a provider', async () => {
    const certs = await loadImageConfig(vector('apko', 'examples', 'certificates.yaml'));
    assert.deepEqual(
      certs.config?.certificates?.additional.map((c) => c.name),
      ['pretend-pear-x1', 'bogus-broccoli-x2'],
    );
    const providers = await loadImageConfig(vector('apko', 'golden-testdata', 'apko-certs.yaml'));
    assert.deepEqual(providers.config?.certificates?.providers, ['custom-ca-certificates']);
  });
});
