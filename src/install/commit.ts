import {
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { InternalError, LupineError } from '../core/index.js';
import {
  applyAcl,
  assertConfined,
  assertRealDir,
  BACKUP_DIR,
  type ChangeHook,
  DONE,
  fsyncPath,
  JOURNAL,
  type JournalOp,
  kind,
  NEW_DIR,
  type PauseHook,
  readJournal,
  SPOOL_DIR,
  TXN_DIR,
} from './journal.js';
import type { JournalBinding } from './journal-seal.js';
import { syncFileSystem } from './sync.js';

export type RecoveryOutcome = 'clean' | 'rolled-back' | 'completed';

function isEmptyDir(path: string): boolean {
  return readdirSync(path).length === 0;
}

/**
 * Every path a step touches, in the root and in the staging directory, is reached through real
 * directories only: a script (or anything else) that swapped one for a symlink cannot redirect a step.
 */
function confineStep(root: string, op: JournalOp, i: number): void {
  const staged = (rel: string) => assertConfined(root, `${TXN_DIR}/${rel}`);
  staged(`${BACKUP_DIR}/${i}`);
  if (op.op === 'rename') {
    assertConfined(root, op.to);
    staged(op.from);
  } else {
    assertConfined(root, op.path);
    if (op.op === 'mkdir') staged(`${NEW_DIR}/${i}`);
  }
}

/** Carries out step `i`: what it overwrites or deletes goes to `b/<i>` first, new entries come in by rename. */
function doStep(root: string, txn: string, op: JournalOp, i: number): void {
  confineStep(root, op, i);
  const backup = join(txn, BACKUP_DIR, String(i));
  switch (op.op) {
    case 'mkdir': {
      const p = join(root, op.path);
      const k = kind(p);
      // Staging emits mkdir only where no directory is, and the root stays locked since.
      if (k === 'dir') throw new InternalError(`commit: '${op.path}' became a directory after staging`);
      if (k === 'other') renameSync(p, backup);
      renameSync(join(txn, NEW_DIR, String(i)), p);
      return;
    }
    case 'rename': {
      const to = join(root, op.to);
      const k = kind(to);
      if (k === 'dir' && !isEmptyDir(to)) {
        throw new LupineError('INSTALL_FILE_CONFLICT', `a non-empty directory is in the way of '${op.to}'`, {
          details: { path: op.to },
        });
      }
      if (k !== 'missing') renameSync(to, backup);
      renameSync(join(txn, op.from), to);
      return;
    }
    case 'unlink': {
      const p = join(root, op.path);
      if (kind(p) === 'other') renameSync(p, backup);
      return;
    }
    case 'rmdir': {
      const p = join(root, op.path);
      if (kind(p) === 'dir' && isEmptyDir(p)) renameSync(p, backup);
      return;
    }
    case 'perms': {
      const p = join(root, op.path);
      if (kind(p) === 'dir') applyAcl(p, op);
      return;
    }
  }
}

/**
 * Undoes step `i`, reading what it did off the file system; does nothing for a step that never ran,
 * and can be repeated (a crash during recovery is recovered the same way).
 */
function undoStep(root: string, txn: string, op: JournalOp, i: number): void {
  confineStep(root, op, i);
  const backup = join(txn, BACKUP_DIR, String(i));
  const restore = (to: string): void => {
    if (kind(backup) !== 'missing') renameSync(backup, to);
  };
  switch (op.op) {
    case 'mkdir': {
      const p = join(root, op.path);
      const staged = join(txn, NEW_DIR, String(i));
      if (kind(staged) === 'missing' && kind(p) === 'dir') renameSync(p, staged);
      restore(p);
      return;
    }
    case 'rename': {
      const to = join(root, op.to);
      const from = join(txn, op.from);
      if (kind(from) === 'missing' && kind(to) !== 'missing') renameSync(to, from);
      restore(to);
      return;
    }
    case 'unlink':
    case 'rmdir':
      restore(join(root, op.path));
      return;
    case 'perms': {
      const p = join(root, op.path);
      if (op.before && kind(p) === 'dir') applyAcl(p, op.before);
      return;
    }
  }
}

/** Undoes every step in reverse, pausing (tests) at 'rolling-back' half-way. */
async function rollBack(root: string, ops: readonly JournalOp[], pause?: PauseHook): Promise<void> {
  const txn = join(root, TXN_DIR);
  const half = Math.floor(ops.length / 2);
  for (let i = ops.length - 1; i >= 0; i--) {
    if (i === half && pause) await pause('rolling-back');
    undoStep(root, txn, ops[i] as JournalOp, i);
  }
}

/** After a roll-back: the restored root reaches the disk, then the journal goes, then the staging. */
function discardTransaction(root: string): void {
  const txn = join(root, TXN_DIR);
  syncFileSystem(root);
  if (existsSync(join(txn, JOURNAL))) {
    unlinkSync(join(txn, JOURNAL));
    fsyncPath(txn);
  }
  rmSync(txn, { recursive: true, force: true });
}

/** After the commit point: backups and leftovers go, the journal and the done marker last. */
function dropTransaction(root: string): void {
  const txn = join(root, TXN_DIR);
  for (const name of readdirSync(txn)) {
    if (name !== DONE && name !== JOURNAL) rmSync(join(txn, name), { recursive: true, force: true });
  }
  rmSync(join(txn, JOURNAL), { force: true });
  rmSync(join(txn, DONE), { force: true });
  rmSync(txn, { recursive: true, force: true });
}

function writeDone(txn: string): void {
  // Never through a link: a fresh file, created exclusively.
  rmSync(join(txn, DONE), { force: true });
  const fd = openSync(
    join(txn, DONE),
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncPath(txn);
}

/**
 * Carries out a written journal (see `writeJournal`), then, with every step and database in place and
 * on disk, writes the done marker: the commit point. An error before it undoes every step (the root is
 * as it was); a kill before it is undone by the next `recoverTransaction`. Pause points for tests:
 * 'carried:<k>' after the k-th package's steps, 'mid-commit', 'applied' (all steps done, before the
 * marker), 'committed' (after it, before the backups are dropped).
 */
export async function commitJournal(
  root: string,
  ops: readonly JournalOp[],
  pause?: PauseHook,
  onChange?: ChangeHook,
): Promise<void> {
  const txn = join(root, TXN_DIR);
  const half = Math.floor(ops.length / 2);
  let cur: number | undefined;
  let carried = 0;
  const leave = async (): Promise<void> => {
    if (cur === undefined) return;
    if (onChange) await onChange(cur, 'post');
    if (cur >= 0 && pause) await pause(`carried:${++carried}`);
  };
  try {
    for (let i = 0; i < ops.length; i++) {
      if (i === half && pause) await pause('mid-commit');
      const op = ops[i] as JournalOp;
      if (op.pkg !== cur) {
        await leave();
        cur = op.pkg;
        if (onChange && cur !== undefined) await onChange(cur, 'pre');
      }
      doStep(root, txn, op, i);
    }
    await leave();
    if (pause) await pause('applied');
    syncFileSystem(root);
    writeDone(txn);
  } catch (err) {
    try {
      await rollBack(root, ops);
      discardTransaction(root);
    } catch {
      // The journal stays; the next run (or recoverRoot) finishes the roll-back.
    }
    throw err;
  }
  if (pause) await pause('committed');
  dropTransaction(root);
}

/**
 * Brings a root left by an interrupted transaction back to a consistent state: without the done
 * marker every step that ran is undone in reverse (the root is exactly as it was before); with it,
 * only the staging directory is cleaned up. The caller holds the root's lock (see `recoverRoot`).
 */
export async function recoverTransaction(
  root: string,
  binding: JournalBinding,
  pause?: PauseHook,
): Promise<RecoveryOutcome> {
  const txn = join(root, TXN_DIR);
  if (kind(txn) === 'missing') return 'clean';
  assertRealDir(txn);
  if (readdirSync(txn).every((name) => name === SPOOL_DIR)) {
    // Killed while packages were streamed in: nothing of the root was staged yet.
    rmSync(txn, { recursive: true, force: true });
    return 'clean';
  }
  if (existsSync(join(txn, DONE))) {
    dropTransaction(root);
    return 'completed';
  }
  const journal = join(txn, JOURNAL);
  if (kind(journal) !== 'missing') await rollBack(root, readJournal(root, binding), pause);
  discardTransaction(root);
  return 'rolled-back';
}
