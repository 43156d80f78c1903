/**
 * Issue 11 follow-up F4: a lock file left empty (its creator killed between create and write, or the
 * write failed) must not block later runs for the stale timeout; a failed write removes the lock and
 * names it; waiting for a held lock is said through the logger.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isLupineError, type Logger } from '../../../src/core/index.js';
import { acquireLock } from '../../../src/repo/index.js';

const work = mkdtempSync(join(tmpdir(), 'lupine-cache-lock-'));
after(() => rmSync(work, { recursive: true, force: true }));

function recorder(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (m: string) => {
    lines.push(m);
  };
  return { logger: { info: push, warn: push, debug: push }, lines };
}

describe('acquireLock (issue 11 follow-up F4)', () => {
  it('breaks an empty lock file once it is past the short grace, long before staleMs', async () => {
    const path = join(work, 'empty.lock');
    writeFileSync(path, '');
    const old = new Date(Date.now() - 10_000);
    utimesSync(path, old, old);
    const lock = await acquireLock(path, { staleMs: 120_000, timeoutMs: 3_000, owner: { pid: 1 } });
    await lock.release();
    assert.ok(!existsSync(path));
  });

  it('breaks an unreadable (garbage) lock file past the grace', async () => {
    const path = join(work, 'garbage.lock');
    writeFileSync(path, '{"pid": 12');
    const old = new Date(Date.now() - 10_000);
    utimesSync(path, old, old);
    const lock = await acquireLock(path, { staleMs: 120_000, timeoutMs: 3_000, owner: { pid: 1 } });
    await lock.release();
  });

  it('says "waiting for lock PATH" through the logger while a live holder has it', async () => {
    const path = join(work, 'held.lock');
    writeFileSync(path, JSON.stringify({ pid: 4242, host: hostname(), token: 'someone' }));
    const { logger, lines } = recorder();
    await assert.rejects(acquireLock(path, { timeoutMs: 300, logger, owner: { pid: 1, isAlive: () => true } }), (err) =>
      isLupineError(err, 'REPO_CACHE_LOCKED'),
    );
    assert.ok(
      lines.some((l) => l.includes(`waiting for lock ${path}`)),
      lines.join('\n'),
    );
    assert.ok(existsSync(path), "the holder's lock is left alone");
  });

  it('a write that fails (ENOSPC) removes the lock file and names it in the error', async (t) => {
    const dir = join(work, 'full');
    mkdirSync(dir);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { encoding: 'utf8' });
    if (m.status !== 0) {
      t.skip(`cannot mount a tmpfs here (${(m.stderr || m.error?.message || '').trim()})`);
      return;
    }
    try {
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (let i = 0; ; i++) {
        try {
          writeFileSync(join(dir, `filler-${i}`), chunk);
        } catch {
          break;
        }
      }
      const path = join(dir, '.APKINDEX.lock');
      await assert.rejects(acquireLock(path, { timeoutMs: 1_000 }), (err) => {
        assert.ok(isLupineError(err, 'IO_ERROR'), String(err));
        assert.match(err.message, /ENOSPC/);
        assert.ok(err.message.includes(path), err.message);
        return true;
      });
      assert.ok(!existsSync(path), 'no empty lock is left behind');
    } finally {
      spawnSync('umount', [dir]);
    }
  });
});
