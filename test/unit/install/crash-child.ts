// Child process for crash.test.ts. `crash-child ROOT GEN` installs package generation GEN (1 or 2) into
// ROOT; `crash-child ROOT recover` runs recovery only. It stops (forever) at the point named by
// LUPINE_TEST_PAUSE after printing `paused:<point>`, so that the parent can SIGKILL it there.
import { fixedClock } from '../../../src/core/index.js';
import { installPackages, recoverRoot } from '../../../src/install/index.js';
import { packageSet } from './craft.js';

const [root, what] = process.argv.slice(2);
const at = process.env.LUPINE_TEST_PAUSE ?? '';
const pause = (point: string): Promise<void> | undefined => {
  if (point !== at) return undefined;
  // Writes to a pipe are synchronous on Linux, so the parent sees this before we stop.
  process.stdout.write(`paused:${point}\n`);
  if (point === 'mid-staging') {
    // Called synchronously from staging: block this thread until killed.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
  setInterval(() => {}, 1000);
  return new Promise(() => {});
};
if (what === 'recover') {
  const outcome = await recoverRoot(root as string, { lockWait: 10, pause });
  process.stdout.write(`recovered:${outcome}\n`);
} else {
  const set = packageSet(what === '2' ? 2 : 1);
  const r = await installPackages(root as string, set, {
    world: set.map((p) => p.name),
    clock: fixedClock(1234),
    lockWait: 10,
    pause,
  });
  process.stdout.write(`recovered:${r.recovered}\ndone\n`);
}
