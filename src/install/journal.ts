import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { LupineError } from '../core/index.js';
import { type JournalBinding, newTxnId, sealMatches, sealOf } from './journal-seal.js';

/** The staging directory, inside the root so that every commit step is a same-filesystem rename. */
export const TXN_DIR = '.lupine-txn';
/** Inside the staging directory: the journal, written (synced, renamed) before the root is touched. */
export const JOURNAL = 'journal.json';
/** The journal format: version 3 is bound to its transaction and root, and sealed. */
const JOURNAL_VERSION = 3;
/** The previous release's unsealed format, still recovered when it is confined and ours (`legacyOps`). */
const LEGACY_VERSION = 2;
/** Inside the staging directory: written once every step and database is in place (the commit point). */
export const DONE = 'done';
/** Inside the staging directory: what a step moved out of the root, at `b/<step index>`. */
export const BACKUP_DIR = 'b';
/** Where packages' file contents are streamed before staging; alone, it is no change to the root. */
export const SPOOL_DIR = 'in';
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
 * Writes the journal (bound to a fresh transaction id and the root, sealed) to a temporary name
 * opened exclusively without following links, syncs it, then renames it into place. Before the
 * rename the transaction has not started (recovery throws the staging away); after it, recovery
 * undoes whatever steps ran, until the done marker exists.
 */
export function writeJournal(root: string, ops: readonly JournalOp[], binding: JournalBinding): void {
  const txn = join(root, TXN_DIR);
  assertRealDir(txn);
  const tmp = join(txn, `${JOURNAL}.tmp`);
  rmSync(tmp, { force: true });
  const body = JSON.stringify({ version: JOURNAL_VERSION, txn: newTxnId(), root: binding.root, ops });
  const doc = `${body.slice(0, -1)},"seal":"${sealOf(binding.key, body)}"}`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, doc);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(txn, JOURNAL));
  fsyncPath(txn);
}

function foreign(path: string, why: string, cause?: unknown): LupineError {
  return new LupineError('INSTALL_JOURNAL_FOREIGN', `refusing the install journal ${path}: ${why}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { path, why },
    hint:
      'lupine did not write this journal for this root (or it was changed); nothing was rolled back. ' +
      `Inspect ${dirname(path)} and remove it once the root is known to be as it should be`,
  });
}

/** A relative path with no empty, '.', '..' or absolute parts: what every journal path must be. */
function isPlainRelative(p: unknown): p is string {
  if (typeof p !== 'string' || p === '' || p.includes('\0')) return false;
  return p.split('/').every((c) => c !== '' && c !== '.' && c !== '..');
}

function checkOp(op: unknown): string | undefined {
  const o = op as Record<string, unknown>;
  if (typeof o !== 'object' || o === null) return 'a step is not an object';
  const inRoot = (p: unknown) => isPlainRelative(p) && p !== TXN_DIR && !p.startsWith(`${TXN_DIR}/`);
  switch (o.op) {
    case 'mkdir':
    case 'unlink':
    case 'rmdir':
    case 'perms':
      return inRoot(o.path) ? undefined : `step path ${JSON.stringify(o.path)} is not confined to the root`;
    case 'rename':
      if (!inRoot(o.to)) return `step path ${JSON.stringify(o.to)} is not confined to the root`;
      return isPlainRelative(o.from)
        ? undefined
        : `step source ${JSON.stringify(o.from)} is not in the staging directory`;
    default:
      return `unknown step ${JSON.stringify(o.op)}`;
  }
}

/**
 * Reads the journal of `root` and checks it is ours: it parses, its seal verifies under our key, it
 * names this root, and every path stays inside the root or the staging directory (a version-2
 * journal: see `legacyOps`). Anything else is INSTALL_JOURNAL_FOREIGN and the journal is left where it is.
 */
export function readJournal(root: string, binding: JournalBinding): JournalOp[] {
  const path = join(root, TXN_DIR, JOURNAL);
  let text: string;
  let owner: { uid: number; mode: number; file: boolean };
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const st = fstatSync(fd);
      owner = { uid: st.uid, mode: st.mode & 0o777, file: st.isFile() };
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw foreign(path, `it cannot be read (${errno(err) ?? String(err)})`, err);
  }
  let doc: { version?: unknown; txn?: unknown; root?: unknown; ops?: unknown; seal?: unknown };
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw foreign(path, 'it is not JSON', err);
  }
  if (typeof doc === 'object' && doc !== null && doc.version === LEGACY_VERSION) return legacyOps(path, doc, owner);
  if (typeof doc !== 'object' || doc === null || doc.version !== JOURNAL_VERSION) {
    throw foreign(path, `unknown journal version ${JSON.stringify((doc as { version?: unknown })?.version)}`);
  }
  if (typeof doc.txn !== 'string' || !Array.isArray(doc.ops)) throw foreign(path, 'it has no transaction id or steps');
  const body = JSON.stringify({ version: doc.version, txn: doc.txn, root: doc.root, ops: doc.ops });
  if (!sealMatches(binding.key, body, doc.seal)) throw foreign(path, 'its seal does not verify under our key');
  if (doc.root !== binding.root) throw foreign(path, `it belongs to the root ${JSON.stringify(doc.root)}`);
  for (const op of doc.ops) {
    const why = checkOp(op);
    if (why) throw foreign(path, why);
  }
  return doc.ops as JournalOp[];
}

/**
 * A journal of the previous release (`{version: 2, ops}`: no seal, no binding), left by a transaction
 * it did not finish. It cannot be authenticated, so it is recovered only when nothing in it could
 * reach past what a process writing in the root could do itself: every step confined to the root and
 * the staging directory (the checks of a current journal), and the file ours as that release wrote
 * it (a regular file of our user, writable by no one else). Anything else stays foreign.
 */
function legacyOps(
  path: string,
  doc: { ops?: unknown },
  owner: { uid: number; mode: number; file: boolean },
): JournalOp[] {
  if (!owner.file || owner.uid !== userInfo().uid || (owner.mode & 0o022) !== 0) {
    throw foreign(path, 'a version-2 journal that is not a private file of ours');
  }
  if (!Array.isArray(doc.ops)) throw foreign(path, 'it has no steps');
  for (const op of doc.ops) {
    const why = checkOp(op);
    if (why) throw foreign(path, why);
  }
  return doc.ops as JournalOp[];
}

/** Throws INSTALL_JOURNAL_FOREIGN unless `path` is a real directory (not a symlink). */
export function assertRealDir(path: string): void {
  const st = lstatSync(path);
  if (!st.isDirectory()) throw foreign(join(path, JOURNAL), `${path} is not a directory of ours (a symlink or a file)`);
}

/**
 * Checks that no directory on the way from `base` to `rel`'s parent is a symlink (or not a directory),
 * so a step can never be carried out through a link something planted meanwhile.
 */
export function assertConfined(base: string, rel: string): void {
  const parts = rel.split('/');
  let at = base;
  for (let i = 0; i < parts.length - 1; i++) {
    at = join(at, parts[i] as string);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(at);
    } catch (err) {
      if (errno(err) === 'ENOENT') return;
      throw err;
    }
    if (!st.isDirectory()) {
      throw new LupineError(
        'INSTALL_SYMLINK_ESCAPE',
        `refusing to go through '${relative(base, at)}': not a directory`,
        {
          details: { path: rel, through: relative(base, at) },
          hint: 'something replaced a directory of the root with a link during the transaction',
        },
      );
    }
  }
}
