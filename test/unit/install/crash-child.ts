// Child process for crash.test.ts: installs a package generation into a root, pausing (forever) at the
// point named by LUPINE_TEST_PAUSE so that the parent can SIGKILL it there.
import { fixedClock } from '../../../src/core/index.js';
import { installPackages } from '../../../src/install/index.js';
import { packageSet } from './craft.js';

const [root, gen] = process.argv.slice(2);
const at = process.env.LUPINE_TEST_PAUSE ?? '';
const set = packageSet(gen === '2' ? 2 : 1);
await installPackages(root as string, set, {
  world: set.map((p) => p.name),
  clock: fixedClock(1234),
  lockWait: 10,
  pause: async (point) => {
    if (point !== at) return;
    process.stdout.write(`paused:${point}\n`);
    setInterval(() => {}, 1000);
    await new Promise(() => {});
  },
});
process.stdout.write('done\n');
