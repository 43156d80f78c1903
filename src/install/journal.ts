import {
  chmodSync,
  closeSync,
  fsyncSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { LupineError } from '../core/index.js';

/** The staging directory, inside the root so that every commit step is a same-filesystem rename. */
export const TXN_DIR = '.lupine-txn';
/** Inside the staging directory: the journal, written (synced, renamed) before the root is touched. */
export const JOURNAL = 'journal.json';
/** Inside the staging directory: written once every step and database is in place (the commit point). */
export const DONE = 'done';
/** Inside the staging directory: what a step moved out of the root, at `b/<step index>`. */
export const BACKUP_DIR = 'b';
/** Inside the staging directory: the directories `mkdir` steps put in place, at `d/<step index>`. */
export const NEW_DIR = 'd';

/** Owner and mode of a directory. */
export interface DirAcl {
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

/**
 * One commit step. Each step first moves whatever it overwrites or deletes to `b/<its index>`, and
 * brings new entries in by rename from the staging directory, so its undo can be read off the file
 * system (see `undoStep`): a staged source that is gone was placed, a backup that exists was taken.
 */
export type JournalOp =
  /** The directory is prepared at `d/<index>` (owner, mode) and renamed into place. */
  (
    | { readonly op: 'mkdir'; readonly path: string; readonly uid: number; readonly gid: number; readonly mode: number }
    /** `from` is relative to the staging directory, `to` to the root. */
    | { readonly op: 'rename'; readonly from: string; readonly to: string }
    | { readonly op: 'unlink'; readonly path: string }
    /** Removes an empty directory (a non-empty one is left alone). */
    | { readonly op: 'rmdir'; readonly path: string }
    /**
     * Owner and mode of an existing directory (apk's directory permission update); `before` is what the
     * directory had when the journal was written (null: it did not exist yet).
     */
    | {
        readonly op: 'perms';
        readonly path: string;
        readonly uid: number;
        readonly gid: number;
        readonly mode: number;
        readonly before?: DirAcl | null;
      }
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

export function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

export function kind(path: string): 'dir' | 'missing' | 'other' {
  try {
    return lstatSync(path).isDirectory() ? 'dir' : 'other';
  } catch (err) {
    if (errno(err) === 'ENOENT') return 'missing';
    throw err;
  }
}

export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function applyAcl(path: string, acl: DirAcl): void {
  try {
    lchownSync(path, acl.uid, acl.gid);
  } catch (err) {
    if (errno(err) !== 'EPERM') throw err;
  }
  chmodSync(path, acl.mode);
}

function aclOf(path: string): DirAcl | null {
  try {
    const st = lstatSync(path);
    return st.isDirectory() ? { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 } : null;
  } catch (err) {
    if (errno(err) === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Gets the staged steps ready to be undone: creates every `mkdir` step's directory at `d/<index>` with
 * its owner and mode, and records each `perms` step's directory as it is now. Runs under the root's
 * lock before the journal is written, so what it records is what the first step will find.
 */
export function prepareJournal(root: string, ops: readonly JournalOp[]): JournalOp[] {
  const txn = join(root, TXN_DIR);
  mkdirSync(join(txn, BACKUP_DIR), { recursive: true });
  mkdirSync(join(txn, NEW_DIR), { recursive: true });
  return ops.map((op, i) => {
    if (op.op === 'mkdir') {
      const d = join(txn, NEW_DIR, String(i));
      mkdirSync(d);
      applyAcl(d, op);
      return op;
    }
    if (op.op === 'perms') return { ...op, before: aclOf(join(root, op.path)) };
    return op;
  });
}

/**
 * Writes the journal to a temporary name, syncs it, then renames it into place. Before the rename
 * the transaction has not started (recovery throws the staging away); after it, recovery undoes
 * whatever steps ran, until the done marker exists.
 */
export function writeJournal(root: string, ops: readonly JournalOp[]): void {
  const txn = join(root, TXN_DIR);
  const tmp = join(txn, `${JOURNAL}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify({ version: 2, ops }));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(txn, JOURNAL));
  fsyncPath(txn);
}

export function readJournal(path: string): JournalOp[] {
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { version?: number; ops?: JournalOp[] };
    if (doc.version !== 2 || !Array.isArray(doc.ops)) throw new Error(`unknown journal version ${doc.version}`);
    return doc.ops;
  } catch (err) {
    throw new LupineError('INSTALL_JOURNAL_BAD', `the install journal ${path} cannot be read: ${String(err)}`, {
      cause: err,
      details: { path },
      hint: 'the root was left mid-transaction and its journal is damaged; restore the root from a backup',
    });
  }
}
