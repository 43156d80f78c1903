/**
 * Reads a package's `melange-out/<name>` as the packager (outside the sandbox, often root) must:
 * never following a symlink the guest left. The output directory and every directory below it are
 * opened with O_NOFOLLOW and read through their descriptors (`/proc/self/fd/N/<name>`, Linux's
 * openat), each descriptor checked to be the inode its lstat named; files are read from no-follow
 * descriptors; symlinks are packed as symlinks. The output directory's real path must be exactly
 * where it belongs in the workspace, so a `melange-out` or destdir replaced by a link to a host path
 * fails with BUILD_OUTPUT_UNSAFE instead of packing host files (I/O edge).
 */
import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, readdir, readlink, realpath } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { TreeEntry } from '../../apk/index.js';
import { LupineError } from '../../core/index.js';

/** The default bound on a single output file: larger ones are refused, not read into memory. */
export const DEFAULT_MAX_OUTPUT_FILE_BYTES = 1024 ** 3;

export interface ReadOutputOptions {
  /** The largest single file read, in bytes (default DEFAULT_MAX_OUTPUT_FILE_BYTES). */
  readonly maxFileBytes?: number;
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

const major = (rdev: number) => Math.floor(rdev / 256) & 0xfff;
const minor = (rdev: number) => (rdev & 0xff) | ((Math.floor(rdev / 4096) & 0xfff00) >>> 0);

function unsafe(path: string, why: string): LupineError {
  return new LupineError('BUILD_OUTPUT_UNSAFE', `refusing to package ${path}: ${why}`, {
    details: { path },
    hint: 'a build step must leave its outputs as files and directories inside the workspace (a symlink is packed as a link, but the output directory itself and its parents must not be links)',
  });
}

function ioError(path: string, err: unknown): LupineError {
  return new LupineError('IO_ERROR', `cannot read the build output ${path}: ${(err as Error).message}`, {
    cause: err,
    details: { path },
  });
}

function tooLarge(path: string, size: number, limit: number): LupineError {
  return new LupineError(
    'LIMIT_EXCEEDED',
    `refusing to package ${path}: it is ${size} bytes, above the ${limit}-byte limit for one output file`,
    {
      details: { path, size, limit },
      hint: 'raise the limit with --max-output-file-size (bytes), or leave the file out of the package',
    },
  );
}

/** The whole file, read in chunks from its descriptor and refused once it passes `limit` (it may grow). */
async function readBounded(h: FileHandle, shown: string, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, limit - total + 1));
      const { bytesRead } = await h.read(buf, 0, buf.length, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > limit) throw tooLarge(shown, total, limit);
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
    }
  } catch (err) {
    throw err instanceof LupineError ? err : ioError(shown, err);
  }
  return Buffer.concat(chunks, total);
}

const fdPath = (h: FileHandle) => `/proc/self/fd/${h.fd}`;
const sameInode = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino;

async function openChecked(path: string, flags: number, expect: Stats, shown: string): Promise<FileHandle> {
  let h: FileHandle;
  try {
    h = await open(path, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR') throw unsafe(shown, 'it was replaced by a symlink while being read');
    throw ioError(shown, err);
  }
  const st = await h.stat();
  if (!sameInode(st, expect)) {
    await h.close();
    throw unsafe(shown, 'it changed while being read');
  }
  return h;
}

/**
 * The entries of `dir` (a package's output directory under `workspace`), in `readTree`'s shape and
 * order: sorted bytewise, owned by root, hardlinks grouped by inode, devices and fifos kept,
 * sockets skipped.
 */
export async function readOutputTree(
  dir: string,
  workspace: string,
  options: ReadOutputOptions = {},
): Promise<TreeEntry[]> {
  const limit = options.maxFileBytes ?? DEFAULT_MAX_OUTPUT_FILE_BYTES;
  const ws = resolve(workspace);
  const abs = resolve(dir);
  const rel = relative(ws, abs);
  if (rel === '' || rel.startsWith('..') || rel.split(sep).includes('..')) {
    throw unsafe(abs, `it is not inside the workspace ${ws}`);
  }
  // Clear errors first: no component between the workspace and the output may be a symlink.
  let at = ws;
  for (const part of rel.split(sep)) {
    at = join(at, part);
    const st = await lstat(at).catch((err: unknown) => {
      throw ioError(at, err);
    });
    if (st.isSymbolicLink()) throw unsafe(at, `it is a symlink (to ${await readlink(at).catch(() => '?')})`);
    if (!st.isDirectory()) throw unsafe(at, 'it is not a directory');
  }
  try {
    // Then the race-free check: the opened directory really is <workspace>/<rel>.
    const expected = join(await realpath(ws), rel);
    const top = await openChecked(abs, DIR_FLAGS, await lstat(abs), abs);
    const out: TreeEntry[] = [];
    try {
      const real = await readlink(fdPath(top));
      if (real !== expected) throw unsafe(abs, `it resolves to ${real}, outside its place in the workspace`);
      await walk(top, '', abs, out, limit);
    } finally {
      await top.close();
    }
    return out;
  } catch (err) {
    throw err instanceof LupineError ? err : ioError(abs, err);
  }
}

async function walk(dir: FileHandle, rel: string, shownDir: string, out: TreeEntry[], limit: number): Promise<void> {
  const base = fdPath(dir);
  let names: string[];
  try {
    names = await readdir(base);
  } catch (err) {
    throw ioError(shownDir, err);
  }
  names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const path = `${base}/${name}`;
    const relPath = rel ? `${rel}/${name}` : name;
    const shown = `${shownDir}/${name}`;
    const st = await lstat(path).catch((err: unknown) => {
      throw ioError(shown, err);
    });
    const mode = st.mode & 0o7777;
    if (st.isDirectory()) {
      out.push({ path: relPath, type: 'dir', mode });
      const h = await openChecked(path, DIR_FLAGS, st, shown);
      try {
        await walk(h, relPath, shown, out, limit);
      } finally {
        await h.close();
      }
    } else if (st.isFile()) {
      if (st.size > limit) throw tooLarge(shown, st.size, limit);
      const h = await openChecked(path, FILE_FLAGS, st, shown);
      try {
        const inode = st.nlink > 1 ? { inode: `${st.dev}:${st.ino}` } : {};
        const data = await readBounded(h, shown, limit);
        out.push({ path: relPath, type: 'file', mode, ...inode, data });
      } finally {
        await h.close();
      }
    } else if (st.isSymbolicLink()) {
      out.push({ path: relPath, type: 'symlink', mode, linkname: await readlink(path) });
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const type = st.isCharacterDevice() ? 'chardev' : 'blockdev';
      out.push({ path: relPath, type, mode, devmajor: major(st.rdev), devminor: minor(st.rdev) });
    } else if (st.isFIFO()) {
      out.push({ path: relPath, type: 'fifo', mode });
    }
  }
}
