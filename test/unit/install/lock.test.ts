import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { installPackages } from '../../../src/install/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { lockedFrom } from './craft.js';
import { hashTree, tempRoot } from './fixtures.js';

/** Holds flock(2) on `path` in another process (as apk does on lib/apk/db/lock) until killed. */
async function holdLock(path: string): Promise<() => Promise<void>> {
  const p = spawn('flock', [path, 'sh', '-c', 'echo held; exec sleep 60'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  await new Promise<void>((resolve) => p.stdout.on('data', () => resolve()));
  return async () => {
    const exited = new Promise((r) => p.on('exit', r));
    process.kill(-(p.pid as number), 'SIGKILL'); // flock and the sleep that inherited its lock
    await exited;
  };
}

describe('locking the root', () => {
  const root = tempRoot('lock');
  after(() => rmSync(root, { recursive: true, force: true }));
  const pkg = (v: string) =>
    lockedFrom({ name: 'a', version: v, entries: [{ name: 'a', type: 'file', data: Buffer.from(v) }] });

  it("respects apk's lock on lib/apk/db/lock, then proceeds once it is released", async () => {
    await installPackages(root, [pkg('1')], { world: ['a'] });
    const release = await holdLock(join(root, 'lib/apk/db/lock'));
    const before = hashTree(root);
    try {
      await assertCode(() => installPackages(root, [pkg('2')], { world: ['a'] }), 'INSTALL_LOCKED');
      assert.equal(hashTree(root), before);
    } finally {
      await release();
    }
    const r = await installPackages(root, [pkg('2')], { world: ['a'], lockWait: 10 });
    assert.deepEqual(r.upgraded, ['a']);
  });

  it('waits for the lock when asked to', async () => {
    const release = await holdLock(root);
    const pending = installPackages(root, [pkg('3')], { world: ['a'], lockWait: 20 });
    setTimeout(() => void release(), 300);
    const r = await pending;
    assert.deepEqual(r.upgraded, ['a']);
  });
});
