/**
 * The few files a scan reads from a root filesystem — the installed database, os-release, embedded
 * SBOMs — found through symlinks the way the kernel would (inside the root), either in a stack of image
 * layers (whiteouts applied) or on disk.
 */
import { type Limits, LupineError } from '../core/index.js';
import { readGzipMembers, readTar } from '../archive/index.js';

/** What a path in a root is, without following it. */
export type RootNode =
  | { readonly kind: 'file'; readonly data?: Buffer }
  | { readonly kind: 'dir' }
  | { readonly kind: 'symlink'; readonly target: string }
  | { readonly kind: 'missing' };

export type RootLookup = (path: string) => RootNode | Promise<RootNode>;

/** `./usr/lib/` → `usr/lib`. */
export function normalizeRootPath(p: string): string {
  const parts: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') parts.pop();
    else parts.push(c);
  }
  return parts.join('/');
}

/**
 * Follows symlinks component by component inside the root (an absolute target restarts at the root,
 * `..` stops at it); the real path of an existing file, or undefined.
 */
export async function resolveRootFile(lookup: RootLookup, path: string): Promise<string | undefined> {
  let pending = path.split('/');
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (name === '' || name === '.') continue;
    if (name === '..') {
      done.pop();
      continue;
    }
    const node = await lookup([...done, name].join('/'));
    if (node.kind === 'missing') return undefined;
    if (node.kind === 'symlink') {
      if (++hops > 40) return undefined;
      if (node.target.startsWith('/')) done.length = 0;
      pending = [...node.target.split('/'), ...pending];
      continue;
    }
    if (node.kind === 'file' && pending.some((c) => c !== '' && c !== '.')) return undefined;
    done.push(name);
  }
  if (done.length === 0) return undefined;
  const final = await lookup(done.join('/'));
  return final.kind === 'file' ? done.join('/') : undefined;
}

/** Whether a layer path holds something a scan reads. */
export function isScanFile(path: string): boolean {
  return (
    path === 'lib/apk/db/installed' ||
    path === 'usr/lib/apk/db/installed' ||
    path.endsWith('/os-release') ||
    path === 'os-release' ||
    (path.startsWith('var/lib/db/sbom/') && path.endsWith('.spdx.json'))
  );
}

/** The decompressed tar of a layer blob (gzip or plain tar). */
export function layerTar(blob: Uint8Array, what: string, limits?: Limits): Buffer {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (b[0] === 0x1f && b[1] === 0x8b) return Buffer.concat(readGzipMembers(b, limits).map((m) => m.data));
  if (b.readUInt32LE(0) === 0xfd2fb528) {
    throw new LupineError('SCAN_BAD_TARGET', `${what} is zstd-compressed, which lupine cannot read yet`, {
      details: { layer: what },
      hint: 'convert the image to gzip layers (e.g. skopeo copy --dest-compress-format gzip)',
    });
  }
  return b;
}

/**
 * The merged view of image layers (bottom first): every path's kind, with the content of scan files.
 * Whiteouts (`.wh.<name>`, `.wh..wh..opq`) remove what lower layers put there.
 */
export class LayerStack {
  #nodes = new Map<string, RootNode>();

  /** Adds one uncompressed layer tar on top. */
  add(tar: Uint8Array, limits?: Limits): void {
    const items = readTar(tar, limits ? { limits } : {}).items;
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
      if (entry.type === 'dir') this.#nodes.set(path, { kind: 'dir' });
      else if (entry.type === 'symlink') this.#nodes.set(path, { kind: 'symlink', target: entry.linkname });
      else if (entry.type === 'hardlink') {
        const target = this.#nodes.get(normalizeRootPath(entry.linkname));
        this.#nodes.set(path, target?.kind === 'file' ? target : { kind: 'file' });
      } else if (entry.type === 'file') {
        this.#nodes.set(path, isScanFile(path) ? { kind: 'file', data: Buffer.from(data) } : { kind: 'file' });
      } else this.#nodes.set(path, { kind: 'file' });
    }
  }

  #removeUnder(dir: string): void {
    const prefix = dir === '' ? '' : `${dir}/`;
    for (const p of [...this.#nodes.keys()]) if (p.startsWith(prefix) && p !== dir) this.#nodes.delete(p);
  }

  /** A lookup over the merged layers (directories implied by deeper paths count as directories). */
  lookup(): RootLookup {
    return (path) => {
      const n = this.#nodes.get(path);
      if (n) return n;
      if (path === '') return { kind: 'dir' };
      for (const p of this.#nodes.keys()) if (p.startsWith(`${path}/`)) return { kind: 'dir' };
      return { kind: 'missing' };
    };
  }

  /** The content of a scan file at `path` (symlinks followed); undefined when absent. */
  async read(path: string): Promise<Buffer | undefined> {
    const real = await resolveRootFile(this.lookup(), path);
    if (real === undefined) return undefined;
    const n = this.#nodes.get(real);
    return n?.kind === 'file' ? n.data : undefined;
  }

  /** Scan files under a directory (e.g. embedded SBOMs), by path. */
  filesUnder(dir: string): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    for (const [p, n] of this.#nodes) if (p.startsWith(`${dir}/`) && n.kind === 'file' && n.data) out.set(p, n.data);
    return out;
  }
}
