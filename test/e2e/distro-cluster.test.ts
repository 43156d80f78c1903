/**
 * `lupine distro build --executor bullmq`: a coordinator and `distro worker` processes sharing
 * only a Redis (started here) and an OCI registry as artifact store (started here), each worker
 * with its own empty work directory. The repository they make is byte for byte the one the local
 * executor makes; a second coordinator pulls everything from the store; faults (a worker or the
 * coordinator SIGKILLed, Redis restarted, a failing recipe) still end in the right repository.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import {
  ArtifactStore,
  checkJobSources,
  openRedis,
  QUEUE_NAME,
  receiveSources,
  shareSources,
} from '../../src/cluster/index.js';
import { silentLogger } from '../../src/core/index.js';
import { clientOptionsForUrl, parseRegistryUrl, RegistryClient } from '../../src/oci/index.js';
import { SourceStore } from '../../src/pkg/index.js';
import { readApkIndexArchive } from '../../src/repo/index.js';
import { runCli } from '../helpers/cli.js';
import { haveClusterTools, hostRecipe, type LupineProcess, spawnLupine, writeTree } from '../helpers/cluster.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const env = { ...process.env, SOURCE_DATE_EPOCH: '0' };
const ARCH = 'x86_64';

let dir: string;
let registry: TestRegistry;
const procs: LupineProcess[] = [];
const redises: TestRedis[] = [];

/** chain a→b→c, diamond d→{e,f}→g, leaves x and y. */
const TREE = {
  a: hostRecipe('a'),
  b: hostRecipe('b', ['a']),
  c: hostRecipe('c', ['b']),
  d: hostRecipe('d'),
  e: hostRecipe('e', ['d']),
  f: hostRecipe('f', ['d']),
  g: hostRecipe('g', ['e', 'f']),
  x: hostRecipe('x'),
  y: hostRecipe('y'),
};

async function redis(password?: string): Promise<TestRedis> {
  const r = await startRedis(password !== undefined ? { password } : {});
  redises.push(r);
  return r;
}

function worker(
  name: string,
  redisUrl: string,
  store: string,
  extraEnv: Record<string, string> = {},
  workDir = mkdtempSync(join(dir, `work-${name}-`)),
  allowHost = true,
): LupineProcess {
  const argv = ['distro', 'worker', '--redis', redisUrl, '--store', store, '--name', name];
  if (allowHost) argv.push('--allow-host-runner');
  argv.push('--work-dir', workDir, '--lock-ms', '2000');
  const p = spawnLupine(argv, { ...env, ...extraEnv }, dir);
  procs.push(p);
  return p;
}

async function workers(n: number, redisUrl: string, store: string): Promise<LupineProcess[]> {
  const ws = Array.from({ length: n }, (_, i) => worker(`w${i + 1}`, redisUrl, store));
  for (const w of ws) await w.waitFor(/waiting for jobs/);
  return ws;
}

const key = () => join(dir, 'keys', 'k.rsa');

function coordinatorArgs(tree: string, out: string, redisUrl: string, store: string): string[] {
  return [
    'distro',
    'build',
    tree,
    '-j',
    '4',
    '--out-dir',
    out,
    '--signing-key',
    key(),
    '--executor',
    'bullmq',
    '--redis',
    redisUrl,
    '--store',
    store,
  ];
}

async function local(tree: string, out: string): Promise<void> {
  const r = await runCli(['distro', 'build', tree, '-j', '2', '--out-dir', out, '--signing-key', key()], { env });
  assert.equal(r.code, 0, r.stderr);
}

/** Every .apk (name → bytes) and the index's records, of one repository. */
function repository(out: string): { apks: Map<string, Buffer>; records: string[] } {
  const archDir = join(out, ARCH);
  const apks = new Map<string, Buffer>();
  for (const f of readdirSync(archDir)
    .filter((n) => n.endsWith('.apk'))
    .sort()) {
    apks.set(f, readFileSync(join(archDir, f)));
  }
  const index = readApkIndexArchive(readFileSync(join(archDir, 'APKINDEX.tar.gz')), { allowUntrusted: true });
  return {
    apks,
    records: index.packages.map((p) => `${p.name} ${p.version} ${p.identity} ${p.size}`).sort(),
  };
}

function assertSameRepository(got: string, want: string, names: readonly string[]): void {
  const g = repository(got);
  const w = repository(want);
  assert.deepEqual([...g.apks.keys()], names.map((n) => `${n}-1.0.0-r0.apk`).sort());
  assert.deepEqual([...g.apks.keys()], [...w.apks.keys()]);
  for (const [f, bytes] of w.apks) assert.ok(bytes.equals(g.apks.get(f) as Buffer), `${f} differs`);
  assert.deepEqual(g.records, w.records);
}

async function verify(out: string): Promise<void> {
  const archDir = join(out, ARCH);
  const files = readdirSync(archDir).filter((n) => n.endsWith('.apk') || n === 'APKINDEX.tar.gz');
  const r = await runCli(['verify', '--keys-dir', join(dir, 'keys'), ...files.map((f) => join(archDir, f))], { env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
}

/** Polls `cond` (a file-system condition) until it holds, for at most a minute. */
async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(cond(), 'condition never held');
}

/**
 * A proxy to the registry that answers 503 to the first `failures` manifest PUTs (a store that is
 * briefly unavailable); everything else passes through unchanged.
 */
async function flakyStore(target: string, failures: number): Promise<{ host: string; close(): Promise<void> }> {
  let left = failures;
  const server = createServer((req, res) => {
    if (req.method === 'PUT' && req.url?.includes('/manifests/') && left > 0) {
      left--;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"UNAVAILABLE","message":"try again"}]}');
      return;
    }
    const [hostname, port] = target.split(':');
    const up = httpRequest(
      { hostname, port: Number(port), method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;

describe('distro build on a cluster (BullMQ + OCI store)', {
  skip: !haveClusterTools() && 'needs redis-server and docker-registry',
}, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lupine-cluster-'));
    registry = await startRegistry();
    const k = await runCli(['keygen', 'k', '--out', join(dir, 'keys')], { env });
    assert.equal(k.code, 0, k.stderr);
  });
  after(async () => {
    for (const p of procs) await p.kill();
    for (const r of redises) await r.stop();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('3 workers build the tree into the same repository as the local executor; a second coordinator pulls it all', async () => {
    const tree = writeTree(join(dir, 'tree'), TREE);
    await local(tree, join(dir, 'local'));
    const r = await redis();
    const store = `${registry.host}/acceptance/cache`;
    const ws = await workers(3, r.url, store);
    const c = await runCli(coordinatorArgs(tree, join(dir, 'c1'), r.url, store), { env });
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /^distro: 9 built, 0 skipped, 0 failed in /);
    assert.match(c.stderr, /^worker g: on w\d$/m);
    assertSameRepository(join(dir, 'c1'), join(dir, 'local'), Object.keys(TREE));
    await verify(join(dir, 'c1'));
    // The store: one artifact per recipe, each with its package, the package's SBOM and the log.
    const client = new RegistryClient(clientOptionsForUrl(parseRegistryUrl(store)));
    const where = parseRegistryUrl(store).reference;
    const tags = await client.listTags(where);
    assert.equal(tags.length, Object.keys(TREE).length);
    const artifacts = new ArtifactStore(client, where);
    for (const tag of tags) {
      const got = await artifacts.pullOutputs(tag);
      const name = got?.config.recipe ?? '?';
      assert.deepEqual([...(got?.files.keys() ?? [])].sort(), [
        `${name}-1.0.0-r0.apk`,
        `${name}-1.0.0-r0.spdx.json`,
        `${name}.log`,
      ]);
      assert.match(got?.files.get(`${name}-1.0.0-r0.spdx.json`)?.toString() ?? '', /"spdxVersion": ?"SPDX-2\.3"/);
    }
    client.close();
    // Logs streamed back from the workers.
    assert.match(readFileSync(join(dir, 'c1', 'logs', 'g.log'), 'utf8'), /building g-1\.0\.0-r0 on w\d/);
    // Every recipe built exactly once over all workers.
    const all = ws.map((w) => w.output()).join('\n');
    for (const n of Object.keys(TREE)) assert.equal(count(all, new RegExp(`^built  ${n}: `)), 1, `${n} built once`);
    // The signing key is in no Redis key.
    const pem = readFileSync(key(), 'utf8');
    const body = pem
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('-----'))
      .join('');
    const keys = (await r.command('KEYS', '*')) as Buffer[];
    assert.ok(keys.length > 0);
    for (const k of keys.map(String)) {
      const type = String(await r.command('TYPE', k));
      const value =
        type === 'string'
          ? await r.command('GET', k)
          : type === 'hash'
            ? await r.command('HGETALL', k)
            : type === 'list'
              ? await r.command('LRANGE', k, '0', '-1')
              : type === 'zset'
                ? await r.command('ZRANGE', k, '0', '-1')
                : type === 'set'
                  ? await r.command('SMEMBERS', k)
                  : type === 'stream'
                    ? await r.command('XRANGE', k, '-', '+')
                    : '';
      const text = JSON.stringify(value, (_, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString() : v));
      for (let i = 0; i + 64 <= body.length; i += 64) {
        assert.ok(!text.includes(body.slice(i, i + 64)), `Redis key ${k} holds part of the signing key`);
      }
      assert.ok(!text.includes('PRIVATE KEY'), `Redis key ${k} holds a private key`);
    }
    // distro status: nothing queued, running or failed; 9 completed.
    const s = await runCli(['distro', 'status', '--redis', r.url, '--json'], { env });
    assert.equal(s.code, 0, s.stderr);
    assert.deepEqual(JSON.parse(s.stdout), { queued: [], running: [], failed: [], completed: 9 });

    // Remote cache: no worker left, an empty out dir, same store → nothing built, same repository.
    for (const w of ws) await w.stop();
    const c2 = await runCli(coordinatorArgs(tree, join(dir, 'c2'), r.url, store), { env });
    assert.equal(c2.code, 0, c2.stderr);
    assert.match(c2.stdout, /^distro: 0 built, 9 pulled, 0 skipped, 0 failed in /);
    assertSameRepository(join(dir, 'c2'), join(dir, 'local'), Object.keys(TREE));
    await verify(join(dir, 'c2'));
  });

  it('a failing recipe fails once with its log; its dependents are blocked; the rest completes', async () => {
    const tree = writeTree(join(dir, 'failing'), {
      good: hostRecipe('good'),
      bad: hostRecipe('bad', [], 'echo about to fail; exit 7'),
      after: hostRecipe('after', ['bad']),
    });
    const r = await redis();
    const store = `${registry.host}/failing/cache`;
    const ws = await workers(2, r.url, store);
    const out = join(dir, 'failing-out');
    const c = await runCli(coordinatorArgs(tree, out, r.url, store), { env });
    assert.equal(c.code, 3, c.stderr);
    assert.equal(c.stdout.replace(/ in [\d.]+ s/, ''), 'distro: 1 built, 0 skipped, 1 failed, 1 blocked\n');
    assert.match(c.stderr, /^FAILED bad after [\d.]+ s: CLUSTER_REMOTE_FAILED: BUILD_STEP_FAILED: /m);
    assert.match(c.stderr, /^blocked after: dependency bad failed$/m);
    assert.match(readFileSync(join(out, 'logs', 'bad.log'), 'utf8'), /about to fail/);
    assert.ok(existsSync(join(out, ARCH, 'good-1.0.0-r0.apk')));
    assert.ok(!existsSync(join(out, ARCH, 'after-1.0.0-r0.apk')));
    const all = ws.map((w) => w.output()).join('\n');
    assert.equal(count(all, /^take {3}bad /), 1, 'a build failure is not retried');
    const s = await runCli(['distro', 'status', '--redis', r.url], { env });
    assert.match(s.stdout, /^failed {2}1\n {2}bad: BUILD_STEP_FAILED: /m);
    for (const w of ws) await w.stop();
  });

  it('a transient store failure (503 on push) is retried with back-off and succeeds; a build failure fails once', async () => {
    const tree = writeTree(join(dir, 'transient'), {
      flaky: hostRecipe('flaky'),
      broken: hostRecipe('broken', [], 'exit 7'),
    });
    const r = await redis();
    const proxy = await flakyStore(registry.host, 2);
    try {
      const store = `${proxy.host}/transient/cache`;
      // No HTTP-level retries in the worker: the job itself must be retried (BullMQ attempts, back-off).
      const w = worker('w1', r.url, store, { LUPINE_HTTP_RETRIES: '0' });
      await w.waitFor(/waiting for jobs/);
      const out = join(dir, 'transient-out');
      const c = await runCli(coordinatorArgs(tree, out, r.url, store), { env });
      assert.equal(c.code, 3, c.stderr);
      assert.equal(c.stdout.replace(/ in [\d.]+ s/, ''), 'distro: 1 built, 0 skipped, 1 failed\n');
      const log = w.output();
      assert.equal(count(log, /^FAILED flaky: .*503.*\(will be retried\)$/), 2, log);
      assert.match(log, /^take {3}flaky \(\w+, attempt 3\)$/m);
      assert.equal(count(log, /^built {2}flaky: /), 1);
      assert.equal(count(log, /^take {3}broken /), 1, 'a build failure is not retried');
      assert.ok(existsSync(join(out, ARCH, 'flaky-1.0.0-r0.apk')));
      await verify(out);
      await w.stop();
    } finally {
      await proxy.close();
    }
  });

  it('sources travel through the store: a worker with an empty source store gets them, checked by checksum', async () => {
    const tarball = Buffer.from(`a small source archive made by the test ${Date.now()}\n`);
    const hex = createHash('sha256').update(tarball).digest('hex');
    const coordinatorSources = join(dir, 'src-coordinator');
    await new SourceStore(coordinatorSources).put(tarball);
    const recipe = join(
      writeTree(join(dir, 'src-tree'), {
        fromsrc: `${hostRecipe('fromsrc').replace(
          'pipeline:\n',
          `pipeline:\n  - uses: fetch\n    with:\n      uri: file:///nowhere/fromsrc-1.0.tar.gz\n      expected-sha256: ${hex}\n`,
        )}`,
      }),
      'fromsrc.yaml',
    );
    const client = new RegistryClient(clientOptionsForUrl(parseRegistryUrl(`${registry.host}/sources/cache`)));
    const store = new ArtifactStore(client, parseRegistryUrl(`${registry.host}/sources/cache`).reference);
    try {
      const shared = await shareSources(recipe, {
        arch: ARCH,
        pipelineDirs: [],
        storeDir: coordinatorSources,
        store,
        logger: silentLogger,
      });
      assert.equal(shared.length, 1);
      // As the worker reads the job from Redis.
      const sources = checkJobSources(JSON.parse(JSON.stringify(shared)));
      const workerSources = join(dir, 'src-worker');
      assert.equal(await new SourceStore(workerSources).lookup({ algorithm: 'sha256', hex }, 'x'), undefined);
      await receiveSources(sources, store, workerSources);
      const got = await new SourceStore(workerSources).lookup({ algorithm: 'sha256', hex }, 'x');
      assert.ok(got !== undefined && readFileSync(got).equals(tarball));
      // A forged job: the recipe's checksum, another blob's digest → refused, nothing stored.
      const other = await store.pushBlob(Buffer.from('not the source'));
      const forged = checkJobSources([{ kind: 'fetch', algorithm: 'sha256', hex, digest: other }]);
      const empty = join(dir, 'src-worker-2');
      await assert.rejects(
        receiveSources(forged, store, empty),
        (e: unknown) => (e as { code?: string }).code === 'SOURCE_CHECKSUM_MISMATCH',
      );
      assert.equal(existsSync(join(empty, 'sha256', hex)), false);
    } finally {
      client.close();
    }
  });

  it('Redis is not trusted: a host-runner recipe needs --allow-host-runner; a forged job fails once, touching nothing', async () => {
    const r = await redis();
    const store = `${registry.host}/hostile/cache`;
    const w = worker('w1', r.url, store, {}, mkdtempSync(join(dir, 'work-hostile-')), false);
    await w.waitFor(/waiting for jobs/);
    const tree = writeTree(join(dir, 'hostile'), { stage0: hostRecipe('stage0') });
    const c = await runCli(coordinatorArgs(tree, join(dir, 'hostile-out'), r.url, store), { env });
    assert.equal(c.code, 3, c.stderr);
    assert.match(c.stderr, /stage0 asks for the host runner \(no sandbox\).*--allow-host-runner/);
    // A job written straight into Redis, naming a recipe file outside the job directory.
    const conn = openRedis(r.url);
    const queue = new Queue(QUEUE_NAME, { connection: conn });
    try {
      const planted = join(dir, 'planted.yaml');
      await queue.add(
        'evil',
        {
          name: 'evil',
          arch: ARCH,
          identity: 'e'.repeat(64),
          store,
          file: `../../../../../../..${planted}`,
          node: {
            name: 'evil',
            fullVersion: '1-r0',
            runner: 'bubblewrap',
            packages: ['evil'],
            provides: [],
            buildNeeds: [],
            testNeeds: [],
            runtimeNeeds: [],
          },
          inputs: { inline: '' },
          needs: [],
          test: false,
        },
        { attempts: 3, backoff: { type: 'fixed', delay: 100 } },
      );
      await w.waitFor(/^FAILED "evil": CLUSTER_JOB_INVALID: job refused: file is not valid/m);
      assert.doesNotMatch(w.output(), /will be retried/);
      assert.equal(existsSync(planted), false);
    } finally {
      await queue.close();
      conn.disconnect();
    }
    await w.stop();
  });

  it('a worker SIGKILLed mid-build: another takes its job over, same result', async () => {
    const tree = writeTree(join(dir, 'killed'), {
      slow: hostRecipe('slow', [], 'echo slow starts; sleep 3'),
      next: hostRecipe('next', ['slow']),
    });
    await local(tree, join(dir, 'killed-local'));
    const r = await redis();
    const store = `${registry.host}/killed/cache`;
    const w1Dir = mkdtempSync(join(dir, 'work-w1-'));
    const w1 = worker('w1', r.url, store, {}, w1Dir);
    await w1.waitFor(/waiting for jobs/);
    const coordinator = runCli(coordinatorArgs(tree, join(dir, 'killed-out'), r.url, store), { env });
    await w1.waitFor(/^take {3}slow /m);
    const jobDirs = () => readdirSync(w1Dir).filter((n) => n.startsWith('job-'));
    await waitUntil(() => jobDirs().length > 0);
    await w1.kill();
    const w2 = worker('w2', r.url, store);
    const c = await coordinator;
    assert.equal(c.code, 0, c.stderr);
    assert.match(w2.output(), /^built {2}slow: /m);
    assert.doesNotMatch(w1.output(), /^built {2}slow: /m);
    assertSameRepository(join(dir, 'killed-out'), join(dir, 'killed-local'), ['slow', 'next']);
    await verify(join(dir, 'killed-out'));
    await w2.stop();
    // The killed worker's job directory is still there; a worker started on its work dir sweeps it.
    assert.equal(jobDirs().length, 1);
    const w3 = worker('w3', r.url, store, {}, w1Dir);
    await w3.waitFor(/waiting for jobs/);
    assert.deepEqual(jobDirs(), []);
    await w3.stop();
  });

  it('Redis restarted mid-build: coordinator and workers reconnect and complete', async () => {
    const tree = writeTree(join(dir, 'restart'), {
      one: hostRecipe('one', [], 'sleep 2'),
      two: hostRecipe('two', ['one']),
      three: hostRecipe('three'),
    });
    await local(tree, join(dir, 'restart-local'));
    const r = await redis();
    const store = `${registry.host}/restart/cache`;
    const ws = await workers(2, r.url, store);
    const coordinator = runCli(coordinatorArgs(tree, join(dir, 'restart-out'), r.url, store), { env });
    await Promise.race(ws.map((w) => w.waitFor(/^take {3}one /m)));
    await r.restart(1000);
    const c = await coordinator;
    assert.equal(c.code, 0, c.stderr);
    assertSameRepository(join(dir, 'restart-out'), join(dir, 'restart-local'), ['one', 'two', 'three']);
    await verify(join(dir, 'restart-out'));
    for (const w of ws) await w.stop();
  });

  it('the coordinator SIGKILLed and restarted resumes without rebuilding finished recipes', async () => {
    const tree = writeTree(join(dir, 'resume'), {
      first: hostRecipe('first'),
      middle: hostRecipe('middle', ['first'], 'sleep 3'),
      last: hostRecipe('last', ['middle']),
    });
    await local(tree, join(dir, 'resume-local'));
    const r = await redis();
    const store = `${registry.host}/resume/cache`;
    const ws = await workers(2, r.url, store);
    const out = join(dir, 'resume-out');
    const c1 = spawnLupine(coordinatorArgs(tree, out, r.url, store), env, dir);
    procs.push(c1);
    await c1.waitFor(/^worker middle: on w\d$/m);
    await c1.kill();
    const c2 = await runCli(coordinatorArgs(tree, out, r.url, store), { env });
    assert.equal(c2.code, 0, c2.stderr);
    assert.match(c2.stderr, /^skip {3}first: up to date$/m);
    assertSameRepository(out, join(dir, 'resume-local'), ['first', 'middle', 'last']);
    await verify(out);
    const all = ws.map((w) => w.output()).join('\n');
    for (const n of ['first', 'middle', 'last'])
      assert.equal(count(all, new RegExp(`^take {3}${n} `)), 1, `${n} taken once`);
    for (const w of ws) await w.stop();
  });

  it('security: a worker without the Redis password gets a clear error; registry credentials are never printed', async () => {
    const r = await redis('s3cret-redis-pw');
    const authed = await startRegistry({ htpasswd: { user: 'builder', pass: 's3cret-registry-pw' } });
    try {
      const store = `${authed.host}/secure/cache`;
      const noPw = spawnLupine(
        [
          'distro',
          'worker',
          '--redis',
          `redis://127.0.0.1:${r.port}`,
          '--store',
          store,
          '--work-dir',
          join(dir, 'nopw'),
        ],
        env,
        dir,
      );
      procs.push(noPw);
      assert.notEqual(await noPw.exited(), 0);
      assert.match(noPw.output(), /CLUSTER_REDIS_AUTH/);
      assert.match(noPw.output(), /authentication failed/);

      const tree = writeTree(join(dir, 'secure'), { s: hostRecipe('s') });
      const httpAuth = { HTTP_AUTH: `basic:127.0.0.1:builder:s3cret-registry-pw` };
      const w = worker('ws', r.url, store, httpAuth);
      await w.waitFor(/waiting for jobs/);
      const c = await runCli(coordinatorArgs(tree, join(dir, 'secure-out'), r.url, store), {
        env: { ...env, ...httpAuth },
      });
      assert.equal(c.code, 0, c.stderr);
      await w.stop();
      for (const text of [w.output(), c.stdout, c.stderr]) {
        assert.ok(!text.includes('s3cret-registry-pw'), 'registry password printed');
        assert.ok(!text.includes('s3cret-redis-pw'), 'redis password printed');
      }
      assert.match(w.output(), /^built {2}s: /m);

      // An ACL user: its own password works, a wrong one is refused clearly.
      assert.equal(String(await r.command('ACL', 'SETUSER', 'builder', 'on', '>acl-pw', '~*', '&*', '+@all')), 'OK');
      const acl = await runCli(['distro', 'status', '--redis', `redis://builder:acl-pw@127.0.0.1:${r.port}`], { env });
      assert.equal(acl.code, 0, acl.stderr);
      assert.match(acl.stdout, /^completed 1$/m);
      const wrong = await runCli(['distro', 'status', '--redis', `redis://builder:nope@127.0.0.1:${r.port}`], { env });
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, /CLUSTER_REDIS_AUTH/);
      assert.doesNotMatch(wrong.stderr, /nope/);
    } finally {
      await authed.stop();
    }
  });

  it('rediss:// talks TLS to Redis (the certificate trusted through NODE_EXTRA_CA_CERTS)', async () => {
    const r = await startRedis({ tls: true });
    redises.push(r);
    const s = spawnLupine(['distro', 'status', '--redis', r.url], { ...env, NODE_EXTRA_CA_CERTS: r.caFile }, dir);
    procs.push(s);
    assert.equal(await s.exited(), 0, s.output());
    assert.match(s.output(), /^queued {2}0$/m);
    const plain = await runCli(['distro', 'status', '--redis', r.url.replace('rediss:', 'redis:')], { env });
    assert.notEqual(plain.code, 0, 'plain text to a TLS port fails');
  });
});
