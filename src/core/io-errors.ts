/**
 * I/O faults as user errors: an errno error from the file system (a full or read-only disk, a
 * missing file, no permission) is the environment's problem, not a bug, and is reported as
 * IO_ERROR naming the path and what to do. `readInputFile` is the one way to read a file a user
 * named, with that error.
 */
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { LupineError } from './errors.js';

const HINTS: Readonly<Record<string, string>> = {
  ENOENT: 'it does not exist; check the path',
  ENOTDIR: 'a part of the path is not a directory; check the path',
  EISDIR: 'it is a directory; give a file',
  EACCES: 'permission denied; check the permissions of the path and its directories',
  EPERM: 'the operation is not permitted here; check the permissions and the file system',
  EROFS: 'the file system is read-only; write to a writable location',
  ENOSPC: 'the disk is full; free some space or write elsewhere',
  EDQUOT: 'the disk quota is exceeded; free some space or write elsewhere',
  EIO: 'the device reported an I/O error',
  EEXIST: 'something already exists at that path',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'the path has too many symbolic links',
  EMFILE: 'too many open files; raise the limit (ulimit -n)',
  ENFILE: 'too many open files on the system',
  EBUSY: 'the path is busy (in use or a mount point)',
  EXDEV: 'the source and target are on different file systems',
  ETXTBSY: 'the file is being executed',
  EFBIG: 'the file is too large for the file system',
};

/** Whether `err` is a file-system fault (an errno error from a system call with a code we name). */
export function isIoFault(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | null;
  return (
    e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string' && HINTS[e.code] !== undefined
  );
}

/** An IO_ERROR for a file-system fault: `cannot <action> <what> <path>: <reason>`, with a hint. */
export function ioError(err: unknown, action?: string, path?: string, what?: string): LupineError {
  const e = err as NodeJS.ErrnoException;
  const where = path ?? e.path ?? (e as { dest?: string }).dest;
  const verb = action ?? verbOf(e.syscall);
  const subject = [what, where].filter(Boolean).join(' ');
  const reason = e.code
    ? `${e.code}${e.message ? ` (${e.message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')})` : ''}`
    : e.message;
  return new LupineError('IO_ERROR', `cannot ${verb}${subject ? ` ${subject}` : ''}: ${reason}`, {
    cause: err,
    details: { ...(where ? { path: where } : {}), ...(e.code ? { errno: e.code } : {}) },
    hint: (e.code && HINTS[e.code]) || 'check the path and the file system',
  });
}

function verbOf(syscall: string | undefined): string {
  switch (syscall) {
    case 'open':
    case 'read':
    case 'scandir':
    case 'stat':
    case 'lstat':
    case 'readlink':
      return 'read';
    case 'mkdir':
      return 'create the directory';
    case 'rename':
      return 'rename';
    case 'unlink':
    case 'rmdir':
    case 'rm':
      return 'remove';
    default:
      return 'write';
  }
}

/** Runs a read of `path`; a file-system fault becomes IO_ERROR naming `what` and the path. */
export async function asInputRead<T>(path: string, what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (isIoFault(err)) throw ioError(err, 'read', path, what);
    throw err;
  }
}

/** Reads a file a user named (`what`: "lock file", "key", …); a fault is IO_ERROR naming it. */
export async function readInputFile(path: string, what: string): Promise<Buffer>;
export async function readInputFile(path: string, what: string, encoding: 'utf8'): Promise<string>;
export async function readInputFile(path: string, what: string, encoding?: 'utf8'): Promise<Buffer | string> {
  return asInputRead<Buffer | string>(path, what, () => (encoding ? readFile(path, encoding) : readFile(path)));
}

/** Like readInputFile, but a file that does not exist (ENOENT) is undefined: a state or cache file. */
export async function readOptionalFile(path: string, what: string): Promise<Buffer | undefined>;
export async function readOptionalFile(path: string, what: string, encoding: 'utf8'): Promise<string | undefined>;
export async function readOptionalFile(
  path: string,
  what: string,
  encoding?: 'utf8',
): Promise<Buffer | string | undefined> {
  try {
    return encoding ? await readFile(path, encoding) : await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (isIoFault(err)) throw ioError(err, 'read', path, what);
    throw err;
  }
}

/** The stat of a path a user named (a file or a directory); a fault is IO_ERROR naming it. */
export function statInput(path: string, what: string): Promise<Stats> {
  return asInputRead(path, what, () => stat(path));
}
