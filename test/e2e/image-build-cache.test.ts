/**
 * Caching: with --cache-dir, a rebuild of an unchanged image from an HTTP repository on 127.0.0.1
 * makes no request at all (indexes from the cache, the installed package set from the root cache
 * keyed by identities, the layer from the layer cache), gives the same digest as the cold build
 * that installed everything, and --offline builds from the cache alone.
 */
import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { baselayout, dir, file, makeRepo } from './image-build-repo.js';

let work: string;
let server: Server;
let requests: string[] = [];
let url: string;
let key: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lupine-image-cache-'));
  const repo = join(work, 'repo');
  key = await makeRepo(repo, 'x86_64', [
    baselayout(),
    {
      name: 'app',
      depends: ['test-baselayout'],
      files: [dir('usr'), dir('usr/bin'), file('usr/bin/app', 'app\n', 0o755)],
    },
  ]);
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const path = join(repo, decodeURIComponent((req.url ?? '/').split('?')[0] as string));
    if (!path.startsWith(repo) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': statSync(path).size });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});

describe('a warm rebuild touches no network', () => {
  const build = async (out: string, extra: string[] = []) => {
    const cfg = join(work, 'image.yaml');
    writeFileSync(
      cfg,
      `contents:\n  keyring: [${key}]\n  repositories: [${url}]\n  packages: [app]\nentrypoint:\n  command: /usr/bin/app\narchs: [x86_64]\n`,
    );
    return runCli(['image', 'build', cfg, 'app:1', join(work, out), '--cache-dir', join(work, 'cache'), ...extra], {
      cwd: work,
      env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' },
    });
  };

  test('cold build fetches, warm build and --offline build fetch nothing and give the same digest', async () => {
    requests = [];
    const cold = await build('cold');
    assert.equal(cold.code, 0, cold.stderr);
    assert.ok(
      requests.some((r) => r.endsWith('/x86_64/APKINDEX.tar.gz')),
      requests.join(' '),
    );
    assert.ok(
      requests.some((r) => r.endsWith('/x86_64/app-1.0.0-r0.apk')),
      requests.join(' '),
    );

    // The installed set is cached by identity: one entry, reused below.
    assert.equal(readdirSync(join(work, 'cache', 'roots')).length, 1);

    requests = [];
    const warm = await build('warm');
    assert.equal(warm.code, 0, warm.stderr);
    assert.deepEqual(requests, []);
    assert.equal(warm.stdout, cold.stdout);

    const offline = await build('offline', ['--offline']);
    assert.equal(offline.code, 0, offline.stderr);
    assert.deepEqual(requests, []);
    assert.equal(offline.stdout, cold.stdout);
  });
});
