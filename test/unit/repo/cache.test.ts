import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fixedClock, isLupineError } from '../../../src/core/index.js';
import { acquireLock, apkIndexCacheName, HttpFetcher, identityHex8, RepoCache } from '../../../src/repo/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';
import { startServer, type TestServer } from './test-server.js';

const INDEX = readFileSync(vector('apk', 'melange-x86_64-APKINDEX.tar.gz'));
const HELLO = readFileSync(vector('apk', 'hello-0.1.0-r0.apk'));
const HELLO_REF = { name: 'hello', version: '0.1.0-r0', identity: 'Q1DNWZeWkviN7MJedLpYM8yBvmnGM=' };
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const fetcher = new HttpFetcher({ backoffMs: 1, maxBackoffMs: 5 });
const identityDecode = (b: Uint8Array) => b;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lupine-cache-'));
}

/** Every file under the cache dir, recursively, relative names, sorted. */
function listing(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

test('cache names: apk index name from the repository URL, package name from the identity', () => {
  // SHA-1("https://dl-cdn.alpinelinux.org/alpine/v3.17/main")[0..4]
  const url = 'https://dl-cdn.alpinelinux.org/alpine/v3.17/main';
  const hex = createHash('sha1').update(url).digest('hex').slice(0, 8);
  assert.equal(apkIndexCacheName(url), `APKINDEX.${hex}.tar.gz`);
  assert.equal(
    identityHex8('Q1DNWZeWkviN7MJedLpYM8yBvmnGM='),
    Buffer.from('DNWZeWkviN7MJedLpYM8yBvmnGM=', 'base64').subarray(0, 4).toString('hex'),
  );
  assert.equal(identityHex8(`X1${'ab'.repeat(20)}`), 'abababab');
  assert.equal(identityHex8(''), undefined);
});

describe('RepoCache online and offline', () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    s = await startServer({
      files: { '/main/x86_64/APKINDEX.tar.gz': INDEX, '/main/x86_64/hello-0.1.0-r0.apk': HELLO },
    });
    dir = tempDir();
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const indexUrl = () => `${s.base}/main/x86_64/APKINDEX.tar.gz`;
  const pkgUrl = () => `${s.base}/main/x86_64/hello-0.1.0-r0.apk`;

  test('offline with an empty cache fails with REPO_OFFLINE naming what is missing', async () => {
    const cache = await RepoCache.open(dir);
    const err = await assertCode(
      () => cache.fetchIndex(indexUrl(), fetcher, identityDecode, { offline: true }),
      'REPO_OFFLINE',
    );
    assert.ok(isLupineError(err));
    assert.match(String(err.details.missing), /main\/x86_64\/APKINDEX\.tar\.gz/);
    assert.match(err.hint ?? '', /network/);
    const perr = await assertCode(
      () => cache.fetchPackage(pkgUrl(), HELLO_REF, fetcher, () => {}, { offline: true }),
      'REPO_OFFLINE',
    );
    assert.ok(isLupineError(perr));
    assert.match(String(perr.details.missing), /hello-0\.1\.0-r0/);
    assert.equal(s.hits.size, 0, 'offline never touches the network');
  });

  test('online fills the cache; offline then serves it without the network', async () => {
    const cache = await RepoCache.open(dir, { clock: fixedClock(1000) });
    const a = await cache.fetchIndex(indexUrl(), fetcher, identityDecode);
    assert.equal(a.fromCache, false);
    assert.ok(Buffer.from(a.bytes).equals(INDEX));
    const p = await cache.fetchPackage(pkgUrl(), HELLO_REF, fetcher, () => {});
    assert.equal(p.fromCache, false);
    const hits = [...s.hits.values()].reduce((x, y) => x + y, 0);

    const b = await cache.fetchIndex(indexUrl(), fetcher, identityDecode, { offline: true });
    assert.equal(b.fromCache, true);
    assert.ok(Buffer.from(b.bytes).equals(INDEX));
    const q = await cache.fetchPackage(pkgUrl(), HELLO_REF, fetcher, () => {}, { offline: true });
    assert.ok(Buffer.from(q.bytes).equals(HELLO));
    assert.equal(
      [...s.hits.values()].reduce((x, y) => x + y, 0),
      hits,
    );

    const name = cache.indexFileName(indexUrl());
    const files = listing(dir);
    assert.ok(files.includes(name));
    assert.ok(files.includes(name.replace('.tar.gz', '.json')));
    assert.ok(files.includes(`hello-0.1.0-r0.${identityHex8(HELLO_REF.identity)}.apk`));
    const meta = JSON.parse(readFileSync(join(dir, name.replace('.tar.gz', '.json')), 'utf8'));
    assert.equal(meta.url, indexUrl());
    assert.equal(meta.fetchedAt, 1000);
    assert.equal(meta.sha256, sha256(INDEX));
  });

  test('a fresh index is not fetched again; a stale one is revalidated with its ETag (304)', async () => {
    const path = '/main/x86_64/APKINDEX.tar.gz';
    const before = s.hits.get(path) ?? 0;
    const fresh = await RepoCache.open(dir, { clock: fixedClock(1000 + 60) });
    assert.equal((await fresh.fetchIndex(indexUrl(), fetcher, identityDecode)).fromCache, true);
    assert.equal(s.hits.get(path), before);
    const later = await RepoCache.open(dir, { clock: fixedClock(1000 + 5 * 3600) });
    const r = await later.fetchIndex(indexUrl(), fetcher, identityDecode);
    assert.equal(r.fromCache, true, '304: the cached bytes are used');
    assert.equal(s.hits.get(path), before + 1);
    const meta = JSON.parse(
      readFileSync(join(dir, later.indexFileName(indexUrl()).replace('.tar.gz', '.json')), 'utf8'),
    );
    assert.equal(meta.fetchedAt, 1000 + 5 * 3600, 'revalidation renews the fetch time');
  });

  test('a download the decoder rejects is not cached and the old copy stays', async () => {
    const cache = await RepoCache.open(dir, { clock: fixedClock(99_999) });
    s.files.set('/main/x86_64/APKINDEX.tar.gz', Buffer.from('not an index'));
    try {
      const reject = (b: Uint8Array) => {
        if (!Buffer.from(b).equals(INDEX)) throw new Error('bad signature');
        return b;
      };
      await assert.rejects(cache.fetchIndex(indexUrl(), fetcher, reject, { maxAgeSeconds: 0 }), /bad signature/);
      const kept = await cache.readIndex(indexUrl());
      assert.ok(kept && Buffer.from(kept.bytes).equals(INDEX));
    } finally {
      s.files.set('/main/x86_64/APKINDEX.tar.gz', INDEX);
    }
  });

  test('a package failing verification is not cached; a corrupt cached copy is fetched again', async () => {
    const cache = await RepoCache.open(dir);
    const other = { name: 'hello', version: '0.1.0-r0', identity: `Q1${'A'.repeat(27)}=` };
    await assert.rejects(
      cache.fetchPackage(pkgUrl(), other, fetcher, () => {
        throw new Error('identity mismatch');
      }),
      /identity mismatch/,
    );
    assert.equal(await cache.readPackage(other), undefined);

    const file = join(dir, cache.packageFileName(HELLO_REF) ?? '');
    writeFileSync(file, 'garbage');
    const before = s.hits.get('/main/x86_64/hello-0.1.0-r0.apk') ?? 0;
    const verify = (b: Uint8Array) => {
      if (sha256(b) !== sha256(HELLO)) throw new Error('not hello');
    };
    const r = await cache.fetchPackage(pkgUrl(), HELLO_REF, fetcher, verify);
    assert.equal(r.fromCache, false);
    assert.ok(readFileSync(file).equals(HELLO));
    assert.equal(s.hits.get('/main/x86_64/hello-0.1.0-r0.apk'), before + 1);
    assert.deepEqual(
      listing(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock')),
      [],
    );
  });
});

test('opening a cache removes temp files left by a killed process, but not fresh ones', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, '.APKINDEX.0badc0de.tar.gz.aaaaaa.tmp'), 'old');
    writeFileSync(join(dir, '.hello-1-r0.01020304.apk.bbbbbb.tmp'), 'in flight');
    const past = new Date(Date.now() - 2 * 3600_000);
    utimesSync(join(dir, '.APKINDEX.0badc0de.tar.gz.aaaaaa.tmp'), past, past);
    await RepoCache.open(dir);
    assert.deepEqual(listing(dir), ['.hello-1-r0.01020304.apk.bbbbbb.tmp', '.locks']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the advisory lock', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a held lock makes another taker wait, then time out with REPO_CACHE_LOCKED', async () => {
    const path = join(dir, 'a.lock');
    const held = await acquireLock(path, { owner: { pid: 1 } });
    await assertCode(() => acquireLock(path, { timeoutMs: 50 }), 'REPO_CACHE_LOCKED');
    await held.release();
    const again = await acquireLock(path, { timeoutMs: 50 });
    await again.release();
    assert.deepEqual(readdirSync(dir), []);
  });

  test('a lock whose holder is dead (same host) is broken at once', async () => {
    const path = join(dir, 'b.lock');
    writeFileSync(path, JSON.stringify({ pid: 424242, host: hostname(), token: 'dead' }));
    const warnings: string[] = [];
    const lock = await acquireLock(path, {
      owner: { pid: 1, isAlive: (pid) => pid !== 424242 },
      timeoutMs: 50,
      logger: { info() {}, debug() {}, warn: (m) => warnings.push(m) },
    });
    assert.match(warnings.join('\n'), /broke a stale lock/);
    assert.notEqual(JSON.parse(readFileSync(path, 'utf8')).token, 'dead');
    await lock.release();
  });

  test('a lock not refreshed for longer than staleMs is broken', async () => {
    const path = join(dir, 'c.lock');
    writeFileSync(path, JSON.stringify({ pid: 7, host: 'elsewhere', token: 'old' }));
    const past = new Date(Date.now() - 120_000);
    utimesSync(path, past, past);
    const lock = await acquireLock(path, { staleMs: 60_000, timeoutMs: 50 });
    await lock.release();
    assert.deepEqual(readdirSync(dir), []);
  });
});

const CHILD = `
const [repoIndex, dir, base, i, helloSha] = process.argv.slice(1);
const { RepoCache, HttpFetcher } = await import(repoIndex);
const { createHash } = await import('node:crypto');
const sha = (b) => createHash('sha256').update(b).digest('hex');
const cache = await RepoCache.open(dir, {
  lockOwner: { pid: process.pid, isAlive: (p) => { try { process.kill(p, 0); return true; } catch (e) { return e.code === 'EPERM'; } } },
});
const fetcher = new HttpFetcher({ backoffMs: 1 });
const ref = { name: 'hello', version: '0.1.0-r0', identity: 'Q1DNWZeWkviN7MJedLpYM8yBvmnGM=' };
const verify = (b) => { if (sha(b) !== helloSha) throw new Error('bad package bytes'); };
const [same, own, pkg] = await Promise.all([
  cache.fetchIndex(base + '/same/x86_64/APKINDEX.tar.gz', fetcher, (b) => b),
  cache.fetchIndex(base + '/p' + i + '/x86_64/APKINDEX.tar.gz', fetcher, (b) => b),
  cache.fetchPackage(base + '/same/x86_64/hello-0.1.0-r0.apk', ref, fetcher, verify),
]);
process.stdout.write(JSON.stringify({ same: sha(same.bytes), own: sha(own.bytes), pkg: sha(pkg.bytes) }));
`;

describe('four processes sharing one cache directory', () => {
  test('concurrent fetches of the same and different URLs all succeed, each URL downloaded once, no temp files', async () => {
    const files: Record<string, Uint8Array> = {
      '/same/x86_64/APKINDEX.tar.gz': INDEX,
      '/same/x86_64/hello-0.1.0-r0.apk': HELLO,
    };
    const own = (i: number) => Buffer.concat([INDEX, Buffer.from(`#${i}`)]);
    for (let i = 0; i < 4; i++) files[`/p${i}/x86_64/APKINDEX.tar.gz`] = own(i);
    // The shared index is held back until every process has asked for its own index, so all four
    // are inside their fetches at once and three of them must wait for the first one's lock.
    let allAsked: () => void = () => {};
    const asked = new Promise<void>((resolve) => {
      allAsked = resolve;
      setTimeout(resolve, 10_000).unref();
    });
    const seenOwn = new Set<string>();
    const gate = async (path: string) => {
      if (/^\/p\d\//.test(path)) {
        seenOwn.add(path);
        if (seenOwn.size === 4) allAsked();
      }
      if (path === '/same/x86_64/APKINDEX.tar.gz') await asked;
    };
    const s = await startServer({ files, delayMs: 20, gate });
    const dir = tempDir();
    try {
      const repoIndex = new URL('../../../src/repo/index.js', import.meta.url).href;
      const runs = [0, 1, 2, 3].map(
        (i) =>
          new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
            const child = spawn(
              process.execPath,
              ['--input-type=module', '-e', CHILD, repoIndex, dir, s.base, String(i), sha256(HELLO)],
              { stdio: ['ignore', 'pipe', 'pipe'] },
            );
            let out = '';
            let err = '';
            child.stdout.on('data', (c) => (out += c));
            child.stderr.on('data', (c) => (err += c));
            child.on('close', (code) => resolve({ code, out, err }));
          }),
      );
      const results = await Promise.all(runs);
      results.forEach((r, i) => {
        assert.equal(r.code, 0, `child ${i} failed: ${r.err}`);
        assert.deepEqual(JSON.parse(r.out), { same: sha256(INDEX), own: sha256(own(i)), pkg: sha256(HELLO) });
      });
      assert.equal(seenOwn.size, 4, 'all four processes were fetching at the same time');
      assert.equal(s.hits.get('/same/x86_64/APKINDEX.tar.gz'), 1, 'the shared index was downloaded once');
      assert.equal(s.hits.get('/same/x86_64/hello-0.1.0-r0.apk'), 1, 'the shared package was downloaded once');
      for (let i = 0; i < 4; i++) assert.equal(s.hits.get(`/p${i}/x86_64/APKINDEX.tar.gz`), 1);
      const left = listing(dir);
      assert.deepEqual(
        left.filter((f) => f.endsWith('.tmp') || f.endsWith('.lock') || f.includes('stale')),
        [],
        `leftovers: ${left.join(', ')}`,
      );
      assert.equal(left.filter((f) => /^APKINDEX\.[0-9a-f]{8}\.tar\.gz$/.test(f)).length, 5);
      assert.equal(left.filter((f) => f.endsWith('.apk')).length, 1);
      const cache = await RepoCache.open(dir);
      for (let i = 0; i < 4; i++) {
        const c = await cache.readIndex(`${s.base}/p${i}/x86_64/APKINDEX.tar.gz`);
        assert.ok(c && Buffer.from(c.bytes).equals(own(i)));
      }
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The child script imports the compiled module by URL; make sure that path exists in this build.
test('the child script finds the compiled repo module', () => {
  const p = fileURLToPath(new URL('../../../src/repo/index.js', import.meta.url));
  assert.ok(readFileSync(p).length > 0);
});
