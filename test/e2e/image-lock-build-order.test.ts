/**
 * `image lock` and `image build` install the same packages in the same order (apko's: world entries
 * in config order, each after its dependencies). Every example config (apko's examples and our
 * images/ catalog) is run with its own package list over a repository made in the test, in which
 * every package depends on a shared library and a private one, so the order is not just names.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseDependency } from '../../src/apk/index.js';
import { imageWorld, loadImageConfig } from '../../src/image/index.js';
import { runCli } from '../helpers/cli.js';
import { repoRoot, vector } from '../helpers/paths.js';
import { baseEnv, type FixturePackage, makeRepo } from './image-build-repo.js';

const configs = [
  ...readdirSync(vector('apko', 'examples')).map((f) => vector('apko', 'examples', f)),
  ...readdirSync(join(repoRoot, 'images')).map((f) => join(repoRoot, 'images', f)),
]
  .filter((f) => f.endsWith('.yaml'))
  .sort();

let work: string;
let repo: string;
let key: string;
const worlds = new Map<string, string[]>();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lupine-lock-build-order-'));
  repo = join(work, 'repo');
  const names = new Set<string>();
  for (const file of configs) {
    const loaded = await loadImageConfig(file);
    assert.ok(loaded.config, file);
    const world = imageWorld(loaded.config).map((w) => parseDependency(w).name);
    worlds.set(file, world);
    for (const n of world) names.add(n);
  }
  const packages: FixturePackage[] = [{ name: 'aa-common', files: [] }];
  for (const n of [...names].sort()) {
    packages.push({ name: n, depends: ['aa-common', `${n}-private`], files: [] });
    packages.push({ name: `${n}-private`, depends: ['aa-common'], files: [] });
  }
  key = await makeRepo(repo, 'x86_64', packages);
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('image lock and image build give the same package order', () => {
  test('finds the example configs', () => {
    assert.ok(configs.length >= 15, configs.join('\n'));
  });
  for (const file of configs) {
    test(file.slice(file.lastIndexOf('/', file.lastIndexOf('/') - 1) + 1), async () => {
      const world = worlds.get(file) ?? [];
      const name = file.replace(/[^a-z0-9]+/gi, '-');
      const cfg = join(work, `${name}.yaml`);
      writeFileSync(
        cfg,
        `contents:\n  keyring:\n    - ${key}\n  repositories:\n    - ${repo}\n  packages:\n${world
          .map((w) => `    - ${w}\n`)
          .join('')}archs:\n  - x86_64\n`,
      );
      const env = { ...baseEnv(), SOURCE_DATE_EPOCH: '1710000000' };
      const lockFile = join(work, `${name}.lock.json`);
      const lock = await runCli(['image', 'lock', cfg, '--output', lockFile], { cwd: work, env });
      assert.equal(lock.code, 0, lock.stderr);
      const locked = (
        JSON.parse(readFileSync(lockFile, 'utf8')) as { contents: { packages: { name: string; version: string }[] } }
      ).contents.packages.map((p) => `${p.name}=${p.version}`);
      const build = await runCli(['image', 'build', cfg, 'order:1', join(work, `${name}.oci`), '--json'], {
        cwd: work,
        env,
      });
      assert.equal(build.code, 0, build.stderr);
      const built = (JSON.parse(build.stdout) as { images: { packages: string[] }[] }).images[0]?.packages;
      assert.deepEqual(built, locked);
      // The order is apko's: the first world entry's private library right after the shared one.
      assert.deepEqual(locked.slice(0, 3), [
        'aa-common=1.0.0-r0',
        `${world[0]}-private=1.0.0-r0`,
        `${world[0]}=1.0.0-r0`,
      ]);
    });
  }
});
