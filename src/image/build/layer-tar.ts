/**
 * The root as layer tars (spec §3 "Tar normalization"): entries in `fs.WalkDir` lexical order (each
 * directory's names sorted, children right after their directory), no root entry, no `./` and no
 * trailing `/`, POSIX ustar with pax records only for long names and xattrs, hardlinks kept, the
 * end marker without record padding. Metadata comes from the disk except where the build decides it:
 * ownership (`owners`, else the on-disk id when the image knows it by name, else 0), mtimes (package
 * files keep theirs; directories and files the build synthesized take `mtimes` or 0).
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { tarEnd } from '../../archive/index.js';
import type { DeviceNode } from './fs-layout.js';
import { encodeGoEntry, type GoTarEntry } from './go-tar.js';

export type RootEntryType = 'dir' | 'file' | 'symlink' | 'chardev' | 'blockdev' | 'fifo';

/** One path of the root, with the metadata the layer records. */
export interface RootEntry {
  /** Relative, no leading `/`. */
  readonly path: string;
  readonly type: RootEntryType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly size: number;
  readonly linkTarget: string;
  readonly devmajor: number;
  readonly devminor: number;
  /** `dev:ino` of a regular file with more than one link; '' otherwise. */
  readonly inode: string;
  /** Content source: a file under the root. Virtual entries have none. */
  readonly virtual: boolean;
  readonly xattrs?: Readonly<Record<string, Uint8Array>>;
}

export interface ScanOptions {
  /** Ownership set by the build, by path. */
  readonly owners?: ReadonlyMap<string, { readonly uid: number; readonly gid: number }>;
  /** Ids the image knows by name; an on-disk id outside them is written as 0. */
  readonly knownUids: ReadonlySet<number>;
  readonly knownGids: ReadonlySet<number>;
  /** Paths owned by packages: their files and symlinks keep the on-disk mtime. */
  readonly packagePaths: ReadonlySet<string>;
  /** mtimes the build decided (certificates …); everything else not from a package gets 0. */
  readonly mtimes?: ReadonlyMap<string, number>;
  /** Extended attributes by path (files and directories only, as apko writes them). */
  readonly xattrs?: ReadonlyMap<string, Readonly<Record<string, Uint8Array>>>;
  /** Entries that exist only in the layer (device nodes). */
  readonly virtual?: readonly DeviceNode[];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lists the root in layer order. */
export async function scanRoot(root: string, o: ScanOptions): Promise<RootEntry[]> {
  const virtualByDir = new Map<string, DeviceNode[]>();
  for (const v of o.virtual ?? []) {
    const i = v.path.lastIndexOf('/');
    const dir = i < 0 ? '' : v.path.slice(0, i);
    virtualByDir.set(dir, [...(virtualByDir.get(dir) ?? []), v]);
  }
  const out: RootEntry[] = [];
  const visit = async (dir: string): Promise<void> => {
    const names = await readdir(dir === '' ? root : join(root, dir));
    const virtual = new Map((virtualByDir.get(dir) ?? []).map((v) => [v.path.slice(dir ? dir.length + 1 : 0), v]));
    const all = [...new Set([...names, ...virtual.keys()])].sort(cmp);
    const stats = await Promise.all(
      all.map((n) => (virtual.has(n) && !names.includes(n) ? undefined : lstat(join(root, dir, n), { bigint: false }))),
    );
    for (let i = 0; i < all.length; i++) {
      const name = all[i] as string;
      const path = dir ? `${dir}/${name}` : name;
      const st = stats[i];
      const v = virtual.get(name);
      if (v) {
        out.push({
          path,
          type: 'chardev',
          mode: v.mode,
          uid: 0,
          gid: 0,
          mtime: 0,
          size: 0,
          linkTarget: '',
          devmajor: v.devmajor,
          devminor: v.devminor,
          inode: '',
          virtual: true,
        });
        continue;
      }
      if (!st) continue;
      const type: RootEntryType = st.isDirectory()
        ? 'dir'
        : st.isSymbolicLink()
          ? 'symlink'
          : st.isFile()
            ? 'file'
            : st.isCharacterDevice()
              ? 'chardev'
              : st.isBlockDevice()
                ? 'blockdev'
                : st.isFIFO()
                  ? 'fifo'
                  : 'file';
      if (st.isSocket()) continue;
      const own = o.owners?.get(path);
      const xattrs = type === 'file' || type === 'dir' ? o.xattrs?.get(path) : undefined;
      const fromPackage = o.packagePaths.has(path) && type !== 'dir';
      out.push({
        path,
        type,
        mode: type === 'symlink' ? 0o777 : st.mode & 0o7777,
        uid: own ? own.uid : o.knownUids.has(st.uid) ? st.uid : 0,
        gid: own ? own.gid : o.knownGids.has(st.gid) ? st.gid : 0,
        mtime: o.mtimes?.get(path) ?? (fromPackage ? Math.floor(st.mtimeMs / 1000) : 0),
        size: type === 'file' ? st.size : 0,
        linkTarget: type === 'symlink' ? await readlink(join(root, path)) : '',
        devmajor: type === 'chardev' || type === 'blockdev' ? (st.rdev >> 8) & 0xfff : 0,
        devminor: type === 'chardev' || type === 'blockdev' ? (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00) : 0,
        inode: type === 'file' && st.nlink > 1 ? `${st.dev}:${st.ino}` : '',
        virtual: false,
        ...(xattrs ? { xattrs } : {}),
      });
      if (type === 'dir') await visit(path);
    }
  };
  await visit('');
  return out;
}

export interface LayerTar {
  readonly tar: Buffer;
  /** `sha256:<hex>` of `tar`. */
  readonly diffId: string;
}

const READ_AHEAD = 32;

/**
 * The tar of `entries` (already in layer order). A regular file whose inode was already written in
 * this tar becomes a hardlink to the first path.
 */
export async function writeLayerTar(root: string, entries: readonly RootEntry[]): Promise<LayerTar> {
  const parts: Buffer[] = [];
  const hash = createHash('sha256');
  let n = 0;
  const seen = new Map<string, string>();
  const emit = (bufs: Buffer[]) => {
    for (const b of bufs) {
      parts.push(b);
      hash.update(b);
      n += b.length;
    }
  };
  // Read file contents a few ahead of the writer; writing stays in order.
  const reads = new Map<number, Promise<Buffer>>();
  const needsRead = (e: RootEntry) => e.type === 'file' && !e.virtual && e.size > 0;
  let next = 0;
  const schedule = (upto: number) => {
    for (; next < entries.length && next < upto; next++) {
      const e = entries[next] as RootEntry;
      if (needsRead(e) && !(e.inode && seen.has(e.inode))) reads.set(next, readFile(join(root, e.path)));
    }
  };
  for (let i = 0; i < entries.length; i++) {
    schedule(i + READ_AHEAD);
    const e = entries[i] as RootEntry;
    const w: { -readonly [K in keyof GoTarEntry]: GoTarEntry[K] } = {
      name: e.path,
      type: e.type,
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
      mtime: e.mtime,
    };
    if (e.type === 'symlink') w.linkname = e.linkTarget;
    if (e.xattrs) w.xattrs = e.xattrs;
    if (e.type === 'chardev' || e.type === 'blockdev') {
      w.devmajor = e.devmajor;
      w.devminor = e.devminor;
    }
    if (e.type === 'file') {
      const first = e.inode ? seen.get(e.inode) : undefined;
      if (first !== undefined) {
        w.type = 'hardlink';
        w.linkname = first;
        reads.get(i)?.catch(() => undefined);
      } else {
        if (e.inode) seen.set(e.inode, e.path);
        w.data = needsRead(e) ? await (reads.get(i) as Promise<Buffer>) : Buffer.alloc(0);
      }
    }
    reads.delete(i);
    emit(encodeGoEntry(w));
  }
  emit([tarEnd(n, 512)]);
  return { tar: Buffer.concat(parts, n), diffId: `sha256:${hash.digest('hex')}` };
}
