import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LupineError } from '../core/index.js';
import type { TreeEntry } from './package-write.js';

export interface ReadTreeOptions {
  /** Keep the files' uid/gid from disk; default false: everything is owned by root (0:0). */
  readonly keepOwners?: boolean;
}

const major = (rdev: number) => Math.floor(rdev / 256) & 0xfff;
const minor = (rdev: number) => (rdev & 0xff) | ((Math.floor(rdev / 4096) & 0xfff00) >>> 0);

/**
 * Reads a directory into the entries `writePackage` takes, sorted bytewise: lstat (symlinks are not
 * followed), hardlinks grouped by inode, devices and fifos kept, sockets skipped. Extended attributes
 * are not read (Node has no xattr API); pass them in `TreeEntry.xattrs` when needed.
 */
export async function readTree(dir: string, options: ReadTreeOptions = {}): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  async function walk(abs: string, rel: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(abs);
    } catch (err) {
      throw new LupineError('IO_ERROR', `cannot read directory ${abs}: ${(err as Error).message}`, {
        cause: err,
        details: { path: abs },
      });
    }
    names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      const path = join(abs, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const st = await lstat(path);
      const owner = options.keepOwners ? { uid: st.uid, gid: st.gid } : {};
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) {
        out.push({ path: relPath, type: 'dir', mode, ...owner });
        await walk(path, relPath);
      } else if (st.isFile()) {
        const inode = st.nlink > 1 ? { inode: `${st.dev}:${st.ino}` } : {};
        out.push({ path: relPath, type: 'file', mode, ...owner, ...inode, data: await readFile(path) });
      } else if (st.isSymbolicLink()) {
        out.push({ path: relPath, type: 'symlink', mode, ...owner, linkname: await readlink(path) });
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        const type = st.isCharacterDevice() ? 'chardev' : 'blockdev';
        out.push({ path: relPath, type, mode, ...owner, devmajor: major(st.rdev), devminor: minor(st.rdev) });
      } else if (st.isFIFO()) {
        out.push({ path: relPath, type: 'fifo', mode, ...owner });
      }
    }
  }
  await walk(dir, '');
  return out;
}
