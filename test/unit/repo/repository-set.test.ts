import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  defaultFetcher,
  FileFetcher,
  HttpFetcher,
  loadKeyring,
  parseRepositories,
  RepoCache,
  RepositorySet,
  type RepositorySetOptions,
  routingFetcher,
} from '../../../src/repo/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';
import { startServer, type TestServer } from './test-server.js';

const MELANGE_INDEX = readFileSync(vector('apk', 'melange-x86_64-APKINDEX.tar.gz'));
const ABUILD_INDEX = readFileSync(vector('apk', 'rsa256-abuild-APKINDEX.tar.gz'));
const PRETEND = readFileSync(vector('apk', 'pretend-baselayout-1.0.0-r0.apk'));
const BASELAYOUT = readFileSync(vector('apk', 'alpine-baselayout-3.2.0-r23.apk'));
const HELLO = readFileSync(vector('apk', 'hello-0.1.0-r0.apk'));
const fetcher = defaultFetcher({ backoffMs: 1, maxBackoffMs: 5 });

describe('loadKeyring', () => {
  test('loads every *.rsa.pub of a directory, keyed by file name', async () => {
    const keys = await loadKeyring([vector('apk')]);
    assert.deepEqual([...keys.keys()].sort(), [
      'alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub',
      'chainguard-0106f58bac88057c2ff5c2829850df492717a876ed700443550353c7ab23f5a0.rsa.pub',
      'melange.rsa.pub',
      'test-rsa256.rsa.pub',
    ]);
    assert.equal(keys.get('melange.rsa.pub')?.asymmetricKeyType, 'rsa');
  });

  test('a missing directory is skipped unless required; a bad key file is APK_BAD_KEY', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lupine-keys-'));
    try {
      assert.equal((await loadKeyring([join(dir, 'none'), vector('apk')])).size, 4);
      await assertCode(() => loadKeyring([join(dir, 'none')], { requireDirs: true }), 'IO_ERROR');
      writeFileSync(join(dir, 'broken.rsa.pub'), '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n');
      await assertCode(() => loadKeyring([dir]), 'APK_BAD_KEY');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the first directory wins for a name present in two', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lupine-keys-'));
    try {
      copyFileSync(vector('apk', 'test-rsa256.rsa.pub'), join(dir, 'melange.rsa.pub'));
      const keys = await loadKeyring([dir, vector('apk')]);
      const fromDir = await loadKeyring([vector('apk')]);
      assert.ok(keys.get('melange.rsa.pub')?.equals(fromDir.get('test-rsa256.rsa.pub') as never));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RepositorySet over HTTP, a local directory and a cache', () => {
  let s: TestServer;
  let tmp: string;
  let local: string;
  let cacheDir: string;
  before(async () => {
    s = await startServer({
      files: {
        '/wolfi/x86_64/APKINDEX.tar.gz': MELANGE_INDEX,
        '/wolfi/x86_64/pretend-baselayout-1.0.0-r0.apk': PRETEND,
        // a different package under the name the index promises
        '/wolfi/x86_64/replayout-1.0.0-r0.apk': HELLO,
        '/alpine/aarch64/APKINDEX.tar.gz': ABUILD_INDEX,
        '/alpine/aarch64/alpine-baselayout-3.2.0-r23.apk': BASELAYOUT,
      },
      user: 'ci',
      password: 'pw',
    });
    tmp = mkdtempSync(join(tmpdir(), 'lupine-repos-'));
    local = join(tmp, 'local');
    mkdirSync(join(local, 'x86_64'), { recursive: true });
    writeFileSync(join(local, 'x86_64', 'APKINDEX.tar.gz'), MELANGE_INDEX);
    writeFileSync(join(local, 'x86_64', 'pretend-baselayout-1.0.0-r0.apk'), PRETEND);
    cacheDir = join(tmp, 'cache');
  });
  after(async () => {
    await s.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const options = async (over: Partial<RepositorySetOptions> = {}): Promise<RepositorySetOptions> => ({
    arch: 'x86_64',
    fetcher,
    cache: await RepoCache.open(cacheDir),
    keys: await loadKeyring([vector('apk')]),
    ...over,
  });
  const reposText = () => `http://ci:pw@127.0.0.1:${s.port}/wolfi\n@local ${local}\n`;

  test('loads every repository in order, verifying each index signature', async () => {
    const set = new RepositorySet(await options());
    const repos = await set.load(parseRepositories(reposText()));
    assert.deepEqual(
      repos.map((r) => [
        r.url.replace(String(s.port), 'PORT'),
        r.tag,
        r.scheme,
        r.fromCache,
        r.packages.map((p) => p.name),
      ]),
      [
        [
          'http://ci:pw@127.0.0.1:PORT/wolfi',
          undefined,
          'http',
          false,
          ['custom-ca-certs-1', 'custom-ca-certs-2', 'pretend-baselayout', 'replayout'],
        ],
        [local, 'local', 'path', false, ['custom-ca-certs-1', 'custom-ca-certs-2', 'pretend-baselayout', 'replayout']],
      ],
    );
    // the remote index is cached (without the password in its metadata); the local one is read in place
    const files = readdirSync(cacheDir);
    assert.equal(files.filter((f) => /^APKINDEX\.[0-9a-f]{8}\.tar\.gz$/.test(f)).length, 1);
    const meta = readFileSync(join(cacheDir, files.find((f) => f.endsWith('.json')) ?? ''), 'utf8');
    assert.equal(meta.includes(':pw@'), false);
  });

  test('fetchPackage returns the verified bytes, from the repository then from the cache', async () => {
    const set = new RepositorySet(await options());
    const [remote, loc] = await set.load(parseRepositories(reposText()));
    assert.ok(remote && loc);
    const pkg = remote.packages.find((p) => p.name === 'pretend-baselayout');
    assert.ok(pkg);
    const path = '/wolfi/x86_64/pretend-baselayout-1.0.0-r0.apk';
    assert.ok(Buffer.from(await set.fetchPackage(remote, pkg)).equals(PRETEND));
    assert.equal(s.hits.get(path), 1);
    assert.ok(Buffer.from(await set.fetchPackage(remote, pkg)).equals(PRETEND));
    assert.equal(s.hits.get(path), 1, 'second fetch served by the cache');
    assert.ok(Buffer.from(await set.fetchPackage(loc, pkg)).equals(PRETEND));
  });

  test('a package whose bytes are not the one the index lists is APK_BAD_IDENTITY and not cached', async () => {
    const set = new RepositorySet(await options());
    const [remote] = await set.load(parseRepositories(reposText()));
    assert.ok(remote);
    const pkg = remote.packages.find((p) => p.name === 'replayout');
    assert.ok(pkg);
    await assertCode(() => set.fetchPackage(remote, pkg), 'APK_BAD_IDENTITY');
    assert.equal(readdirSync(cacheDir).filter((f) => f.startsWith('replayout')).length, 0);
  });

  test('--no-network: cached remote and local repositories load; a miss is REPO_OFFLINE', async () => {
    const hits = [...s.hits.values()].reduce((a, b) => a + b, 0);
    const set = new RepositorySet(await options({ offline: true }));
    const repos = await set.load(parseRepositories(reposText()));
    assert.equal(repos[0]?.fromCache, true);
    const pkg = repos[0]?.packages.find((p) => p.name === 'pretend-baselayout');
    assert.ok(repos[0] && pkg);
    assert.ok(Buffer.from(await set.fetchPackage(repos[0], pkg)).equals(PRETEND));
    const missing = repos[0].packages.find((p) => p.name === 'custom-ca-certs-1');
    assert.ok(missing);
    await assertCode(() => set.fetchPackage(repos[0] as never, missing), 'REPO_OFFLINE');
    const other = new RepositorySet(await options({ offline: true, arch: 'aarch64' }));
    await assertCode(() => other.load(parseRepositories(`http://127.0.0.1:${s.port}/alpine\n`)), 'REPO_OFFLINE');
    assert.equal(
      [...s.hits.values()].reduce((a, b) => a + b, 0),
      hits,
      'nothing went to the network',
    );
  });

  test('an index signed by no trusted key is INDEX_UNTRUSTED unless untrusted indexes are allowed', async () => {
    const entries = parseRepositories(`${local}\n`);
    await assertCode(
      () => new RepositorySet({ arch: 'x86_64', fetcher, keys: new Map() }).load(entries),
      'INDEX_UNTRUSTED',
    );
    const repos = await new RepositorySet({ arch: 'x86_64', fetcher, keys: new Map(), allowUntrusted: true }).load(
      entries,
    );
    assert.equal(repos[0]?.packages.length, 4);
  });

  test('a tampered index is INDEX_BAD_SIGNATURE and does not replace the cached copy', async () => {
    const good = await options({ maxIndexAgeSeconds: 0 });
    const entries = parseRepositories(reposText()).slice(0, 1);
    const tampered = Buffer.from(MELANGE_INDEX);
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] ?? 0) ^ 0xff;
    s.files.set('/wolfi/x86_64/APKINDEX.tar.gz', tampered);
    try {
      await assertCode(() => new RepositorySet(good).load(entries), 'INDEX_BAD_SIGNATURE');
    } finally {
      s.files.set('/wolfi/x86_64/APKINDEX.tar.gz', MELANGE_INDEX);
    }
    const offline = await new RepositorySet(await options({ offline: true })).load(entries);
    assert.equal(offline[0]?.packages.length, 4, 'the good cached copy is still there');
  });

  test('a real abuild-signed aarch64 index and its Alpine package, via HTTP_AUTH', async () => {
    const http = new HttpFetcher({ backoffMs: 1, env: { HTTP_AUTH: `basic:127.0.0.1:ci:pw` } });
    const set = new RepositorySet(
      await options({ arch: 'aarch64', fetcher: routingFetcher({ http, file: new FileFetcher() }) }),
    );
    const [repo] = await set.load(parseRepositories(`http://127.0.0.1:${s.port}/alpine\n`));
    assert.ok(repo);
    const pkg = repo.packages[0];
    assert.ok(pkg);
    assert.equal(pkg.identity, 'Q1LLq2qDNrS/qRnhxQ3hsY/sHbQnc=');
    assert.ok(Buffer.from(await set.fetchPackage(repo, pkg)).equals(BASELAYOUT));
    assert.ok(
      readdirSync(cacheDir).includes(
        `alpine-baselayout-3.2.0-r23.${Buffer.from('LLq2qDNrS/qRnhxQ3hsY/sHbQnc=', 'base64').subarray(0, 4).toString('hex')}.apk`,
      ),
    );
  });
});
