/**
 * Issue 11 finding 3: a package version such as `1.0-r0/../../../../outside/pwn` must be refused at
 * every boundary: reading a package, `lupine index`, reading an index served over HTTP, and the cache
 * (which must never build a file name holding `/`). A sentinel directory where the traversal would
 * land is hashed before and after.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { emptyPackageInfo, type PackageInfo, parsePrivateKey, writePackage } from '../../src/apk/index.js';
import { gzipMember, readGzipMembers } from '../../src/archive/index.js';
import { digest, fixedClock } from '../../src/core/index.js';
import { apkIndexTar, parseApkIndexText, RepoCache, signApkIndexArchive } from '../../src/repo/index.js';
import { makeTestRepo, type TestRepo } from '../helpers/apk-repo.js';
import { runCli, spawnCliAsync } from '../helpers/cli.js';
import { type ServedRepo, serveRepoDir } from '../helpers/repo-server.js';
import { hashTree, tempRoot } from '../unit/install/fixtures.js';

const EVIL_VERSION = '1.0-r0/../../../../outside/pwn';

/** Serves the index at its place and the evil package at whatever path the client asks for. */
function serve(dir: string, apk: string): Promise<ServedRepo> {
  return serveRepoDir(dir, (rel, _req, res) => {
    if (!rel.endsWith('.apk')) return false;
    const body = readFileSync(apk);
    res.writeHead(200, { 'content-length': body.length }).end(body);
    return true;
  });
}

describe('a package version with a path in it (issue 11 finding 3)', () => {
  const base = tempRoot('hostile-version');
  // The cache sits four levels below `x`: the version's `../../../../outside` lands in x/outside.
  const cache = join(base, 'x', 'y', 'z', 'cache');
  const sentinel = join(base, 'x', 'outside');
  let repo: TestRepo;
  let served: ServedRepo;
  let evilApk = '';

  before(async () => {
    mkdirSync(cache, { recursive: true });
    mkdirSync(sentinel, { recursive: true });
    writeFileSync(join(sentinel, 'keep.txt'), 'host file\n');
    repo = await makeTestRepo(base);
    const info: PackageInfo = { ...emptyPackageInfo('pwn', EVIL_VERSION), arch: 'x86_64', description: 'evil' };
    const bytes = writePackage({
      files: [{ path: 'pwned', type: 'file', data: Buffer.from('x\n') }],
      info,
      clock: fixedClock(1700000000),
      signingKey: { key: parsePrivateKey(readFileSync(repo.keyFile, 'utf8'), repo.keyFile), keyName: repo.keyName },
    });
    evilApk = join(base, 'pwn.apk');
    writeFileSync(evilApk, bytes);
    // A signed index naming it, written the way an attacker would (without lupine index's checks).
    const [, control] = readGzipMembers(bytes);
    const identity = `Q1${digest('sha1', bytes.subarray(control?.start, control?.end)).toString('base64')}`;
    const tar = apkIndexTar([{ ...info, identity, size: bytes.length, installedSize: 2 }]);
    const key = parsePrivateKey(readFileSync(repo.keyFile, 'utf8'), repo.keyFile);
    const index = signApkIndexArchive(gzipMember(tar), { key, keyName: repo.keyName });
    writeFileSync(join(repo.dir, 'x86_64', 'APKINDEX.tar.gz'), index);
    served = await serve(repo.dir, evilApk);
  });
  after(async () => {
    await served.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('lupine index refuses the package with APK_BAD_VERSION and writes no index', async () => {
    const out = join(base, 'idx', 'APKINDEX.tar.gz');
    const r = await runCli(['index', '-o', out, '--keys-dir', repo.keysDir, evilApk]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /APK_BAD_VERSION|not a valid version/);
    assert.ok(!existsSync(out));
  });

  it('lupine verify and inspect refuse it', async () => {
    const v = await runCli(['verify', '--keys-dir', repo.keysDir, evilApk]);
    assert.equal(v.code, 1);
    assert.match(v.stdout, /\[APK_BAD_VERSION\]/);
    const i = await runCli(['inspect', evilApk]);
    assert.notEqual(i.code, 0);
    assert.match(i.stderr, /not a valid version/);
  });

  it('apk add from an HTTP repository refuses the index entry and writes nothing outside the cache', async () => {
    const before = hashTree(join(base, 'x'), ['y']);
    const root = join(base, 'root');
    mkdirSync(root);
    const url = `http://127.0.0.1:${served.port}/repo`;
    const r = await spawnCliAsync([
      'apk',
      '--root',
      root,
      '--initdb',
      '-X',
      url,
      '--keys-dir',
      repo.keysDir,
      '--arch',
      'x86_64',
      '--cache-dir',
      cache,
      'add',
      'pwn',
    ]);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /not a valid version/);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.equal(hashTree(join(base, 'x'), ['y']), before, 'nothing changed outside the cache');
    assert.deepEqual(readdirSync(sentinel), ['keep.txt']);
    assert.ok(!existsSync(join(root, 'pwned')));
  });

  it('the cache never builds a file name holding a path separator', async () => {
    const c = await RepoCache.open(cache);
    assert.throws(
      () => c.packageFileName({ name: 'pwn', version: EVIL_VERSION, identity: 'Q1AAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }),
      (e: Error & { code?: string }) => e.code === 'APK_BAD_VERSION',
    );
    assert.throws(
      () => c.packageFileName({ name: '../pwn', version: '1.0-r0', identity: 'Q1AAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }),
      (e: Error & { code?: string }) => e.code === 'APK_BAD_PKGINFO',
    );
  });

  // Brief s4/A item 3: apk's limits on names hold at every boundary. A name is a file-name
  // component (at most 255 bytes) and `name-version.<8 hex>.apk` must fit one as a cache entry.
  it('names over 255 bytes and name-versions too long for a cache file name are refused', async () => {
    const long = 'n'.repeat(256);
    const longVersion = `1.${'0'.repeat(240)}-r0`;
    assert.throws(
      () => parseApkIndexText(`C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:${long}\nV:1.0-r0\n\n`),
      (e: Error & { code?: string }) => e.code === 'INDEX_MALFORMED',
    );
    assert.throws(
      () => parseApkIndexText(`C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:x\nV:${longVersion}\n\n`),
      (e: Error & { code?: string }) => e.code === 'INDEX_MALFORMED',
    );
    const c = await RepoCache.open(cache);
    assert.throws(
      () => c.packageFileName({ name: long, version: '1.0-r0', identity: 'Q1AAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }),
      (e: Error & { code?: string }) => e.code === 'APK_BAD_PKGINFO',
    );
    assert.throws(
      () => c.packageFileName({ name: 'x', version: longVersion, identity: 'Q1AAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }),
      (e: Error & { code?: string }) => e.code === 'APK_BAD_VERSION',
    );
    // The longest that fits is still accepted.
    const fits = 'n'.repeat(255 - '-1.0-r0.01234567.apk'.length);
    assert.match(
      c.packageFileName({ name: fits, version: '1.0-r0', identity: `Q1${Buffer.alloc(20).toString('base64')}` }) ?? '',
      /\.apk$/,
    );
  });
});
