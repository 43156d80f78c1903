import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseLock } from '../../../src/image/index.js';
import { runCli } from '../../helpers/cli.js';
import { vector } from '../../helpers/paths.js';

const golden = vector('apko', 'golden-testdata');
const goldenLock = parseLock(readFileSync(join(golden, 'apko.lock.json'), 'utf8'));

/** The golden packages and key over plain HTTP on 127.0.0.1; counts requests. */
async function serveGolden(): Promise<{ base: string; requests: string[]; stop(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    requests.push(path);
    try {
      const body = readFileSync(join(golden, path));
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('lupine image lock against an http repository', () => {
  let work = '';
  let srv: Awaited<ReturnType<typeof serveGolden>>;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lupine-image-lock-http-'));
    srv = await serveGolden();
    writeFileSync(
      join(work, 'remote.yaml'),
      `contents:\n  keyring: [${srv.base}/packages/melange.rsa.pub]\n  repositories: [${srv.base}/packages/]\n  packages: [replayout]\narchs: [x86_64, aarch64]\n`,
    );
  });
  after(async () => {
    await srv?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('names repositories and keys without the scheme, as apko does, and measures the same packages', async () => {
    const r = await runCli(['image', 'lock', 'remote.yaml', '--cache-dir', 'cache'], { cwd: work, env: {} });
    assert.equal(r.code, 0, r.stderr);
    const lock = parseLock(readFileSync(join(work, 'remote.lock.json'), 'utf8'));
    const host = srv.base.slice('http://'.length);
    assert.deepEqual(lock.contents.keyring, [
      {
        name: `${host}/packages/melange.rsa.pub`,
        url: `${srv.base}/packages/melange.rsa.pub`,
        content: readFileSync(join(golden, 'packages', 'melange.rsa.pub'), 'utf8'),
      },
    ]);
    assert.deepEqual(lock.contents.repositories, [
      { name: `${host}/packages/x86_64`, url: `${srv.base}/packages/x86_64/APKINDEX.tar.gz`, architecture: 'x86_64' },
      {
        name: `${host}/packages/aarch64`,
        url: `${srv.base}/packages/aarch64/APKINDEX.tar.gz`,
        architecture: 'aarch64',
      },
    ]);
    // Everything but the URL is what apko measured from the same files.
    assert.deepEqual(
      lock.contents.packages.map((p) => ({ ...p, url: p.url.replace(srv.base, '.') })),
      goldenLock.contents.packages.map((p) => ({ ...p, url: p.url.replace('./testdata', '.') })),
    );
    assert.equal(lock.config?.name, 'remote.yaml');
  });

  it('locks again offline from the cache, without asking the server', async () => {
    const before = srv.requests.length;
    const r = await runCli(
      ['image', 'lock', 'remote.yaml', '--cache-dir', 'cache', '--offline', '--output', 'offline.json'],
      {
        cwd: work,
        env: {},
      },
    );
    assert.equal(r.code, 0, r.stderr);
    // The key is config, not cache: it is read again; indexes and packages are not.
    assert.deepEqual(srv.requests.slice(before), ['/packages/melange.rsa.pub']);
    assert.equal(
      readFileSync(join(work, 'offline.json'), 'utf8'),
      readFileSync(join(work, 'remote.lock.json'), 'utf8'),
    );
  });
});
