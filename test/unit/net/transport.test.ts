/** The shared transport's proxy handling (HTTP_PROXY / HTTPS_PROXY / NO_PROXY) against a loopback proxy. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { NetTransport, netSettings, proxyFor } from '../../../src/net/index.js';
import { assertCode } from '../../helpers/assert-code.js';

describe('proxies', () => {
  let proxy: Server;
  let proxyUrl = '';
  const seen: { url: string; auth?: string }[] = [];
  before(async () => {
    proxy = createServer((req, res) => {
      seen.push({
        url: req.url ?? '',
        ...(req.headers['proxy-authorization'] ? { auth: req.headers['proxy-authorization'] } : {}),
      });
      res.writeHead(200, { 'content-length': '7' }).end('proxied');
    });
    proxy.on('connect', (_req, socket) => {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://u:p@127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  after(() => proxy.close());

  test('http goes to HTTP_PROXY with the absolute URL and the proxy credentials', async () => {
    const t = new NetTransport({ env: { HTTP_PROXY: proxyUrl } });
    const res = await t.send({ method: 'GET', url: new URL('http://repo.example.test/a/APKINDEX.tar.gz') });
    t.close();
    assert.equal(res.body.toString(), 'proxied');
    assert.deepEqual(seen.at(-1), {
      url: 'http://repo.example.test/a/APKINDEX.tar.gz',
      auth: `Basic ${Buffer.from('u:p').toString('base64')}`,
    });
  });

  test('https tunnels with CONNECT; a refused CONNECT is NET_PROXY_REFUSED', async () => {
    const t = new NetTransport({ env: { https_proxy: proxyUrl } });
    await assertCode(() => t.send({ method: 'GET', url: new URL('https://repo.example.test/x') }), 'NET_PROXY_REFUSED');
    t.close();
  });

  test('NO_PROXY and loopback hosts bypass the proxy', () => {
    const env = { HTTPS_PROXY: 'proxy.test:3128', NO_PROXY: '.internal.test, exact.test:8443,other.test' };
    assert.equal(proxyFor(new URL('https://repo.test/x'), env)?.host, 'proxy.test:3128');
    assert.equal(proxyFor(new URL('https://a.internal.test/x'), env), undefined);
    assert.equal(proxyFor(new URL('https://exact.test:8443/x'), env), undefined);
    assert.equal(proxyFor(new URL('https://exact.test/x'), env)?.host, 'proxy.test:3128');
    assert.equal(proxyFor(new URL('https://sub.other.test/x'), env), undefined);
    assert.equal(proxyFor(new URL('https://127.0.0.1:5000/v2/'), env), undefined);
    assert.equal(proxyFor(new URL('http://repo.test/x'), env), undefined);
    assert.equal(proxyFor(new URL('https://repo.test/x'), { ...env, NO_PROXY: '*' }), undefined);
  });
});

test('settings: defaults, then LUPINE_HTTP_* variables, then explicit options; junk is a USAGE error', async () => {
  assert.equal(netSettings({}).deadlineMs, 600_000);
  const s = netSettings({ LUPINE_HTTP_DEADLINE: '2.5', LUPINE_HTTP_MIN_RATE: '0' }, { retries: 1 });
  assert.equal(s.deadlineMs, 2500);
  assert.equal(s.minBytesPerSecond, 0);
  assert.equal(s.retries, 1);
  assert.equal(netSettings({ LUPINE_HTTP_RETRIES: '5' }, { retries: 1 }).retries, 1);
  await assertCode(() => netSettings({ LUPINE_HTTP_DEADLINE: 'soon' }), 'USAGE');
});
