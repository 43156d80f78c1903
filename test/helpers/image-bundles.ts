import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runCli } from './cli.js';
import { TREE_ENV } from './distro-tree.js';

/**
 * The images a test built into `WORK/out/images/NAME` (tag `latest`), each unpacked once by umoci
 * into a runc bundle `WORK/out/bundles/NAME`: returns a function from image name to bundle directory.
 * `work` is read when an image is first asked for (tests set their directory in `before`).
 */
export function imageBundles(work: () => string): (name: string) => string {
  const bundles = new Map<string, string>();
  return (name) => {
    let dir = bundles.get(name);
    if (!dir) {
      dir = join(work(), 'out', 'bundles', name);
      const r = spawnSync('umoci', ['unpack', '--image', `${join(work(), 'out/images', name)}:latest`, dir], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      bundles.set(name, dir);
    }
    return dir;
  };
}

/**
 * Builds `images/NAME.yaml` of the tree in `work` into `out/images/NAME` (tag `latest`) with
 * `lupine image build --json`: its compressed size (the layers') and its packages (`name=version`).
 */
export async function buildTreeImage(work: string, name: string): Promise<{ size: number; packages: string[] }> {
  const r = await runCli(['image', 'build', `images/${name}.yaml`, `${name}:latest`, `out/images/${name}`, '--json'], {
    cwd: work,
    env: TREE_ENV,
  });
  assert.equal(r.code, 0, `${name}: ${r.stderr}`);
  const image = (JSON.parse(r.stdout) as { images: { layers: { size: number }[]; packages: string[] }[] }).images[0];
  assert.ok(image, `${name}: no image in the output`);
  return { size: image.layers.reduce((a, l) => a + l.size, 0), packages: image.packages };
}
