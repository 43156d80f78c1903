/**
 * Authenticates an install journal as ours: the journal is bound to its transaction id and to the
 * root's real path, and sealed with an HMAC under a key kept outside every root (a package script
 * running in the root cannot read it). A journal that does not verify is foreign: recovery refuses
 * it and leaves it for the operator.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { LupineError } from '../core/index.js';

const KEY_FILE = 'journal.key';
const KEY_BYTES = 32;

/** Where the key lives by default: the user's state directory (never inside a root being changed). */
export function defaultStateDir(): string {
  return join(homedir(), '.local', 'state', 'lupine');
}

function readKey(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    if (!fstatSync(fd).isFile()) throw new Error('not a regular file');
    const key = Buffer.alloc(KEY_BYTES);
    const n = readSync(fd, key, 0, KEY_BYTES, 0);
    // A key still being written by another process reads short; the caller retries.
    return n === KEY_BYTES ? key : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The journal key: in `stateDir` when given; else in the user's state directory, or — when that
 * cannot be written (a read-only home) — in a private 0700 directory of ours under the temporary
 * directory. Created (0600, exclusively) on first use.
 */
export function journalKey(stateDir?: string): Buffer {
  if (stateDir !== undefined) return keyIn(stateDir);
  try {
    return keyIn(defaultStateDir());
  } catch (err) {
    const fallback = join(tmpdir(), `lupine-state-${userInfo().uid}`);
    try {
      mkdirSync(fallback, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = lstatSync(fallback);
    if (!st.isDirectory() || st.uid !== userInfo().uid || (st.mode & 0o077) !== 0) throw err;
    return keyIn(fallback);
  }
}

/** mkdir -p, one level at a time (recursive mkdirSync can spin on file systems such as /proc). */
function makeDirs(dir: string): void {
  const parent = dirname(dir);
  if (parent !== dir) {
    try {
      lstatSync(parent);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      makeDirs(parent);
    }
  }
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function keyIn(stateDir: string): Buffer {
  const path = join(stateDir, KEY_FILE);
  try {
    makeDirs(stateDir);
    for (let attempt = 0; attempt < 50; attempt++) {
      const key = readKey(path);
      if (key) return key;
      try {
        const fd = openSync(
          path,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        );
        try {
          writeSync(fd, randomBytes(KEY_BYTES));
        } finally {
          closeSync(fd);
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    throw new Error('the key file stays incomplete');
  } catch (err) {
    throw new LupineError(
      'IO_ERROR',
      `cannot read or create the install journal key ${path}: ${(err as Error).message}`,
      {
        cause: err,
        details: { path },
        hint: 'lupine keeps a private key there to recognise its own install journals; make the directory writable',
      },
    );
  }
}

/** What binds a journal to one transaction on one root. */
export interface JournalBinding {
  readonly key: Buffer;
  /** The root's real path. */
  readonly root: string;
}

export function newTxnId(): string {
  return randomBytes(16).toString('hex');
}

/** The seal over a journal's content (version, transaction id, root, steps: in that order). */
export function sealOf(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('hex');
}

export function sealMatches(key: Buffer, body: string, seal: unknown): boolean {
  if (typeof seal !== 'string' || !/^[0-9a-f]{64}$/.test(seal)) return false;
  return timingSafeEqual(Buffer.from(sealOf(key, body), 'hex'), Buffer.from(seal, 'hex'));
}
