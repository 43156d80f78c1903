/**
 * Review of the cluster executor as an attacker with write access to the store (every worker has
 * it) and as a user coming from a local `lupine distro build`: what the coordinator signs from the
 * store is what the recipe makes, and options that would be silently lost on workers are refused.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { readPackage } from '../../src/apk/index.js';
import { ArtifactStore, openRedis, QUEUE_NAME, type StoredOutputs } from '../../src/cluster/index.js';
import { clientOptionsForUrl, parseRegistryUrl, RegistryClient } from '../../src/oci/index.js';
import { runCli } from '../helpers/cli.js';
import { haveClusterTools, hostRecipe, type LupineProcess, spawnLupine, writeTree } from '../helpers/cluster.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const env = { ...process.env, SOURCE_DATE_EPOCH: '0' };
const ARCH = 'x86_64';

let dir: string;
let registry: TestRegistry;
let redis: TestRedis;
const procs: LupineProcess[] = [];

const keyFile = () => join(dir, 'keys', 'k.rsa');

/** A `distro worker` on `store` in a work directory of its own, once it waits for jobs. */
async function startWorker(store: string, work: string, allowHost = true): Promise<LupineProcess> {
  const argv = ['distro', 'worker', '--redis', redis.url, '--store', store, '--work-dir', join(dir, work)];
  const w = spawnLupine(allowHost ? [...argv, '--allow-host-runner'] : argv, env, dir);
  procs.push(w);
  await w.waitFor(/waiting for jobs/);
  return w;
}
const coordinateArgs = (tree: string, out: string, store: string, extra: readonly string[] = []) => [
  'distro',
  'build',
  tree,
  '--out-dir',
  out,
  '--signing-key',
  keyFile(),
  ...extra,
  '--executor',
  'bullmq',
  '--redis',
  redis.url,
  '--store',
  store,
];
const coordinate = (tree: string, out: string, store: string, extra: readonly string[] = []) =>
  runCli(coordinateArgs(tree, out, store, extra), { env });

describe('cluster review: the store and the coordinator', {
  skip: !haveClusterTools() && 'needs redis-server and docker-registry',
}, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lupine-cluster-review-'));
    registry = await startRegistry();
    redis = await startRedis();
    const k = await runCli(['keygen', 'k', '--out', join(dir, 'keys')], { env });
    assert.equal(k.code, 0, k.stderr);
  });
  after(async () => {
    for (const p of procs) await p.kill();
    await redis?.stop();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an artifact tagged with one recipe's identity but holding another package is refused, never signed", async () => {
    const tree = writeTree(join(dir, 'forge'), { victim: hostRecipe('victim'), evil: hostRecipe('evil') });
    const store = `${registry.host}/forge/cache`;
    const w = await startWorker(store, 'work-forge');
    const first = await coordinate(tree, join(dir, 'forge-1'), store);
    assert.equal(first.code, 0, first.stderr);
    await w.stop();
    // Someone who can push to the store (any worker can) retags: victim's identity now holds evil's
    // package; then victim's own package under evil's file name (it would overwrite evil's file).
    const ref = parseRegistryUrl(store).reference;
    const client = new RegistryClient(clientOptionsForUrl(parseRegistryUrl(store)));
    const artifacts = new ArtifactStore(client, ref);
    const byRecipe = new Map<string, StoredOutputs>();
    for (const tag of await client.listTags(ref)) {
      const got = await artifacts.pullOutputs(tag);
      if (got) byRecipe.set(got.config.recipe, got);
    }
    const victim = byRecipe.get('victim') as StoredOutputs;
    const evil = byRecipe.get('evil') as StoredOutputs;
    const forge = async (from: StoredOutputs, file: string) => {
      const [pkg] = from.config.packages;
      await artifacts.pushOutputs(
        { ...victim.config, packages: [{ ...(pkg as (typeof from.config.packages)[number]), file }] },
        [{ file, bytes: from.files.get(pkg?.file as string) as Buffer }],
      );
    };
    try {
      for (const [from, file, why] of [
        [evil, 'evil-1.0.0-r0.apk', 'holds evil-1\\.0\\.0-r0, but victim makes victim-1\\.0\\.0-r0 \\(log:'],
        [
          victim,
          'evil-1.0.0-r0.apk',
          'holds victim-1\\.0\\.0-r0, but victim makes victim-1\\.0\\.0-r0 \\(as victim-1\\.0\\.0-r0\\.apk\\)',
        ],
      ] as const) {
        await forge(from, file);
        // A coordinator with an empty output directory: the remote cache hands it the forged artifact.
        const out = mkdtempSync(join(dir, 'forged-out-'));
        const c = await coordinate(tree, out, store);
        assert.equal(c.code, 3, c.stdout + c.stderr);
        assert.match(c.stderr, new RegExp(`^FAILED victim after .*CLUSTER_STORE_INVALID: .*${why}`, 'm'));
        const signed = readdirSync(join(out, ARCH)).filter((f) => f.endsWith('.apk'));
        assert.deepEqual(signed, ['evil-1.0.0-r0.apk'], 'only the genuine evil package is placed');
        assert.equal(readPackage(readFileSync(join(out, ARCH, 'evil-1.0.0-r0.apk'))).info.name, 'evil');
      }
    } finally {
      client.close();
    }
  });

  it('text from Redis reaches no terminal raw: distro status and a worker show control characters escaped', async () => {
    // C0 escapes, an 8-bit CSI (U+009B, which JSON quoting leaves as it is) and a bidi override.
    const hostile = 'x\u001b]0;owned\u0007\u009b2J\u202e';
    const store = `${registry.host}/terminal/cache`;
    const conn = openRedis(redis.url);
    const queue = new Queue(QUEUE_NAME, { connection: conn });
    try {
      await queue.add(hostile, { name: hostile, store: `${store}${hostile}` }, { attempts: 1 });
      const s = await runCli(['distro', 'status', '--redis', redis.url], { env });
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stdout, /^queued {2}1: x\\x1b\]0;owned\\x07\\x9b2J\\u202e$/m);
      const w = await startWorker(store, 'work-terminal', false);
      await w.waitFor(/^FAILED /m);
      await w.stop();
      const shown = w.output();
      assert.match(shown, /^FAILED "x\\x1b\]0;owned\\x07\\x9b2J\\u202e": CLUSTER_JOB_INVALID: /m);
      const failed = await runCli(['distro', 'status', '--redis', redis.url], { env });
      for (const text of [s.stdout, shown, failed.stdout]) {
        assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, JSON.stringify(text));
      }
      assert.match(failed.stdout, /^failed {2}1\n {2}x\\x1b/m);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      conn.disconnect();
    }
  });

  it('SOURCE_DATE_EPOCH is part of the cache key: another epoch builds, giving what a local build with it gives', async () => {
    const tree = writeTree(join(dir, 'epoch'), { dated: hostRecipe('dated') });
    const store = `${registry.host}/epoch/cache`;
    const w = await startWorker(store, 'we');
    const zero = await coordinate(tree, join(dir, 'epoch-0'), store);
    assert.equal(zero.code, 0, zero.stderr);
    const later = { ...env, SOURCE_DATE_EPOCH: '86400' };
    const other = await runCli(coordinateArgs(tree, join(dir, 'epoch-1'), store), { env: later });
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stdout, /^distro: 1 built, 0 skipped, 0 failed/);
    const local = await runCli(
      ['distro', 'build', tree, '--out-dir', join(dir, 'epoch-local'), '--signing-key', keyFile()],
      {
        env: later,
      },
    );
    assert.equal(local.code, 0, local.stderr);
    const apk = (out: string) => readFileSync(join(out, ARCH, 'dated-1.0.0-r0.apk'));
    assert.ok(apk(join(dir, 'epoch-1')).equals(apk(join(dir, 'epoch-local'))), 'same bytes as the local build');
    assert.ok(!apk(join(dir, 'epoch-1')).equals(apk(join(dir, 'epoch-0'))));
    await w.stop();
  });

  it('--repository and --keyring, which workers would not get, are refused with the bullmq executor', async () => {
    const tree = writeTree(join(dir, 'extra-repo'), { r: hostRecipe('r') });
    for (const extra of [
      ['-r', join(dir, 'elsewhere')],
      ['-k', join(dir, 'keys', 'k.rsa.pub')],
    ]) {
      const c = await coordinate(tree, join(dir, 'extra-out'), `${registry.host}/extra/cache`, extra);
      assert.equal(c.code, 2, c.stderr);
      assert.match(c.stderr, /error\[USAGE\]: distro build: --repository and --keyring are not sent to workers/);
      assert.ok(!existsSync(join(dir, 'extra-out')), 'nothing written');
    }
  });

  it('--force rebuilds on a worker, as it does locally, instead of pulling what the store holds', async () => {
    const tree = writeTree(join(dir, 'forced'), { again: hostRecipe('again') });
    const store = `${registry.host}/forced/cache`;
    const w = await startWorker(store, 'wf');
    const out = join(dir, 'forced-out');
    const first = await coordinate(tree, out, store);
    assert.equal(first.code, 0, first.stderr);
    for (const extra of [[], ['--force']]) {
      const c = await coordinate(tree, mkdtempSync(join(dir, 'forced-again-')), store, extra);
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stdout, extra.length ? /^distro: 1 built, 0 skipped/ : /^distro: 0 built, 1 pulled/);
    }
    const forced = await coordinate(tree, out, store, ['--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /^distro: 1 built, 0 skipped/);
    await w.stop();
    assert.equal(
      w
        .output()
        .split('\n')
        .filter((l) => l.startsWith('built  again: ')).length,
      3,
    );
  });
});
