/**
 * Credentials in a repository URL (`http://user:PW@host/…`) are used to fetch and never written or
 * shown: not in the image's `etc/apk/repositories` or `etc/lupine.json`, not in `image lock`, not in
 * `show-config` / `show-packages`, not in an SBOM. Build-only repositories (`build_repositories`)
 * never reach the image. `image push user:PW@host/repo` does not echo the password.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { runCli } from '../helpers/cli.js';
import { baseEnv, layerEntries, makeRepo, standardConfig, standardPackages } from './image-build-repo.js';

const USER = 'alice';
const PASSWORD = 'Pw-7f3a91c2e';

let work: string;
let key: string;
let server: Server;
let url: string;

function serve(dir: string): Promise<Server> {
  const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  const s = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401).end('unauthorized');
      return;
    }
    const rel = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^\/repo\//, '');
    try {
      const body = readFileSync(join(dir, rel));
      res.writeHead(200, { 'content-length': body.length }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

/** Every file under `dir` (gzip members inflated) that contains the password. */
function leaks(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        walk(p);
        continue;
      }
      let bytes = readFileSync(p);
      if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
      if (bytes.includes(PASSWORD)) found.push(p);
    }
  };
  walk(dir);
  return found;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lupine-image-creds-'));
  const repo = join(work, 'repo');
  key = await makeRepo(repo, 'x86_64', standardPackages('1.0.0-r0'));
  server = await serve(repo);
  url = `http://${USER}:${PASSWORD}@127.0.0.1:${(server.address() as AddressInfo).port}/repo`;
});
after(() => {
  server.close();
  rmSync(work, { recursive: true, force: true });
});

const env = () => ({ ...baseEnv(), SOURCE_DATE_EPOCH: '1710000000', HOME: join(work, 'home') });

describe('credentials in repository URLs', () => {
  test('are used to fetch but never written into the image, the lock, SBOMs or shown', async () => {
    const cfg = join(work, 'creds.yaml');
    writeFileSync(cfg, standardConfig(key, url));
    const out = join(work, 'layout');
    const sboms = join(work, 'sboms');
    const built = await runCli(['image', 'build', cfg, 'test/app:1', out, '--sbom-path', sboms], {
      cwd: work,
      env: env(),
    });
    assert.equal(built.code, 0, built.stderr);
    const { layers } = layerEntries(out);
    const file = (p: string) => layers.map((l) => l.get(p)?.data.toString()).find((d) => d !== undefined) ?? '';
    const repositories = file('etc/apk/repositories');
    assert.match(repositories, /127\.0\.0\.1/);
    assert.doesNotMatch(repositories, new RegExp(PASSWORD));
    assert.doesNotMatch(repositories, new RegExp(`${USER}@`));
    assert.doesNotMatch(file('etc/lupine.json'), new RegExp(PASSWORD));
    assert.deepEqual(leaks(out), []);
    assert.deepEqual(leaks(sboms), []);
    assert.doesNotMatch(built.stdout + built.stderr, new RegExp(PASSWORD));

    const lockPath = join(work, 'creds.lock.json');
    const lock = await runCli(['image', 'lock', cfg, '--output', lockPath], { cwd: work, env: env() });
    assert.equal(lock.code, 0, lock.stderr);
    assert.doesNotMatch(readFileSync(lockPath, 'utf8'), new RegExp(PASSWORD));
    assert.match(readFileSync(lockPath, 'utf8'), /127\.0\.0\.1/);

    // The stripped lock still builds: the credentials come from the config's repository URL.
    const fromLock = await runCli(
      ['image', 'build', cfg, 'test/app:1', join(work, 'from-lock'), '--lockfile', lockPath],
      {
        cwd: work,
        env: env(),
      },
    );
    assert.equal(fromLock.code, 0, fromLock.stderr);
    assert.deepEqual(leaks(join(work, 'from-lock')), []);

    for (const argv of [
      ['image', 'show-config', cfg],
      ['image', 'show-packages', cfg],
      ['image', 'dot', cfg],
    ]) {
      const r = await runCli(argv, { cwd: work, env: env() });
      assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stdout + r.stderr, new RegExp(PASSWORD), argv.join(' '));
    }
    const tar = join(work, 'rootfs.tar');
    const mini = await runCli(['image', 'build-minirootfs', cfg, tar], { cwd: work, env: env() });
    assert.equal(mini.code, 0, mini.stderr);
    assert.equal(readFileSync(tar).includes(PASSWORD), false);
  });

  test('a build-only repository is used to resolve and never written into the image', async () => {
    const cfg = join(work, 'build-only.yaml');
    const text = standardConfig(key, url).replace(
      `  repositories:\n    - ${url}\n`,
      `  build_repositories:\n    - ${url}\n  runtime_repositories:\n    - https://runtime.invalid/repo\n`,
    );
    assert.notEqual(text, standardConfig(key, url));
    writeFileSync(cfg, text);
    const out = join(work, 'build-only');
    const built = await runCli(['image', 'build', cfg, 'test/app:1', out], { cwd: work, env: env() });
    assert.equal(built.code, 0, built.stderr);
    const { layers } = layerEntries(out);
    const repositories = layers.map((l) => l.get('etc/apk/repositories')?.data.toString()).find(Boolean) ?? '';
    assert.equal(repositories, 'https://runtime.invalid/repo\n');
    assert.deepEqual(leaks(out), []);
  });

  test('image push to user:PW@host/repo does not echo the password', async () => {
    const refused = await runCli(['image', 'push', join(work, 'layout'), `${USER}:${PASSWORD}@127.0.0.1:1/x/y:1`], {
      cwd: work,
      env: env(),
    });
    assert.notEqual(refused.code, 0);
    assert.notEqual(refused.code, 70, refused.stderr);
    assert.doesNotMatch(refused.stdout + refused.stderr, new RegExp(PASSWORD));
  });
});
