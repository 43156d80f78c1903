/**
 * A slow server (headers announcing 10 MB, then one byte every 5 s) no longer hangs a command: the
 * one HTTP transport under the repository fetcher, the registry client and advisory downloads
 * enforces a minimum transfer rate and an overall deadline, both set here from the environment with
 * small values so the tests finish quickly. Asserts the error code, never a time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LupineError } from '../../src/core/index.js';
import { HttpFetcher } from '../../src/repo/index.js';
import { assertCode } from '../helpers/assert-code.js';
import { runCli } from '../helpers/cli.js';
import { baseEnv, makeRepo, standardConfig, standardPackages } from './image-build-repo.js';

let work: string;
let key: string;
let localRepo: string;
let server: Server;
let base = '';
const open = new Set<ServerResponse>();

/** `/drip/…`: 10 MB announced, one byte every 5 s. `/steady/…`: 1 KB every 20 ms, forever. */
function serve(): Promise<Server> {
  const s = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    const steady = (req.url ?? '').startsWith('/steady/');
    res.writeHead(200, { 'content-length': String(10 * 1024 * 1024), 'content-type': 'application/json' });
    const timer = setInterval(() => res.write(steady ? Buffer.alloc(1024, 0x20) : ' '), steady ? 20 : 5000);
    res.write(' ');
    res.on('close', () => clearInterval(timer));
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lupine-net-slow-'));
  localRepo = join(work, 'repo');
  key = await makeRepo(localRepo, 'x86_64', standardPackages('1.0.0-r0'));
  server = await serve();
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  for (const r of open) r.destroy();
  server.close();
  rmSync(work, { recursive: true, force: true });
});

/** Minimum rate 100 B/s over 1 s windows; the deadline left at its default. */
const slowEnv = () => ({
  ...baseEnv(),
  HOME: join(work, 'home'),
  SOURCE_DATE_EPOCH: '1710000000',
  LUPINE_HTTP_MIN_RATE: '100',
  LUPINE_HTTP_LOW_SPEED_TIME: '1',
  LUPINE_HTTP_RETRIES: '0',
});
/** A 1 s deadline with the minimum rate off. */
const deadlineEnv = () => ({ ...slowEnv(), LUPINE_HTTP_MIN_RATE: '0', LUPINE_HTTP_DEADLINE: '1' });

describe('a slow server', () => {
  test('image build fails with NET_TIMEOUT (minimum rate), and writes nothing', async () => {
    const cfg = join(work, 'slow.yaml');
    writeFileSync(cfg, standardConfig(key, `${base}/drip/repo`));
    const r = await runCli(['image', 'build', cfg, 'a:1', join(work, 'out-slow')], { cwd: work, env: slowEnv() });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /error\[NET_TIMEOUT\]/);
    assert.doesNotMatch(r.stderr, /internal error/);
  });

  test('image build fails with NET_TIMEOUT (deadline) when the server is steady but endless', async () => {
    const cfg = join(work, 'steady.yaml');
    writeFileSync(cfg, standardConfig(key, `${base}/steady/repo`));
    const r = await runCli(['image', 'build', cfg, 'a:1', join(work, 'out-steady')], {
      cwd: work,
      env: deadlineEnv(),
    });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /error\[NET_TIMEOUT\]/);
  });

  // Brief s4/A item 7: per-request limits off (a steady server meets any rate, no request deadline);
  // LUPINE_NET_TOTAL_DEADLINE bounds the whole command's network work.
  test('image build fails with NET_TIMEOUT (the command deadline) when per-request limits are off', async () => {
    const cfg = join(work, 'total.yaml');
    writeFileSync(cfg, standardConfig(key, `${base}/steady/repo`));
    const env = { ...slowEnv(), LUPINE_HTTP_MIN_RATE: '0', LUPINE_HTTP_DEADLINE: '0', LUPINE_NET_TOTAL_DEADLINE: '1' };
    const r = await runCli(['image', 'build', cfg, 'a:1', join(work, 'out-total')], { cwd: work, env });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /error\[NET_TIMEOUT\]/);
    assert.match(r.stderr, /LUPINE_NET_TOTAL_DEADLINE/);
  });

  test('lupine --help documents the command network deadline', async () => {
    const r = await runCli(['--help']);
    assert.match(r.stdout, /LUPINE_NET_TOTAL_DEADLINE/);
  });

  test('the repository fetcher takes the limits as options too', async () => {
    const f = new HttpFetcher({ minBytesPerSecond: 100, lowSpeedTimeMs: 300, retries: 0 });
    const err = await assertCode(() => f.get(`${base}/drip/x`), 'NET_TIMEOUT');
    assert.equal((err as LupineError).details.reason, 'min-rate');
    const d = new HttpFetcher({ minBytesPerSecond: 0, deadlineMs: 300, retries: 0 });
    const err2 = await assertCode(() => d.get(`${base}/steady/x`), 'NET_TIMEOUT');
    assert.equal((err2 as LupineError).details.reason, 'deadline');
  });

  test('the registry client (image push) fails with NET_TIMEOUT', async () => {
    const cfg = join(work, 'local.yaml');
    writeFileSync(cfg, standardConfig(key, localRepo));
    const layout = join(work, 'layout');
    const built = await runCli(['image', 'build', cfg, 'a:1', layout], { cwd: work, env: slowEnv() });
    assert.equal(built.code, 0, built.stderr);
    const registry = base.replace('http://', '');
    for (const env of [slowEnv(), deadlineEnv()]) {
      const r = await runCli(['image', 'push', layout, `${registry}/drip/img:1`], { cwd: work, env });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /error\[NET_TIMEOUT\]/);
    }
  });

  test('advisory downloads (scan --db URL) fail with NET_TIMEOUT', async () => {
    const layout = join(work, 'layout');
    for (const [env, path] of [
      [slowEnv(), 'drip'],
      [deadlineEnv(), 'steady'],
    ] as const) {
      const r = await runCli(
        ['scan', layout, '--db', `${base}/${path}/security.json`, '--cache-dir', join(work, `cache-${path}`)],
        { cwd: work, env },
      );
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /error\[NET_TIMEOUT\]/);
    }
  });
});
