import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  dockerConfigCredentials,
  envCredentials,
  formatReference,
  isLoopback,
  normalizeRegistryKey,
  parseHttpAuthEnv,
  parseReference,
  parseRegistryUrl,
  parseWwwAuthenticate,
} from '../../../src/oci/index.js';
import { assertCode, assertCodeSync } from '../../helpers/assert-code.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('references', () => {
  const cases: [string, string][] = [
    ['alpine', 'index.docker.io/library/alpine:latest'],
    ['docker.io/alpine:3.20', 'index.docker.io/library/alpine:3.20'],
    ['chainguard/static', 'index.docker.io/chainguard/static:latest'],
    ['cgr.dev/chainguard/static:latest', 'cgr.dev/chainguard/static:latest'],
    ['127.0.0.1:5000/lupine/base', '127.0.0.1:5000/lupine/base:latest'],
    ['localhost/foo:v1', 'localhost/foo:v1'],
    [`ghcr.io/a/b@${D}`, `ghcr.io/a/b@${D}`],
    [`ghcr.io/a/b:t@${D}`, `ghcr.io/a/b:t@${D}`],
    ['[::1]:5000/x:y', '[::1]:5000/x:y'],
    ['registry.example.com:443/a.b/c_d/e__f/g-h', 'registry.example.com:443/a.b/c_d/e__f/g-h:latest'],
  ];
  for (const [input, want] of cases) {
    test(`${input}`, () => assert.equal(formatReference(parseReference(input)), want));
  }
  test('bad references are OCI_BAD_REFERENCE', () => {
    for (const bad of [
      '',
      'upper/Case',
      'a//b',
      'host:5000/repo:bad tag',
      'repo@sha256:zz',
      'repo:-x',
      'a/b:' + 'x'.repeat(129),
      'bad_host_:1/x',
    ]) {
      assertCodeSync(() => parseReference(bad), 'OCI_BAD_REFERENCE');
    }
  });
  test('no default tag when asked', () => {
    assert.equal(parseReference('127.0.0.1:5000/x', { defaultTag: null }).tag, undefined);
  });
  test('URL form carries scheme and credentials', () => {
    const u = parseRegistryUrl('http://us%40er:p:a@ss@127.0.0.1:5000/a/b:t');
    assert.equal(u.scheme, 'http');
    assert.deepEqual(u.credentials, { username: 'us@er', password: 'p:a@ss' });
    assert.equal(formatReference(u.reference), '127.0.0.1:5000/a/b:t');
  });
  test('loopback hosts', () => {
    assert.ok(isLoopback('127.0.0.1:5000'));
    assert.ok(isLoopback('localhost'));
    assert.ok(isLoopback('[::1]:80'));
    assert.ok(!isLoopback('10.0.0.1:5000'));
    assert.ok(!isLoopback('127.example.com'));
  });
});

describe('WWW-Authenticate', () => {
  test('bearer with a quoted scope holding commas', () => {
    const [c] = parseWwwAuthenticate(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
    );
    assert.deepEqual(c, {
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:samalba/my-app:pull,push',
      },
    });
  });
  test('several challenges, escapes, bare tokens', () => {
    const all = parseWwwAuthenticate('Basic realm="a \\"q\\" b", Bearer realm=https://x/t,error=invalid_token');
    assert.deepEqual(all, [
      { scheme: 'basic', params: { realm: 'a "q" b' } },
      { scheme: 'bearer', params: { realm: 'https://x/t', error: 'invalid_token' } },
    ]);
  });
});

describe('credentials', () => {
  const config = {
    auths: {
      'https://index.docker.io/v1/': { auth: Buffer.from('hub:secret').toString('base64') },
      '127.0.0.1:5000': { username: 'u', password: 'p:w' },
      'http://reg.example.com/v2/': { identitytoken: 'refresh' },
      'bad.example.com': { auth: Buffer.from('nocolon').toString('base64') },
    },
  };
  test('config.json auths: base64 auth, username/password, identity token, hub aliases', () => {
    assert.deepEqual(dockerConfigCredentials(config, 'index.docker.io'), {
      kind: 'basic',
      username: 'hub',
      password: 'secret',
    });
    assert.deepEqual(dockerConfigCredentials(config, 'docker.io'), {
      kind: 'basic',
      username: 'hub',
      password: 'secret',
    });
    assert.deepEqual(dockerConfigCredentials(config, '127.0.0.1:5000'), {
      kind: 'basic',
      username: 'u',
      password: 'p:w',
    });
    assert.deepEqual(dockerConfigCredentials(config, 'reg.example.com'), { kind: 'identity-token', token: 'refresh' });
    assert.equal(dockerConfigCredentials(config, '127.0.0.1:5001'), undefined);
    assertCodeSync(() => dockerConfigCredentials(config, 'bad.example.com'), 'OCI_UNAUTHORIZED');
    assert.equal(normalizeRegistryKey('https://Registry-1.Docker.io/v2/'), 'index.docker.io');
  });
  test('HTTP_AUTH forms', () => {
    assert.deepEqual(parseHttpAuthEnv('basic:reg.example.com:u:p:q'), {
      registry: 'reg.example.com',
      credentials: { kind: 'basic', username: 'u', password: 'p:q' },
    });
    // Split as apko splits (SplitN 4): no port field, a numeric third field is the user.
    assert.deepEqual(parseHttpAuthEnv('basic:127.0.0.1:5000:u:p'), {
      registry: '127.0.0.1',
      credentials: { kind: 'basic', username: '5000', password: 'u:p' },
    });
    assert.equal(parseHttpAuthEnv('bearer:x:y:z'), undefined);
    assert.equal(parseHttpAuthEnv(undefined), undefined);
  });
  test('envCredentials: HTTP_AUTH first, then $DOCKER_CONFIG/config.json; env passed in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lupine-dockercfg-'));
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      const src = envCredentials({ DOCKER_CONFIG: dir, HTTP_AUTH: 'basic:127.0.0.1:x:y' });
      assert.deepEqual(await src.get('127.0.0.1:5000'), { kind: 'basic', username: 'x', password: 'y' });
      assert.deepEqual(await src.get('docker.io'), { kind: 'basic', username: 'hub', password: 'secret' });
      assert.equal(await src.get('other.example.com'), undefined);
      assert.equal(await envCredentials({ HOME: join(dir, 'nowhere') }).get('docker.io'), undefined);
      writeFileSync(join(dir, 'config.json'), '{not json');
      await assertCode(() => envCredentials({ DOCKER_CONFIG: dir }).get('docker.io'), 'OCI_UNAUTHORIZED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
