/**
 * The merged file tree of an image's layers, bottom first, whiteouts applied: every path's kind, the
 * size of every regular file, and the content of the files a caller asks to keep. Pure over
 * uncompressed layer tars; serves a scan (installed database, os-release, embedded SBOMs) and a
 * report (unpacked size, etc/passwd, shells) alike.
 */
import { readTar } from '../archive/index.js';
import { checkLimit, type Limits } from '../core/index.js';
import { normalizeRootPath, type RootLookup, type RootNode, resolveRootFile } from './root-path.js';

type TreeNode =
  // `oversized`: a file to keep that is larger than the tree keeps (an error when it is read).
  | { readonly kind: 'file'; readonly size: number; readonly data?: Buffer; readonly oversized?: true }
  | { readonly kind: 'dir' }
  | { readonly kind: 'symlink'; readonly target: string };

/** Whether to keep the content of the regular file at `path` (normalized, no leading slash). */
export type KeepFile = (path: string, size: number) => boolean;

export class MergedTree {
  #nodes = new Map<string, TreeNode>();
  readonly #keep: KeepFile;
  readonly #maxKept: number;

  /** `maxKept`: the largest file whose content is kept; reading a larger one is LIMIT_EXCEEDED. */
  constructor(keep: KeepFile, maxKept = Number.POSITIVE_INFINITY) {
    this.#keep = keep;
    this.#maxKept = maxKept;
  }

  /** Adds one uncompressed layer tar on top of the others. */
  add(tar: Uint8Array, limits?: Limits): void {
    const items = readTar(tar, limits ? { limits } : {}).items;
    // Whiteouts (`.wh.<name>`, `.wh..wh..opq`) hide what lower layers hold, whatever their place in
    // this layer's tar.
    for (const { entry } of items) {
      const path = normalizeRootPath(entry.name);
      const slash = path.lastIndexOf('/');
      const dir = slash < 0 ? '' : path.slice(0, slash);
      const base = path.slice(slash + 1);
      if (base === '.wh..wh..opq') this.#removeUnder(dir);
      else if (base.startsWith('.wh.')) {
        const victim = dir === '' ? base.slice(4) : `${dir}/${base.slice(4)}`;
        this.#nodes.delete(victim);
        this.#removeUnder(victim);
      }
    }
    for (const { entry, data } of items) {
      const path = normalizeRootPath(entry.name);
      const base = path.slice(path.lastIndexOf('/') + 1);
      if (path === '' || base.startsWith('.wh.')) continue;
      this.#addParents(path);
      if (entry.type === 'dir') {
        this.#nodes.set(path, { kind: 'dir' });
        continue;
      }
      // A file over a directory hides what was under it.
      if (this.#nodes.get(path)?.kind === 'dir') this.#removeUnder(path);
      if (entry.type === 'symlink') this.#nodes.set(path, { kind: 'symlink', target: entry.linkname });
      else if (entry.type === 'hardlink') {
        // Same content as its target: it adds no bytes.
        const target = this.#nodes.get(normalizeRootPath(entry.linkname));
        this.#nodes.set(path, target?.kind === 'file' ? { ...target, size: 0 } : { kind: 'file', size: 0 });
      } else if (entry.type === 'file') {
        // The size the header declares, checked before the content is copied (or made a string).
        const size = Math.max(entry.size, data.length);
        this.#nodes.set(
          path,
          !this.#keep(path, data.length)
            ? { kind: 'file', size: entry.size }
            : size > this.#maxKept
              ? { kind: 'file', size: entry.size, oversized: true }
              : { kind: 'file', size: entry.size, data: Buffer.from(data) },
        );
      } else this.#nodes.set(path, { kind: 'file', size: 0 });
    }
  }

  #addParents(path: string): void {
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
      const dir = path.slice(0, i);
      // A missing parent is implied; a file in the way becomes a directory; a symlink is left alone.
      const kind = this.#nodes.get(dir)?.kind;
      if (kind === undefined || kind === 'file') this.#nodes.set(dir, { kind: 'dir' });
    }
  }

  #removeUnder(dir: string): void {
    const prefix = dir === '' ? '' : `${dir}/`;
    for (const p of [...this.#nodes.keys()]) if (p.startsWith(prefix) && p !== dir) this.#nodes.delete(p);
  }

  /** Bytes of regular files in the merged tree (hard links count once). */
  unpackedSize(): number {
    let total = 0;
    for (const n of this.#nodes.values()) if (n.kind === 'file') total += n.size;
    return total;
  }

  /** A lookup over the merged layers, for `resolveRootFile`. */
  lookup(): RootLookup {
    return (path): RootNode => {
      if (path === '') return { kind: 'dir' };
      const n = this.#nodes.get(path);
      if (!n) return { kind: 'missing' };
      return n.kind === 'file' ? { kind: 'file' } : n;
    };
  }

  /** The content of a kept file at `path` (symlinks followed); undefined when absent or not kept. */
  async read(path: string): Promise<Buffer | undefined> {
    const real = await resolveRootFile(this.lookup(), path);
    if (real === undefined) return undefined;
    const n = this.#nodes.get(real);
    if (n?.kind !== 'file') return undefined;
    this.#checkKept(real, n);
    return n.data;
  }

  #checkKept(path: string, n: TreeNode & { kind: 'file' }): void {
    if (n.oversized) checkLimit(`image file ${path}: size`, n.size, this.#maxKept);
  }

  /** Kept files under a directory (e.g. embedded SBOMs), by path. */
  filesUnder(dir: string): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    for (const [p, n] of this.#nodes) {
      if (!p.startsWith(`${dir}/`) || n.kind !== 'file') continue;
      this.#checkKept(p, n);
      if (n.data) out.set(p, n.data);
    }
    return out;
  }
}
