import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fixedClock } from '../../../src/core/index.js';
import { installPackages, recoverRoot, TXN_DIR } from '../../../src/install/index.js';
import { packageSet } from './craft.js';
import { hashTree, tempRoot } from './fixtures.js';

const child = fileURLToPath(new URL('./crash-child.js', import.meta.url));

/** Runs the child (`what`: a package generation, or 'recover') until it reports `point`, then SIGKILLs it. */
function killAt(root: string, what: string, point: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, root, what], {
      env: { ...process.env, LUPINE_TEST_PAUSE: point },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(`paused:${point}\n`)) p.kill('SIGKILL');
    });
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`child ended with ${code} before ${point}: ${out} ${err}`));
    });
  });
}

/** `cp -a`: owners, modes, times, symlinks and hardlinks as they are. */
function copyTree(from: string, to: string): void {
  const r = spawnSync('cp', ['-a', `${from}/.`, to], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

/** Runs the same install to the end in a fresh process. */
function rerun(root: string, gen: string): void {
  const r = spawnSync(process.execPath, [child, root, gen], {
    encoding: 'utf8',
    env: { ...process.env, LUPINE_TEST_PAUSE: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'recovered:clean\ndone\n');
}

/**
 * `type mode uid:gid size sha256 path link` for everything under root: what a clean install is compared
 * with (databases are written at the current time, so file mtimes are left out here; `hashTree`, which
 * has them, checks "exactly as it was").
 */
function snapshot(root: string, exclude: string[] = []): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (exclude.includes(r)) continue;
      const p = join(root, r);
      const st = lstatSync(p);
      const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : 'o';
      const sum = type === 'f' ? createHash('sha256').update(readFileSync(p)).digest('hex') : '-';
      const link = type === 'l' ? readlinkSync(p) : '';
      out.push(
        `${type} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${type === 'd' ? '-' : st.size} ${sum} ./${r} ${link}`,
      );
      if (type === 'd') walk(r);
    }
  };
  walk('');
  return out;
}

/** Kill points over the whole run, in order. Up to 'journal-written' the root is not touched yet. */
const POINTS = [
  'verified',
  'mid-staging',
  'staged',
  'journal-written',
  'carried:1',
  'carried:5',
  'carried:15',
  'mid-commit',
  'applied',
  'committed',
];
const UNTOUCHED = new Set(['verified', 'mid-staging', 'staged', 'journal-written']);

function scenario(title: string, gen: '1' | '2', populated: boolean): void {
  describe(title, () => {
    const pristine = tempRoot('crash-from');
    const roots: string[] = [];
    let original = '';
    let clean: string[] = [];
    before(async () => {
      if (populated) {
        const v1 = packageSet(1);
        await installPackages(pristine, v1, { world: v1.map((p) => p.name), clock: fixedClock(1234) });
      }
      original = hashTree(pristine);
      const expected = tempRoot('crash-clean');
      roots.push(expected);
      copyTree(pristine, expected);
      const set = packageSet(gen === '2' ? 2 : 1);
      const r = await installPackages(expected, set, { world: set.map((p) => p.name), clock: fixedClock(1234) });
      assert.ok(r.installed.length + r.upgraded.length >= 20, 'a change of 20+ packages');
      clean = snapshot(expected);
      assert.notDeepEqual(snapshot(pristine), clean);
    });
    after(() => {
      for (const r of [pristine, ...roots]) rmSync(r, { recursive: true, force: true });
    });
    const copy = (label: string): string => {
      const r = tempRoot(label.replace(':', '-'));
      roots.push(r);
      copyTree(pristine, r);
      assert.equal(hashTree(r), original, 'the copy is faithful');
      return r;
    };

    POINTS.forEach((point, i) => {
      // Half the cases recover through recoverRoot, half through the next run of the same install
      // (stopped right after its own recovery, at 'recovered').
      const via = i % 2 === 0 ? 'recoverRoot' : 'the next install';
      it(`killed at '${point}', recovered by ${via}: the root is exactly as before, a rerun completes`, async () => {
        const root = copy(point);
        await killAt(root, gen, point);
        const during = hashTree(root, [TXN_DIR]);
        if (point === 'committed') assert.deepEqual(snapshot(root, [TXN_DIR]), clean, 'done: fully installed');
        else if (UNTOUCHED.has(point)) assert.equal(during, original, 'the root is not touched yet');
        else assert.notEqual(during, original, 'the kill left the root half-changed');
        if (via === 'recoverRoot') {
          const outcome = await recoverRoot(root, { lockWait: 10 });
          assert.equal(outcome, point === 'verified' ? 'clean' : point === 'committed' ? 'completed' : 'rolled-back');
        } else {
          await killAt(root, gen, 'recovered');
        }
        assert.equal(existsSync(join(root, TXN_DIR)), false);
        if (point === 'committed') assert.deepEqual(snapshot(root), clean);
        else assert.equal(hashTree(root), original, 'rolled back: paths, types, modes, owners, contents, links');
        rerun(root, gen);
        assert.deepEqual(snapshot(root), clean);
      });
    });

    it('killed during the roll-back (by recoverRoot, then by the next install): recovery again restores the root', async () => {
      const root = copy('recovery');
      await killAt(root, gen, 'carried:15');
      await killAt(root, 'recover', 'rolling-back');
      assert.equal(existsSync(join(root, TXN_DIR, 'journal.json')), true, 'the journal outlives a half roll-back');
      assert.notEqual(hashTree(root, [TXN_DIR]), original, 'half rolled back');
      await killAt(root, gen, 'rolling-back');
      assert.equal(await recoverRoot(root, { lockWait: 10 }), 'rolled-back');
      assert.equal(hashTree(root), original);
      rerun(root, gen);
      assert.deepEqual(snapshot(root), clean);
    });

    it('an error while the journal is carried out rolls back at once', async () => {
      const root = copy('error');
      const set = packageSet(gen === '2' ? 2 : 1);
      await assert.rejects(
        installPackages(root, set, {
          world: set.map((p) => p.name),
          clock: fixedClock(1234),
          pause: (point) => {
            if (point === 'carried:5') throw new Error('injected failure');
          },
        }),
        /injected failure/,
      );
      assert.equal(existsSync(join(root, TXN_DIR)), false);
      assert.equal(hashTree(root), original);
    });
  });
}

scenario('crash safety: SIGKILL during an install of 22 packages into an empty root', '1', false);
scenario('crash safety: SIGKILL during an upgrade of 21 packages of a populated root', '2', true);

describe('crash safety: locking', () => {
  it('a second writer is refused while the root is locked', async () => {
    const root = tempRoot('crash-locked');
    try {
      const v1 = packageSet(1);
      await installPackages(root, v1, { world: v1.map((p) => p.name), clock: fixedClock(1234) });
      const before = hashTree(root);
      const p = spawn(process.execPath, [child, root, '2'], {
        env: { ...process.env, LUPINE_TEST_PAUSE: 'verified' },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      await new Promise<void>((resolve) =>
        p.stdout.on('data', (d: Buffer) => d.toString().includes('paused') && resolve()),
      );
      const v2 = packageSet(2);
      await assert.rejects(
        installPackages(root, v2, { world: [] }),
        (e: Error & { code?: string }) => e.code === 'INSTALL_LOCKED',
      );
      p.kill('SIGKILL');
      await new Promise((r) => p.on('exit', r));
      assert.equal(hashTree(root, [TXN_DIR]), before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
