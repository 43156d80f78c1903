import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { LupineError } from '../core/index.js';

/** The staging directory, inside the root so that every commit step is a same-filesystem rename. */
export const TXN_DIR = '.lupine-txn';
const JOURNAL = 'journal.json';

/**
 * One commit step. Every step is idempotent, so a journal can be replayed after a crash at any point:
 * `rename` does nothing once its source is gone, `mkdir` once the directory exists, `unlink`/`rmdir`
 * once the path is gone (`rmdir` also leaves non-empty directories alone).
 */
export type JournalOp = (
  | { readonly op: 'mkdir'; readonly path: string; readonly uid: number; readonly gid: number; readonly mode: number }
  /** `from` is relative to the staging directory, `to` to the root. */
  | { readonly op: 'rename'; readonly from: string; readonly to: string }
  | { readonly op: 'unlink'; readonly path: string }
  | { readonly op: 'rmdir'; readonly path: string }
  /** Owner and mode of an existing directory (apk's directory permission update). */
  | { readonly op: 'perms'; readonly path: string; readonly uid: number; readonly gid: number; readonly mode: number }
) & {
  /** The change the step belongs to: an index into the incoming packages, or REMOVAL. */
  readonly pkg?: number;
};

/** `JournalOp.pkg` of the steps that remove packages' files. */
export const REMOVAL = -1;

/** Called before the first and after the last step of each change while a journal is carried out. */
export type ChangeHook = (pkg: number, phase: 'pre' | 'post') => Promise<void>;

/** Called at named points of a transaction (tests pause or crash there). */
export type PauseHook = (point: string) => Promise<void> | void;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

function kind(path: string): 'dir' | 'missing' | 'other' {
  try {
    return lstatSync(path).isDirectory() ? 'dir' : 'other';
  } catch (err) {
    if (errno(err) === 'ENOENT') return 'missing';
    throw err;
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function applyAcl(path: string, uid: number, gid: number, mode: number): void {
  try {
    lchownSync(path, uid, gid);
  } catch (err) {
    if (errno(err) !== 'EPERM') throw err;
  }
  chmodSync(path, mode);
}

function applyOp(root: string, txn: string, op: JournalOp): void {
  switch (op.op) {
    case 'mkdir': {
      const p = join(root, op.path);
      const k = kind(p);
      if (k === 'dir') return;
      if (k === 'other') unlinkSync(p);
      mkdirSync(p);
      applyAcl(p, op.uid, op.gid, op.mode);
      return;
    }
    case 'rename': {
      const from = join(txn, op.from);
      if (kind(from) === 'missing') return;
      const to = join(root, op.to);
      if (kind(to) === 'dir') rmdirSync(to);
      renameSync(from, to);
      return;
    }
    case 'unlink': {
      const p = join(root, op.path);
      if (kind(p) === 'other') unlinkSync(p);
      return;
    }
    case 'perms': {
      const p = join(root, op.path);
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(p);
      } catch (err) {
        if (errno(err) === 'ENOENT') return;
        throw err;
      }
      if (!st.isDirectory()) return;
      if (st.uid !== op.uid || st.gid !== op.gid || (st.mode & 0o7777) !== op.mode)
        applyAcl(p, op.uid, op.gid, op.mode);
      return;
    }
    case 'rmdir': {
      try {
        rmdirSync(join(root, op.path));
      } catch (err) {
        const c = errno(err);
        if (c !== 'ENOENT' && c !== 'ENOTEMPTY' && c !== 'EEXIST' && c !== 'ENOTDIR') throw err;
      }
      return;
    }
  }
}

/**
 * The commit point: the journal is written to a temporary name, synced, then renamed into place.
 * Before the rename the transaction does not exist (recovery throws the staging away); after it,
 * recovery finishes it.
 */
export function writeJournal(root: string, ops: readonly JournalOp[]): void {
  const txn = join(root, TXN_DIR);
  const tmp = join(txn, `${JOURNAL}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify({ version: 1, ops }));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(txn, JOURNAL));
  fsyncPath(txn);
}

/** Carries out the journal's steps, then removes the staging directory (journal first). */
export async function replayJournal(
  root: string,
  ops: readonly JournalOp[],
  pause?: PauseHook,
  onChange?: ChangeHook,
): Promise<void> {
  const txn = join(root, TXN_DIR);
  const half = Math.floor(ops.length / 2);
  let cur: number | undefined;
  for (let i = 0; i < ops.length; i++) {
    if (i === half && pause) await pause('mid-commit');
    const op = ops[i] as JournalOp;
    if (onChange && op.pkg !== cur) {
      if (cur !== undefined) await onChange(cur, 'post');
      if (op.pkg !== undefined) await onChange(op.pkg, 'pre');
      cur = op.pkg;
    }
    applyOp(root, txn, op);
  }
  if (onChange && cur !== undefined) await onChange(cur, 'post');
  if (pause) await pause('committed');
  fsyncPath(root);
  unlinkSync(join(txn, JOURNAL));
  rmSync(txn, { recursive: true, force: true });
}

export type RecoveryOutcome = 'clean' | 'rolled-back' | 'completed';

function readJournal(path: string): JournalOp[] {
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { version?: number; ops?: JournalOp[] };
    if (doc.version !== 1 || !Array.isArray(doc.ops)) throw new Error('unknown journal version');
    return doc.ops;
  } catch (err) {
    throw new LupineError('INSTALL_JOURNAL_BAD', `the install journal ${path} cannot be read: ${String(err)}`, {
      cause: err,
      details: { path },
      hint: 'the root was left mid-transaction and its journal is damaged; restore the root from a backup',
    });
  }
}

/**
 * Brings a root left by an interrupted transaction back to a consistent state: a transaction that
 * never reached its commit point is thrown away (the root is as it was); a committed one is finished.
 * The caller holds the root's lock (see `recoverRoot`).
 */
export async function recoverTransaction(root: string): Promise<RecoveryOutcome> {
  const txn = join(root, TXN_DIR);
  if (!existsSync(txn)) return 'clean';
  const journal = join(txn, JOURNAL);
  if (!existsSync(journal)) {
    rmSync(txn, { recursive: true, force: true });
    return 'rolled-back';
  }
  await replayJournal(root, readJournal(journal));
  return 'completed';
}
