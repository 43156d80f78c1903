/**
 * Review of the cluster executor as an attacker with write access to the store (every worker has
 * it) and as a user coming from a local `lupine distro build`: what the coordinator signs from the
 * store is what the recipe makes, and options that would be silently lost on workers are refused.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPackage } from '../../src/apk/index.js';
import { ArtifactStore, type StoredOutputs } from '../../src/cluster/index.js';
import { clientOptionsForUrl, parseRegistryUrl, RegistryClient } from '../../src/oci/index.js';
import { runCli } from '../helpers/cli.js';
import { hostRecipe, type LupineProcess, spawnLupine, writeTree } from '../helpers/cluster.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const haveTools =
  spawnSync('redis-server', ['--version']).status === 0 && spawnSync('docker-registry', ['--version']).status === 0;
const env = { ...process.env, SOURCE_DATE_EPOCH: '0' };
const ARCH = 'x86_64';

let dir: string;
let registry: TestRegistry;
let redis: TestRedis;
const procs: LupineProcess[] = [];

const keyFile = () => join(dir, 'keys', 'k.rsa');
const coordinate = (tree: string, out: string, store: string, extra: readonly string[] = []) =>
  runCli(
    [
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
    ],
    { env },
  );

describe('cluster review: the store and the coordinator', {
  skip: !haveTools && 'needs redis-server and docker-registry',
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
    const w = spawnLupine(
      ['distro', 'worker', '--redis', redis.url, '--store', store, '--name', 'w1', '--allow-host-runner'].concat([
        '--work-dir',
        join(dir, 'work-forge'),
      ]),
      env,
      dir,
    );
    procs.push(w);
    await w.waitFor(/waiting for jobs/);
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
});
