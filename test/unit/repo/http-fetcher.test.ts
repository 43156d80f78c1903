import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import https from 'node:https';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isLupineError } from '../../../src/core/index.js';
import { basicAuthorization, parseHttpAuth } from '../../../src/net/index.js';
import { type FetchResult, FileFetcher, HttpFetcher, routingFetcher } from '../../../src/repo/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';
import { selfSignedCert } from '../../helpers/self-signed.js';
import { refusedPort, startServer, type TestServer } from './test-server.js';

const INDEX = readFileSync(vector('apk', 'melange-x86_64-APKINDEX.tar.gz'));
const fast = { backoffMs: 1, maxBackoffMs: 5 };

function bytesOf(r: FetchResult): Buffer {
  assert.equal(r.status, 'ok');
  return Buffer.from(r.status === 'ok' ? r.bytes : new Uint8Array());
}

describe('HttpFetcher against a real server with basic auth', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ files: { '/x86_64/APKINDEX.tar.gz': INDEX }, user: 'ci', password: 's3cret' });
  });
  after(() => s.close());

  test('right credentials in the URL', async () => {
    const f = new HttpFetcher(fast);
    const r = await f.get(`http://ci:s3cret@127.0.0.1:${s.port}/x86_64/APKINDEX.tar.gz`);
    assert.ok(bytesOf(r).equals(INDEX));
    assert.equal(r.url.includes('s3cret'), false, 'the result URL hides the password');
  });

  test('percent-encoded credentials in the URL are decoded', async () => {
    const t = await startServer({ files: { '/f': 'ok' }, user: 'a@b', password: 'p:w/d' });
    try {
      const r = await new HttpFetcher(fast).get(`http://a%40b:p%3Aw%2Fd@127.0.0.1:${t.port}/f`);
      assert.equal(bytesOf(r).toString(), 'ok');
    } finally {
      await t.close();
    }
  });

  test('right credentials via HTTP_AUTH=basic:HOST:USER:PASS (any port of HOST)', async () => {
    const f = new HttpFetcher({ ...fast, env: { HTTP_AUTH: `basic:127.0.0.1:ci:s3cret` } });
    const r = await f.get(`${s.base}/x86_64/APKINDEX.tar.gz`);
    assert.ok(bytesOf(r).equals(INDEX));
  });

  test('HTTP_AUTH for another host is not sent', async () => {
    const f = new HttpFetcher({ ...fast, env: { HTTP_AUTH: 'basic:apk.example.com:ci:s3cret' } });
    const err = await assertCode(() => f.get(`${s.base}/x86_64/APKINDEX.tar.gz`), 'REPO_UNAUTHORIZED');
    assert.ok(isLupineError(err));
    assert.match(err.hint ?? '', /needs credentials.*HTTP_AUTH/);
  });

  test('a wrong password is REPO_UNAUTHORIZED with a hint, not retried, password not shown', async () => {
    const before = s.hits.get('/x86_64/APKINDEX.tar.gz') ?? 0;
    const f = new HttpFetcher(fast);
    const err = await assertCode(
      () => f.get(`http://ci:wrong-pass@127.0.0.1:${s.port}/x86_64/APKINDEX.tar.gz`),
      'REPO_UNAUTHORIZED',
    );
    assert.ok(isLupineError(err));
    assert.match(err.hint ?? '', /check the user and password/);
    assert.equal(err.message.includes('wrong-pass'), false);
    assert.equal(JSON.stringify(err.details).includes('wrong-pass'), false);
    assert.equal((s.hits.get('/x86_64/APKINDEX.tar.gz') ?? 0) - before, 1);
  });

  test('a wrong password via HTTP_AUTH is REPO_UNAUTHORIZED', async () => {
    const f = new HttpFetcher({ ...fast, env: { HTTP_AUTH: `basic:127.0.0.1:ci:nope` } });
    await assertCode(() => f.get(`${s.base}/x86_64/APKINDEX.tar.gz`), 'REPO_UNAUTHORIZED');
  });

  test('URL credentials win over HTTP_AUTH (as in apko)', async () => {
    const f = new HttpFetcher({ ...fast, env: { HTTP_AUTH: `basic:127.0.0.1:ci:nope` } });
    const r = await f.get(`http://ci:s3cret@127.0.0.1:${s.port}/x86_64/APKINDEX.tar.gz`);
    assert.ok(bytesOf(r).equals(INDEX));
  });

  test('404 is REPO_NOT_FOUND', async () => {
    const f = new HttpFetcher(fast);
    await assertCode(() => f.get(`http://ci:s3cret@127.0.0.1:${s.port}/aarch64/APKINDEX.tar.gz`), 'REPO_NOT_FOUND');
  });
});

describe('HttpFetcher failures and retries', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ files: { '/a.apk': 'A'.repeat(4000), '/b.apk': 'bbbb' } });
  });
  after(() => s.close());

  test('a refused port is REPO_UNREACHABLE', async () => {
    const port = await refusedPort();
    const err = await assertCode(() => new HttpFetcher(fast).get(`http://127.0.0.1:${port}/x`), 'REPO_UNREACHABLE');
    assert.ok(isLupineError(err));
    assert.equal(err.details.errno, 'ECONNREFUSED');
  });

  test('503 twice then 200 is retried and succeeds on the third request', async () => {
    const warnings: string[] = [];
    const logger = { info() {}, debug() {}, warn: (m: string) => warnings.push(m) };
    const r = await new HttpFetcher({ ...fast, logger }).get(`${s.base}/flaky-2/b.apk`);
    assert.equal(bytesOf(r).toString(), 'bbbb');
    assert.equal(s.hits.get('/flaky-2/b.apk'), 3);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] ?? '', /HTTP 503; retrying/);
  });

  test('503 beyond the retry budget is REPO_UNREACHABLE naming the status', async () => {
    const err = await assertCode(
      () => new HttpFetcher({ ...fast, retries: 2 }).get(`${s.base}/flaky-9/b.apk`),
      'REPO_UNREACHABLE',
    );
    assert.ok(isLupineError(err));
    assert.equal(err.details.status, 503);
    assert.equal(err.details.attempts, 3);
    assert.equal(s.hits.get('/flaky-9/b.apk'), 3);
  });

  test('a connection dropped mid-body is retried', async () => {
    const r = await new HttpFetcher(fast).get(`${s.base}/drop/a.apk`);
    assert.equal(bytesOf(r).toString(), 'A'.repeat(4000));
    assert.equal(s.hits.get('/drop/a.apk'), 2);
  });

  test('a server that never answers times out as REPO_UNREACHABLE', async () => {
    const err = await assertCode(
      () => new HttpFetcher({ ...fast, retries: 1, timeoutMs: 100 }).get(`${s.base}/hang`),
      'REPO_UNREACHABLE',
    );
    // Both tries were made (counted by the client: on a loaded machine the second request can time out
    // before the server's handler has seen it, so the server's count is only a lower bound).
    assert.ok(isLupineError(err));
    assert.equal(err.details.attempts, 2);
    assert.ok((s.hits.get('/hang') ?? 0) >= 1);
  });

  test('redirects are followed; credentials are not sent to another host', async () => {
    const same = await new HttpFetcher(fast).get(`${s.base}/redirect?to=/b.apk`);
    assert.equal(bytesOf(same).toString(), 'bbbb');
    const other = `http://localhost:${s.port}/b.apk`;
    await new HttpFetcher(fast).get(`http://u:p@127.0.0.1:${s.port}/redirect?to=${encodeURIComponent(other)}`);
    const seen = s.auth.get('/b.apk') ?? [];
    assert.equal(seen.at(-1), undefined, 'no Authorization header after a cross-host redirect');
  });

  test('conditional request: a matching ETag gives not-modified', async () => {
    const f = new HttpFetcher(fast);
    const first = await f.get(`${s.base}/b.apk`);
    assert.equal(first.status, 'ok');
    const etag = first.status === 'ok' ? first.etag : undefined;
    assert.ok(etag);
    const second = await f.get(`${s.base}/b.apk`, { ifNoneMatch: etag });
    assert.equal(second.status, 'not-modified');
  });

  test('a body over maxBytes is LIMIT_EXCEEDED', async () => {
    await assertCode(() => new HttpFetcher(fast).get(`${s.base}/a.apk`, { maxBytes: 100 }), 'LIMIT_EXCEEDED');
  });
});

test('parseHttpAuth: split exactly as apko (SplitN 4: the password keeps every further colon), junk', () => {
  assert.deepEqual(parseHttpAuth('basic:apk.cgr.dev:user:tok'), { host: 'apk.cgr.dev', user: 'user', password: 'tok' });
  // apko has no port field: a numeric third field is the user, the rest the password.
  assert.deepEqual(parseHttpAuth('basic:127.0.0.1:8080:u:p'), { host: '127.0.0.1', user: '8080', password: 'u:p' });
  assert.deepEqual(parseHttpAuth('basic:h:1000:pa:ss'), { host: 'h', user: '1000', password: 'pa:ss' });
  assert.deepEqual(parseHttpAuth('basic:h:u:'), { host: 'h', user: 'u', password: '' });
  assert.deepEqual(parseHttpAuth('basic:h:u:p:q'), { host: 'h', user: 'u', password: 'p:q' });
  assert.equal(parseHttpAuth('bearer:h:u:p'), undefined);
  assert.equal(parseHttpAuth('basic:h:u'), undefined);
  assert.equal(parseHttpAuth(undefined), undefined);
});

describe('FileFetcher and routing', () => {
  test('reads an absolute path and a file:// URL', async () => {
    const f = new FileFetcher();
    const path = vector('apk', 'melange-x86_64-APKINDEX.tar.gz');
    assert.ok(bytesOf(await f.get(path)).equals(INDEX));
    assert.ok(bytesOf(await f.get(`file://${path}`)).equals(INDEX));
  });

  test('a missing file is REPO_NOT_FOUND', async () => {
    await assertCode(() => new FileFetcher().get('/nonexistent/x86_64/APKINDEX.tar.gz'), 'REPO_NOT_FOUND');
  });

  test('routingFetcher sends paths to the file fetcher and http to the http fetcher', async () => {
    const seen: string[] = [];
    const stub = (name: string) => ({
      get: async (url: string): Promise<FetchResult> => {
        seen.push(`${name} ${url}`);
        return { status: 'ok', bytes: new Uint8Array(), url };
      },
    });
    const f = routingFetcher({ http: stub('http'), file: stub('file') });
    await f.get('https://x.example/a');
    await f.get('/srv/a');
    await f.get('file:///srv/b');
    assert.deepEqual(seen, ['http https://x.example/a', 'file /srv/a', 'file file:///srv/b']);
    await assertCode(() => f.get('ftp://x/a'), 'REPO_UNREACHABLE');
  });
});

describe('HttpFetcher: credentials in the URL after a redirect from https to plain http', () => {
  // curl drops the credentials when a redirect changes the scheme (CVE-2022-27774): the same host
  // over plain http would receive the password in clear text. A loopback proxy stands in for the
  // network: CONNECT tunnels to a TLS server that redirects, plain requests are recorded.
  const dir = mkdtempSync(join(tmpdir(), 'lupine-downgrade-'));
  const seen: (string | undefined)[] = [];
  let proxy: Server;
  let origin: https.Server;
  let ca = '';
  before(async () => {
    const pems = selfSignedCert(dir, 'DNS:repo.example.test');
    ca = readFileSync(pems.cert, 'utf8');
    origin = https.createServer({ key: readFileSync(pems.key), cert: ca }, (req, res) => {
      seen.push(`https ${req.headers.authorization ?? '-'}`);
      res.writeHead(302, { location: 'http://repo.example.test/plain' }).end();
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    proxy = createServer((req, res) => {
      seen.push(`http ${req.headers.authorization ?? '-'}`);
      res.end('plain');
    });
    proxy.on('connect', (_req, socket) => {
      const up = connect((origin.address() as AddressInfo).port, '127.0.0.1', () => {
        socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
        up.pipe(socket).pipe(up);
      });
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  });
  after(() => {
    proxy.close();
    origin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the password is not sent over plain http to the same host', async () => {
    const p = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const f = new HttpFetcher({ ...fast, ca, env: { HTTPS_PROXY: p, HTTP_PROXY: p } });
    const r = await f.get('https://ci:s3cret@repo.example.test/x86_64/APKINDEX.tar.gz');
    assert.equal(bytesOf(r).toString(), 'plain');
    assert.deepEqual(seen, [`https ${basicAuthorization({ user: 'ci', password: 's3cret' })}`, 'http -']);
  });

  test("HTTP_AUTH's credential is not sent over plain http either", async () => {
    seen.length = 0;
    const p = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const env = { HTTPS_PROXY: p, HTTP_PROXY: p, HTTP_AUTH: 'basic:repo.example.test:ci:s3cret' };
    const r = await new HttpFetcher({ ...fast, ca, env }).get('https://repo.example.test/x86_64/APKINDEX.tar.gz');
    assert.equal(bytesOf(r).toString(), 'plain');
    assert.deepEqual(seen, [`https ${basicAuthorization({ user: 'ci', password: 's3cret' })}`, 'http -']);
  });
});
