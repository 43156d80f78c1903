/**
 * Issue 11, finding 4: concurrent writers on one root (separate `bin/lupine` processes). Each must plan
 * from the state the previous one committed, so the final world is the effect of the commits in
 * their lock order. The test holds the root's lock itself until every writer waits for it (it sees
 * their flock(1) waiters), so the writers really overlap.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTestRepo, type TestPackage, type TestRepo } from '../helpers/apk-repo.js';
import { spawnCli } from '../helpers/cli.js';
import { binLupine } from '../helpers/paths.js';
import { hashTree, tempRoot } from '../unit/install/fixtures.js';

const env = { ...process.env, SOURCE_DATE_EPOCH: '0' };

/** Processes whose command line is `flock … <path> …` waiting for or holding `path`. */
function flockers(path: string): number {
  let n = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv[0]?.endsWith('flock') && argv.includes(path)) n++;
  }
  return n;
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 6000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Holds flock(2) on `path` until `release()`. */
async function holdLock(path: string): Promise<{ release(): Promise<void> }> {
  const child = spawn('flock', ['-x', path, 'sh', '-c', 'echo locked; exec cat'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return {
    release: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

interface Writer {
  readonly argv: string[];
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number; out: string }>;
}

function startWriter(root: string, repo: TestRepo, applet: string[]): Writer {
  const argv = ['apk', '--root', root, '--keys-dir', repo.keysDir, '-X', repo.dir, '--no-cache', '--wait', '60'];
  const child = spawn(process.execPath, [binLupine, ...argv, ...applet], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const done = new Promise<{ code: number; out: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code: code ?? -1, out })),
  );
  return { argv: applet, child, done };
}

const readWorld = (root: string) =>
  readFileSync(join(root, 'etc/apk/world'), 'utf8').split(/\s+/).filter(Boolean).sort();

const installedNames = (root: string) =>
  readFileSync(join(root, 'lib/apk/db/installed'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('P:'))
    .map((l) => l.slice(2))
    .sort();

function pkgs(): TestPackage[] {
  const file = (name: string) => [
    { path: 'usr', type: 'dir' as const },
    { path: 'usr/share', type: 'dir' as const },
    { path: `usr/share/${name}`, type: 'file' as const, data: Buffer.from(`${name}\n`) },
  ];
  const out: TestPackage[] = [];
  for (let i = 0; i < 12; i++) out.push({ name: `lib${i}`, version: '1.0-r0', files: file(`lib${i}`) });
  out.push({ name: 'nodejs', version: '1.0-r0', depends: out.map((p) => p.name), files: file('nodejs') });
  for (const n of ['busybox', 'a', 'b', 'c', 'd']) out.push({ name: n, version: '1.0-r0', files: file(n) });
  return out;
}

describe('concurrent writers on one root', () => {
  const base = tempRoot('concurrent');
  let repo: TestRepo;
  before(async () => {
    repo = await makeTestRepo(base);
    await repo.add(pkgs());
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  const freshRoot = (name: string, world: string[]) => {
    const root = join(base, name);
    mkdirSync(root);
    const r = spawnCli(
      ['apk', '--root', root, '--initdb', '--keys-dir', repo.keysDir, '-X', repo.dir, '--no-cache', 'add', ...world],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    return root;
  };

  it('add nodejs in the background, then --wait 30 del busybox: both changes survive', async () => {
    const root = freshRoot('bg', ['busybox']);
    const outside = tempRoot('concurrent-sentinel');
    const hostBefore = hashTree(outside);
    const held = await holdLock(root);
    const add = startWriter(root, repo, ['add', 'nodejs']);
    await until('the add to wait for the lock', () => flockers(root) >= 2);
    const del = startWriter(root, repo, ['del', 'busybox']);
    await until('the del to wait for the lock', () => flockers(root) >= 3);
    await held.release();
    const [a, d] = await Promise.all([add.done, del.done]);
    assert.equal(a.code, 0, a.out);
    assert.equal(d.code, 0, d.out);
    assert.deepEqual(readWorld(root), ['nodejs']);
    assert.deepEqual(installedNames(root), [...Array.from({ length: 12 }, (_, i) => `lib${i}`), 'nodejs'].sort());
    assert.equal(hashTree(outside), hostBefore);
    rmSync(outside, { recursive: true, force: true });
  });

  // A seeded generator: the writers are random but the same on every run.
  let seed = 0x2545f491;
  const rand = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const names = ['a', 'b', 'c', 'd'];
  const effect = (world: string[], op: string[]) =>
    op[0] === 'add' ? [...new Set([...world, op[1] as string])].sort() : world.filter((n) => n !== op[1]);
  const permutations = <T>(xs: T[]): T[][] =>
    xs.length <= 1
      ? [xs]
      : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));

  for (let round = 1; round <= 3; round++) {
    it(`round ${round}: 4 random concurrent writers; the final world is the effect of the commits in lock order`, async () => {
      const start = names.filter(() => rand(2) === 0);
      const root = freshRoot(`r${round}`, start.length ? start : ['busybox']);
      const startWorld = readWorld(root);
      const ops = Array.from({ length: 4 }, () => {
        const n = names[rand(names.length)] as string;
        return [rand(2) === 0 ? 'add' : 'del', n];
      });
      const held = await holdLock(root);
      const writers: Writer[] = [];
      for (const op of ops) {
        writers.push(startWriter(root, repo, op));
        await until('the writer to wait for the lock', () => flockers(root) >= writers.length + 1);
      }
      await held.release();
      const results = await Promise.all(writers.map((w) => w.done));
      // A writer's own log says whether it committed (`del` of a name not in world is an error in apk).
      const committed = ops.filter((_, i) => results[i]?.code === 0);
      const final = readWorld(root);
      const possible = permutations(committed).map((order) => order.reduce(effect, startWorld).join(' '));
      assert.ok(
        possible.includes(final.join(' ')),
        `world ${final.join(' ')} is no lock order's effect of ${JSON.stringify(committed)} from ${startWorld.join(' ')}\n${results.map((r) => r.out).join('\n')}`,
      );
      assert.deepEqual(installedNames(root), final, 'the installed set is not the world');
    });
  }
});
