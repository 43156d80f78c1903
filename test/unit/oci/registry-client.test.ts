import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Credentials,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  parseReference,
  RegistryClient,
  sha256Digest,
} from '../../../src/oci/index.js';
import { assertCode } from '../../helpers/assert-code.js';

// What distribution 2.8 cannot show on 127.0.0.1 (tag pagination, redirects to another origin, 429,
// https by default, token kinds) is checked against a scripted FAKE transport: no sockets at all.
type Handler = (req: HttpRequest) => Partial<HttpResponse> | Error;

class FakeTransport implements HttpTransport {
  readonly seen: HttpRequest[] = [];
  constructor(readonly handler: Handler) {}
  async send(req: HttpRequest): Promise<HttpResponse> {
    this.seen.push(req);
    const r = this.handler(req);
    if (r instanceof Error) throw r;
    return { status: r.status ?? 200, headers: r.headers ?? {}, body: r.body ?? Buffer.alloc(0) };
  }
  close(): void {}
}

const retry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
const creds = (c: Credentials) => ({ get: async () => c });
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const netErr = (code: string) => Object.assign(new Error(`fake ${code}`), { code });

describe('registry client against a fake transport', () => {
  test('tag listing follows Link pagination', async () => {
    const t = new FakeTransport((req) => {
      const u = req.url;
      if (u.pathname === '/v2/') return { status: 200 };
      if (u.searchParams.get('last') === 'b') return { body: json({ tags: ['c'] }) };
      return { body: json({ tags: ['b', 'a'] }), headers: { link: '</v2/r/tags/list?n=2&last=b>; rel="next"' } };
    });
    const c = new RegistryClient({ transport: t, retry });
    assert.deepEqual(await c.listTags({ registry: 'registry.example.com', repository: 'r' }, 2), ['a', 'b', 'c']);
    assert.equal(t.seen.filter((r) => r.url.pathname.endsWith('/tags/list')).length, 2);
    assert.ok(
      t.seen.every((r) => r.url.protocol === 'https:'),
      'a non-loopback registry is spoken to over https',
    );
  });

  test('429 and 5xx are retried a bounded number of times; dropped connections too', async () => {
    let n = 0;
    const t429 = new FakeTransport((req) =>
      req.url.pathname === '/v2/'
        ? { status: 200 }
        : ++n === 1
          ? { status: 429, headers: { 'retry-after': '30' } }
          : { status: 404 },
    );
    const c1 = new RegistryClient({ transport: t429, retry });
    assert.equal(await c1.blobExists({ registry: 'r.example', repository: 'a' }, sha256Digest('x')), false);
    assert.equal(n, 2);

    const t503 = new FakeTransport((req) => (req.url.pathname === '/v2/' ? { status: 200 } : { status: 503 }));
    await assertCode(
      () =>
        new RegistryClient({ transport: t503, retry }).getBlob(
          { registry: 'r.example', repository: 'a' },
          sha256Digest('x'),
        ),
      'OCI_REGISTRY_ERROR',
    );
    assert.equal(t503.seen.length, 1 + 3);

    const reset = new FakeTransport(() => netErr('ECONNRESET'));
    await assertCode(
      () => new RegistryClient({ transport: reset, retry }).ping({ registry: 'r.example', repository: 'a' }),
      'OCI_UNREACHABLE',
    );
    assert.equal(reset.seen.length, 3);

    const dns = new FakeTransport(() => netErr('ENOTFOUND'));
    await assertCode(
      () => new RegistryClient({ transport: dns, retry }).ping({ registry: 'r.example', repository: 'a' }),
      'OCI_UNREACHABLE',
    );
    assert.equal(dns.seen.length, 1, 'a name that does not resolve is not retried');
  });

  test('blob redirects: followed without sending credentials to the other origin; content verified', async () => {
    const content = Buffer.from('blob content');
    const d = sha256Digest(content);
    let served = content;
    const t = new FakeTransport((req) => {
      if (req.url.pathname === '/v2/') return { status: 200 };
      if (req.url.host === 'cdn.example.net') return { body: served };
      return { status: 307, headers: { location: `https://cdn.example.net/blobs/${d}?sig=1` } };
    });
    const c = new RegistryClient({
      transport: t,
      retry,
      credentials: creds({ kind: 'basic', username: 'u', password: 'p' }),
    });
    const repo = { registry: 'r.example', repository: 'a' };
    assert.deepEqual(await c.getBlob(repo, d), content);
    const toRegistry = t.seen.find((r) => r.url.host === 'r.example' && r.url.pathname.includes('/blobs/'));
    const toCdn = t.seen.find((r) => r.url.host === 'cdn.example.net');
    assert.match(toRegistry?.headers?.authorization ?? '', /^Basic /);
    assert.equal(toCdn?.headers?.authorization, undefined);
    served = Buffer.from('tampered');
    await assertCode(() => c.getBlob(repo, d), 'OCI_DIGEST_MISMATCH');
  });

  test('a redirect to plain HTTP off loopback is refused', async () => {
    const t = new FakeTransport((req) =>
      req.url.pathname === '/v2/'
        ? { status: 200 }
        : { status: 302, headers: { location: 'http://cdn.example.net/b' } },
    );
    await assertCode(
      () =>
        new RegistryClient({ transport: t, retry }).getBlob(
          { registry: 'r.example', repository: 'a' },
          sha256Digest('x'),
        ),
      'OCI_INSECURE_REFUSED',
    );
  });

  test('bearer: a registry token is used as it is; an identity token is exchanged by POST', async () => {
    const challenge = {
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token",service="svc"' },
    };
    const t1 = new FakeTransport((req) => {
      if (req.url.pathname === '/v2/') return challenge;
      return req.headers?.authorization === 'Bearer ready' ? { status: 404 } : challenge;
    });
    const c1 = new RegistryClient({
      transport: t1,
      retry,
      credentials: creds({ kind: 'registry-token', token: 'ready' }),
    });
    await assertCode(() => c1.getManifest(parseReference('r.example/a:t')), 'OCI_MANIFEST_UNKNOWN');
    assert.ok(!t1.seen.some((r) => r.url.host === 'auth.example'));

    const t2 = new FakeTransport((req) => {
      if (req.url.host === 'auth.example') {
        const form = new URLSearchParams(Buffer.from(req.body ?? []).toString());
        assert.equal(req.method, 'POST');
        assert.equal(form.get('grant_type'), 'refresh_token');
        assert.equal(form.get('refresh_token'), 'refresh-me');
        assert.equal(form.get('service'), 'svc');
        assert.equal(form.get('scope'), 'repository:a:pull');
        return { body: json({ access_token: 'exchanged' }) };
      }
      if (req.url.pathname === '/v2/') return challenge;
      return req.headers?.authorization === 'Bearer exchanged'
        ? {
            status: 200,
            body: Buffer.from('{}'),
            headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
          }
        : challenge;
    });
    const c2 = new RegistryClient({
      transport: t2,
      retry,
      credentials: creds({ kind: 'identity-token', token: 'refresh-me' }),
    });
    const m = await c2.getManifest(parseReference('r.example/a:t'));
    assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(m.digest, sha256Digest('{}'));
  });

  test('a registry that rewrites a manifest is caught; 403 is OCI_DENIED', async () => {
    const t = new FakeTransport((req) => {
      if (req.url.pathname === '/v2/') return { status: 200 };
      if (req.url.pathname.endsWith('/denied'))
        return { status: 403, body: json({ errors: [{ code: 'DENIED', message: 'no' }] }) };
      return { status: 201, headers: { 'docker-content-digest': sha256Digest('other') } };
    });
    const c = new RegistryClient({ transport: t, retry });
    await assertCode(
      () =>
        c.putManifest(parseReference('r.example/a:t'), Buffer.from('{}'), 'application/vnd.oci.image.manifest.v1+json'),
      'OCI_DIGEST_MISMATCH',
    );
    await assertCode(
      () =>
        c.putManifest(
          parseReference('r.example/a:denied'),
          Buffer.from('{}'),
          'application/vnd.oci.image.manifest.v1+json',
        ),
      'OCI_DENIED',
    );
  });
});
