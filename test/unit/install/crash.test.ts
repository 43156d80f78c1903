import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fixedClock } from '../../../src/core/index.js';
import { installPackages, recoverRoot, TXN_DIR } from '../../../src/install/index.js';
import { packageSet } from './craft.js';
import { hashTree, listTree, tempRoot } from './fixtures.js';

const child = fileURLToPath(new URL('./crash-child.js', import.meta.url));

/** Runs the child until it reports the pause point, then SIGKILLs it. */
function killAt(root: string, gen: string, point: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, root, gen], {
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

function rerun(root: string, gen: string): void {
  const r = spawnSync(process.execPath, [child, root, gen], {
    encoding: 'utf8',
    env: { ...process.env, LUPINE_TEST_PAUSE: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'done\n');
}

describe('crash safety: SIGKILL at each point of an upgrade of 22 packages', () => {
  const pristine = tempRoot('crash-v1');
  const expected = tempRoot('crash-v2');
  const roots: string[] = [];
  let v1Hash = '';
  let v2Tree: string[] = [];
  before(async () => {
    const v1 = packageSet(1);
    await installPackages(pristine, v1, { world: v1.map((p) => p.name), clock: fixedClock(1234) });
    v1Hash = hashTree(pristine);
    copyTree(pristine, expected);
    const v2 = packageSet(2);
    await installPackages(expected, v2, { world: v2.map((p) => p.name), clock: fixedClock(1234) });
    v2Tree = listTree(expected);
  });
  after(() => {
    for (const r of [pristine, expected, ...roots]) rmSync(r, { recursive: true, force: true });
  });
  const copy = (label: string): string => {
    const r = tempRoot(label);
    roots.push(r);
    copyTree(pristine, r);
    assert.equal(hashTree(r), v1Hash, 'the copy is faithful');
    return r;
  };

  for (const point of ['verified', 'staged']) {
    it(`killed at '${point}' (before the commit point): the root is unchanged, a rerun completes`, async () => {
      const root = copy(point);
      await killAt(root, '2', point);
      // Only the staging directory may be left behind; the next run throws it away.
      assert.equal(hashTree(root, [TXN_DIR]), v1Hash);
      assert.equal(await recoverRoot(root, { lockWait: 10 }), point === 'staged' ? 'rolled-back' : 'clean');
      assert.equal(hashTree(root), v1Hash, 'recovery restores the exact root');
      await killAt(root, '2', point);
      rerun(root, '2');
      assert.equal(existsSync(join(root, TXN_DIR)), false);
      assert.deepEqual(listTree(root), v2Tree);
    });
  }

  for (const point of ['journal-written', 'mid-commit', 'committed']) {
    it(`killed at '${point}' (after the commit point): recovery finishes the upgrade`, async () => {
      const root = copy(point);
      await killAt(root, '2', point);
      assert.equal(existsSync(join(root, TXN_DIR, 'journal.json')), true);
      // At the commit point nothing is applied yet; mid-commit and later the root is half-way.
      if (point === 'journal-written') assert.equal(hashTree(root, [TXN_DIR]), v1Hash);
      else assert.notEqual(hashTree(root, [TXN_DIR]), v1Hash);
      assert.equal(await recoverRoot(root, { lockWait: 10 }), 'completed');
      assert.deepEqual(listTree(root), v2Tree);
    });
    it(`killed at '${point}': a rerun of the same install completes it`, async () => {
      const root = copy(`${point}-rerun`);
      await killAt(root, '2', point);
      rerun(root, '2');
      assert.equal(existsSync(join(root, TXN_DIR)), false);
      assert.deepEqual(listTree(root), v2Tree);
    });
  }

  it('a second writer is refused while the root is locked', async () => {
    const root = copy('locked');
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
    assert.equal(hashTree(root, [TXN_DIR]), v1Hash);
  });
});
