import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ioError, type Logger, LupineError, silentLogger } from '../core/index.js';

/**
 * An advisory lock between processes sharing one cache directory: a lock file created with
 * O_EXCL holding `{pid, host, token}`. A holder refreshes its mtime while it works; a lock whose
 * holder is gone (same host, pid not alive) or whose mtime is older than `staleMs` is broken.
 */

/** Who takes locks. The CLI passes its pid and a liveness check; the library never reads `process`. */
export interface LockOwner {
  readonly pid: number;
  /** Whether a process with this pid runs on this host. Omitted: staleness is judged by age only. */
  isAlive?(pid: number): boolean;
}

export interface LockOptions {
  readonly owner?: LockOwner;
  /** A lock not refreshed for this long is stale. Default 60 s. */
  readonly staleMs?: number;
  /** Give up waiting after this long (REPO_CACHE_LOCKED). Default 10 min. */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

interface LockContent {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
}

export interface HeldLock {
  release(): Promise<void>;
}

async function readContent(path: string): Promise<{ content: LockContent | undefined; mtimeMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    let content: LockContent | undefined;
    try {
      const v = JSON.parse(text) as Partial<LockContent>;
      if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string') {
        content = { pid: v.pid, host: v.host, token: v.token };
      }
    } catch {
      content = undefined; // being written right now, or garbage: judged by age
    }
    return { content, mtimeMs: st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** How long a lock file may stay empty or unreadable while its creator is writing it. */
const UNWRITTEN_GRACE_MS = 2_000;

function isStale(
  seen: { content: LockContent | undefined; mtimeMs: number },
  owner: LockOwner,
  host: string,
  staleMs: number,
): boolean {
  const age = Date.now() - seen.mtimeMs;
  if (age > staleMs) return true;
  const c = seen.content;
  // Its creator writes the content right after creating the file: empty or garbage past a short
  // grace means the creator died in between (or its write failed).
  if (c === undefined && age > UNWRITTEN_GRACE_MS) return true;
  return c !== undefined && c.host === host && owner.isAlive !== undefined && c.pid > 0 && !owner.isAlive(c.pid);
}

/** Moves a stale lock aside, unless it changed hands since we looked at it. */
async function breakStale(path: string, token: string | undefined, logger: Logger): Promise<void> {
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = await readContent(aside);
  if (moved?.content && token !== undefined && moved.content.token !== token) {
    // Someone took the lock between our look and our rename: hand it back if the place is free.
    try {
      await rename(aside, path);
      return;
    } catch {
      // fall through and drop it; its holder will notice on release
    }
  }
  logger.warn(`cache: broke a stale lock ${path}`);
  await unlink(aside).catch(() => undefined);
}

/** Takes the lock at `path`, waiting (with backoff) while another live holder has it. */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const owner = options.owner ?? { pid: 0 };
  const staleMs = options.staleMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const logger = options.logger ?? silentLogger;
  const host = hostname();
  const token = randomBytes(12).toString('hex');
  const started = Date.now();
  let wait = 10;
  let said = false;
  for (;;) {
    try {
      const fh = await open(path, 'wx', 0o644);
      try {
        await fh.writeFile(JSON.stringify({ pid: owner.pid, host, token }));
        await fh.close();
      } catch (err) {
        // An empty lock left behind would hold off every later run: remove it.
        await fh.close().catch(() => undefined);
        await unlink(path).catch(() => undefined);
        throw ioError(err, 'write', path, 'the lock file');
      }
      return heldLock(path, token, staleMs);
    } catch (err) {
      if (err instanceof LupineError) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(err, 'create', path, 'the lock file');
    }
    const seen = await readContent(path);
    if (seen === undefined) continue;
    if (isStale(seen, owner, host, staleMs)) {
      await breakStale(path, seen.content?.token, logger);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new LupineError('REPO_CACHE_LOCKED', `timed out waiting for the cache lock ${path}`, {
        details: { path, holder: seen.content ?? null },
        hint: 'another lupine process holds the cache; wait for it, or remove the lock file if no lupine is running',
      });
    }
    if (!said) {
      said = true;
      const who = seen.content ? ` (held by pid ${seen.content.pid} on ${seen.content.host})` : '';
      logger.warn(`waiting for lock ${path}${who}`);
    }
    await sleep(wait + Math.floor(Math.random() * wait), undefined, { signal: options.signal });
    wait = Math.min(250, wait * 2);
  }
}

function heldLock(path: string, token: string, staleMs: number): HeldLock {
  const beat = setInterval(
    () => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    },
    Math.max(50, Math.floor(staleMs / 4)),
  );
  beat.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(beat);
      const seen = await readContent(path);
      if (seen?.content?.token === token) await unlink(path).catch(() => undefined);
    },
  };
}

/** Runs `fn` holding the lock at `path`. */
export async function withLock<T>(path: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(path, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
