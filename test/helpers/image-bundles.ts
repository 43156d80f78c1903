import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

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
