/**
 * Files inside a root directory (an apk `--root`, an image being assembled, a scanned root), read
 * as the root's own programs would see them: every symlink is resolved as if the root were `/` (an
 * absolute target starts again at the root, `..` never climbs above it, like openat2's
 * RESOLVE_IN_ROOT), then the final path is opened without following a symlink, and must be a
 * regular file under a size cap. Nothing a root contains can make lupine read a host file.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { LupineError } from './errors.js';
import { checkLimit } from './limits.js';
import { readFullySync } from './read-fully.js';
import { walkRootSync } from './root-path.js';

/** A root read as its own programs see it (openat2's RESOLVE_IN_ROOT); only a loop stops the walk. */
const IN_ROOT = { absolute: 'restart', aboveRoot: 'stay', missing: 'pass', notDir: 'pass' } as const;

/** The largest root file read by default (a big installed database is a few MB). */
export const MAX_ROOT_FILE_BYTES = 256 * 1024 * 1024;

/** Makes the error for an unusable path (the caller's code, e.g. IMAGE_BUILD_PATH). */
export type RootPathError = (path: string, why: string) => LupineError;

const rootPathError: RootPathError = (path, why) =>
  new LupineError('IO_ERROR', `${path}: ${why}`, {
    details: { path, why },
    hint: 'the root is damaged or hostile; repair or recreate it',
  });

/** The path as components, `.` dropped; `..` is refused. */
export function rootPathParts(path: string, fail: RootPathError = rootPathError): string[] {
  const parts = path.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) throw fail(path, "'..' is not allowed in a path inside the root");
  return parts;
}

function isSymlink(abs: string): boolean {
  try {
    return lstatSync(abs).isSymbolicLink();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw err;
  }
}

/**
 * The real path (relative to the root, no leading `/`) that `path` names inside the root, every
 * symlink resolved inside it. With `followLast` false the last component is kept as is.
 */
export function resolveRootPath(
  root: string,
  path: string,
  followLast: boolean,
  fail: RootPathError = rootPathError,
): string {
  const r = walkRootSync(rootPathParts(path, fail).join('/'), { followLast, ...IN_ROOT }, (real) => {
    const abs = join(root, real);
    return isSymlink(abs) ? { kind: 'symlink', target: readlinkSync(abs) } : { kind: 'dir' };
  });
  if (!r.ok) throw fail(path, 'too many levels of symbolic links');
  return r.path;
}

export interface ReadRootFileOptions {
  /** Largest size accepted (LIMIT_EXCEEDED above it); default MAX_ROOT_FILE_BYTES. */
  readonly maxBytes?: number;
  /** Error for a path that cannot be resolved or is not a regular file. */
  readonly fail?: RootPathError;
}

/**
 * The bytes of the regular file `path` names inside `root`, or undefined when it does not exist
 * (a dangling symlink included). A FIFO, device, socket or directory there, or a symlink swapped in
 * after resolution, is an error naming the path; the file's content never appears in an error.
 */
export function readRootFile(root: string, path: string, options: ReadRootFileOptions = {}): Buffer | undefined {
  const fail = options.fail ?? rootPathError;
  const real = resolveRootPath(root, path, true, fail);
  let fd: number;
  try {
    fd = openSync(join(root, real), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') throw fail(path, 'changed into a symbolic link while being read');
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw fail(path, 'is not a regular file');
    checkLimit(`${path} size`, st.size, options.maxBytes ?? MAX_ROOT_FILE_BYTES);
    const buf = Buffer.alloc(st.size);
    return buf.subarray(0, readFullySync(fd, buf));
  } finally {
    closeSync(fd);
  }
}

/** Like readRootFile, as UTF-8 text. */
export function readRootText(root: string, path: string, options: ReadRootFileOptions = {}): string | undefined {
  return readRootFile(root, path, options)?.toString('utf8');
}

/** Whether `path` names a directory inside the root; its real path (relative to the root) if so. */
export function rootDir(root: string, path: string, fail: RootPathError = rootPathError): string | undefined {
  const real = resolveRootPath(root, path, true, fail);
  try {
    return lstatSync(join(root, real)).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}
