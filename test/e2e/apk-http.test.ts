/**
 * `lupine apk` against a repository served over HTTP on 127.0.0.1 with basic auth: credentials from
 * the URL and from HTTP_AUTH, a wrong password, and four concurrent processes sharing one cache.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTestRepo, packageGeneration, type TestRepo } from '../helpers/apk-repo.js';
import { runCli, spawnCliAsync } from '../helpers/cli.js';
import { type ServedRepo, serveRepoDir } from '../helpers/repo-server.js';
import { hashTree, tempRoot } from '../unit/install/fixtures.js';

const USER = 'alice';
const PASSWORD = 's3cret:pw';

/** Serves `dir` under /repo/ to requests with the right basic credentials; counts GETs per path. */
function serveRepo(dir: string): Promise<ServedRepo> {
  const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  return serveRepoDir(dir, (_rel, req, res) => {
    if (req.headers.authorization === expected) return false;
    res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end('unauthorized');
    return true;
  });
}

describe('apk over HTTP with basic auth', () => {
  const base = tempRoot('apk-http');
  let repo: TestRepo;
  let served: ServedRepo;
  let url = '';
  const env = { PATH: process.env.PATH, HOME: join(base, 'home'), SOURCE_DATE_EPOCH: '0' };
  const newRoot = (name: string) => {
    const r = join(base, name);
    mkdirSync(r);
    return r;
  };
  const common = () => ['--keys-dir', repo.keysDir, '--arch', 'x86_64'];

  before(async () => {
    repo = await makeTestRepo(base);
    await repo.add(packageGeneration(4, 1));
    served = await serveRepo(repo.dir);
    url = `http://127.0.0.1:${served.port}/repo`;
  });
  after(async () => {
    await served.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('installs with the credentials in the repository URL', async () => {
    const root = newRoot('url-creds');
    const withCreds = `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${served.port}/repo`;
    const r = await runCli(
      ['apk', '--root', root, '--initdb', '-X', withCreds, ...common(), '--cache-dir', join(base, 'c1'), 'add', 'meta'],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trimEnd().split('\n').at(-1), 'OK: 0 MiB in 5 packages');
    assert.equal(readFileSync(join(root, 'usr/share/lib03/data.txt'), 'utf8'), 'lib03 generation 1\n');
  });

  it('installs with HTTP_AUTH=basic:HOST:USER:PASS, and the cache keeps what it fetched', async () => {
    const root = newRoot('http-auth');
    const cache = join(base, 'c2');
    const r = await runCli(
      ['apk', '--root', root, '--initdb', '-X', url, ...common(), '--cache-dir', cache, 'add', 'meta'],
      {
        env: { ...env, HTTP_AUTH: `basic:127.0.0.1:${USER}:${PASSWORD}` },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n').filter((l) => / Installing /.test(l)).length, 5);
    const cached = readdirSync(cache).filter((f) => f.endsWith('.apk'));
    assert.equal(cached.length, 5);
    assert.ok(
      cached.every((f) => /^(lib\d\d|meta)-1\.0-r0\.[0-9a-f]{8}\.apk$/.test(f)),
      cached.join(' '),
    );
  });

  it('--no-network installs from the cache alone, without asking the server', async () => {
    const root = newRoot('offline');
    const before = [...served.gets.values()].reduce((a, b) => a + b, 0);
    const r = await runCli(
      [
        'apk',
        '--root',
        root,
        '--initdb',
        '-X',
        url,
        ...common(),
        '--cache-dir',
        join(base, 'c2'),
        '--no-network',
      ].concat(['add', 'meta']),
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      [...served.gets.values()].reduce((a, b) => a + b, 0),
      before,
    );
  });

  it('cache download fills a cache with world’s packages; cache clean drops what no repository has', async () => {
    const root = join(base, 'url-creds');
    const cache = join(base, 'c4');
    const apk = (...a: string[]) =>
      runCli(['apk', '--root', root, '-X', url, ...common(), '--cache-dir', cache, ...a], {
        env: { ...env, HTTP_AUTH: `basic:127.0.0.1:${USER}:${PASSWORD}` },
      });
    const d = await apk('cache', 'download');
    assert.equal(d.code, 0, d.stderr);
    const apks = () =>
      readdirSync(cache)
        .filter((f) => f.endsWith('.apk'))
        .sort();
    assert.equal(apks().length, 5);
    writeFileSync(join(cache, 'gone-1.0-r0.0123abcd.apk'), 'stale');
    writeFileSync(join(cache, 'APKINDEX.deadbeef.tar.gz'), 'stale');
    // A directory that is not ours (a careless --cache-dir): apk unlinks, never recurses.
    mkdirSync(join(cache, 'not-ours', 'sub'), { recursive: true });
    writeFileSync(join(cache, 'not-ours', 'sub', 'work'), 'precious\n');
    mkdirSync(join(cache, 'empty-dir'));
    const c = await apk('-v', '-v', 'cache', 'clean');
    assert.equal(c.code, 0, c.stderr);
    assert.equal(
      c.stdout,
      'deleting APKINDEX.deadbeef.tar.gz\ndeleting empty-dir\ndeleting gone-1.0-r0.0123abcd.apk\n',
    );
    assert.equal(apks().length, 5);
    assert.equal(readFileSync(join(cache, 'not-ours', 'sub', 'work'), 'utf8'), 'precious\n');
    assert.ok(!existsSync(join(cache, 'empty-dir')));
    const none = await runCli(['apk', '--root', root, '--no-cache', 'cache', 'sync'], { env });
    assert.equal(none.code, 1);
    assert.equal(none.stderr, 'ERROR: Package cache is not enabled.\n');
  });

  it('a wrong password is REPO_UNAUTHORIZED, clearly, and changes nothing', async () => {
    const root = newRoot('wrong');
    const h = hashTree(root);
    const wrong = `http://${USER}:nope@127.0.0.1:${served.port}/repo`;
    const r = await runCli(
      ['apk', '--root', root, '--initdb', '-X', wrong, ...common(), '--cache-dir', join(base, 'c3'), 'add', 'meta'],
      { env },
    );
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /error\[REPO_UNAUTHORIZED\]: HTTP 401 from http:\/\/alice:\*\*\*@127\.0\.0\.1:\d+\/repo\//);
    assert.doesNotMatch(r.stderr, /nope/);
    assert.match(r.stderr, /hint: .*credentials/);
    assert.equal(hashTree(root), h);
  });

  it('four concurrent bin/lupine processes sharing one cache all succeed; each file is downloaded once', async () => {
    served.gets.clear();
    const cache = join(base, 'shared-cache');
    const roots = [1, 2, 3, 4].map((i) => newRoot(`concurrent-${i}`));
    const results = await Promise.all(
      roots.map((root) =>
        spawnCliAsync(
          ['apk', '--root', root, '--initdb', '-X', url, ...common(), '--cache-dir', cache, 'add', 'meta'],
          {
            ...env,
            HTTP_AUTH: `basic:127.0.0.1:${USER}:${PASSWORD}`,
          },
        ),
      ),
    );
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trimEnd().split('\n').at(-1), 'OK: 0 MiB in 5 packages');
    }
    for (const root of roots) {
      assert.equal(readFileSync(join(root, 'etc/apk/world'), 'utf8'), 'meta\n');
      assert.equal(readFileSync(join(root, 'usr/share/lib00/data.txt'), 'utf8'), 'lib00 generation 1\n');
    }
    const apks = [...served.gets].filter(([p]) => p.endsWith('.apk'));
    assert.equal(apks.length, 5);
    assert.deepEqual(
      apks.filter(([, n]) => n !== 1),
      [],
      'every package was downloaded exactly once',
    );
    assert.equal(served.gets.get('x86_64/APKINDEX.tar.gz'), 1, 'the index was downloaded once');
  });
});
