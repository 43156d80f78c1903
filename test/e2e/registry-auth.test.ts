import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  clientOptionsForUrl,
  envCredentials,
  parseReference,
  parseRegistryUrl,
  pushLayout,
  RegistryClient,
  type RegistryClientOptions,
  sha256Digest,
} from '../../src/oci/index.js';
import { assertCode, assertCodeSync } from '../helpers/assert-code.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeImage, writeApkoStyleLayout } from '../unit/oci/fixtures.js';

// docker-registry with htpasswd (basic) auth on 127.0.0.1.
const USER = 'lupine';
const PASS = 's3cret:with:colons';
const fast = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

describe('registry with htpasswd auth', () => {
  let reg: TestRegistry;
  let tmp: string;
  let layout: string;
  let indexDigest: string;
  const clients: RegistryClient[] = [];
  const client = (options: RegistryClientOptions = {}) => {
    const c = new RegistryClient({ retry: fast, ...options });
    clients.push(c);
    return c;
  };

  before(async () => {
    reg = await startRegistry({ htpasswd: { user: USER, pass: PASS } });
    tmp = mkdtempSync(join(tmpdir(), 'lupine-registry-auth-'));
    layout = join(tmp, 'layout');
    await writeApkoStyleLayout(layout, [await makeImage('x86_64'), await makeImage('armv7')]);
    indexDigest = sha256Digest(readFileSync(join(layout, 'index.json')));
  });
  after(async () => {
    for (const c of clients) c.close();
    await reg?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('without credentials: OCI_UNAUTHORIZED', async () => {
    const c = client();
    await assertCode(() => pushLayout(c, layout, parseReference(`${reg.host}/auth/none:v1`)), 'OCI_UNAUTHORIZED');
    await assertCode(() => c.ping({ registry: reg.host, repository: 'auth/none' }), 'OCI_UNAUTHORIZED');
  });

  test('wrong password: OCI_UNAUTHORIZED', async () => {
    const u = parseRegistryUrl(`http://${USER}:wrong@${reg.host}/auth/wrong:v1`);
    const c = client(clientOptionsForUrl(u, { retry: fast }));
    await assertCode(() => pushLayout(c, layout, u.reference), 'OCI_UNAUTHORIZED');
  });

  test('credentials in the URL', async () => {
    const u = parseRegistryUrl(`http://${USER}:${encodeURIComponent(PASS)}@${reg.host}/auth/url:v1`);
    const c = client(clientOptionsForUrl(u, { retry: fast }));
    const r = await pushLayout(c, layout, u.reference);
    assert.equal(r.digest, indexDigest);
    const raw = execFileSync('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--raw',
      '--creds',
      `${USER}:${PASS}`,
      `docker://${reg.host}/auth/url:v1`,
    ]);
    assert.equal(sha256Digest(raw), indexDigest);
  });

  test('credentials from $DOCKER_CONFIG/config.json (auth, base64)', async () => {
    const dir = join(tmp, 'docker-config');
    execFileSync('mkdir', ['-p', dir]);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: { [`http://${reg.host}`]: { auth: Buffer.from(`${USER}:${PASS}`).toString('base64') } },
      }),
    );
    const c = client({ credentials: envCredentials({ DOCKER_CONFIG: dir }) });
    const r = await pushLayout(c, layout, parseReference(`${reg.host}/auth/config:v1`));
    assert.equal(r.digest, indexDigest);
    assert.deepEqual(await c.listTags({ registry: reg.host, repository: 'auth/config' }), ['v1']);
  });

  test('credentials from HTTP_AUTH', async () => {
    const c = client({
      credentials: envCredentials({ HTTP_AUTH: `basic:127.0.0.1:${USER}:${PASS}`, HOME: join(tmp, 'no-home') }),
    });
    const r = await pushLayout(c, layout, parseReference(`${reg.host}/auth/env:v1`));
    assert.equal(r.digest, indexDigest);
    const m = await c.getManifest(parseReference(`${reg.host}/auth/env:v1`));
    assert.equal(m.digest, indexDigest);
  });
});

describe('plain HTTP is refused off loopback', () => {
  let fake: http.Server;
  let port = 0;
  before(async () => {
    // A fake registry (not distribution): it only answers /v2/ with a bearer challenge whose token
    // realm is plain HTTP on a non-loopback host.
    fake = http.createServer((req, res) => {
      req.resume();
      res.writeHead(401, {
        'www-authenticate': 'Bearer realm="http://auth.example.com/token",service="x"',
        connection: 'close',
      });
      res.end();
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    port = (fake.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => fake.close(() => resolve()));
  });

  test('an http:// URL to a remote host without insecure', () => {
    assertCodeSync(
      () => clientOptionsForUrl(parseRegistryUrl('http://registry.example.com/a/b:c')),
      'OCI_INSECURE_REFUSED',
    );
    const ok = clientOptionsForUrl(parseRegistryUrl('http://registry.example.com/a/b:c'), { insecure: true });
    assert.equal(ok.schemes?.['registry.example.com'], 'http');
  });

  test('a plain-HTTP token realm on a remote host', async () => {
    const c = new RegistryClient({
      credentials: { get: async () => ({ kind: 'basic', username: 'u', password: 'p' }) },
      retry: fast,
    });
    try {
      await assertCode(() => c.getManifest(parseReference(`127.0.0.1:${port}/a/b:c`)), 'OCI_INSECURE_REFUSED');
    } finally {
      c.close();
    }
  });
});
