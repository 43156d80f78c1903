import type { PackageFile, TreeEntry } from '../../apk/index.js';

/**
 * A package's file tree as SCA and the linters see it: what melange walks in
 * `melange-out/<pkg>`, or what a built .apk's data section holds. Plain data plus a content
 * accessor, so a tree can come from an .apk in memory, a directory on disk, or a test.
 */
export type PackageTreeEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev' | 'blockdev' | 'fifo';

export interface PackageTreeEntry {
  /** Relative path, no leading `/` or `./`, no trailing `/`. */
  readonly path: string;
  readonly type: PackageTreeEntryType;
  /** Permission bits including setuid/setgid/sticky (`mode & 0o7777`). */
  readonly mode: number;
  /** Content size of a regular file (0 otherwise). */
  readonly size: number;
  /** Symlink target; for a hardlink, the path (in this tree) of the file it links to. */
  readonly linkname?: string;
  /** Regular files (and hardlinks): the content. */
  readonly content?: () => Uint8Array | Promise<Uint8Array>;
}

export interface PackageTree {
  readonly name: string;
  /** The full version, `<version>-r<epoch>`. */
  readonly version: string;
  readonly entries: readonly PackageTreeEntry[];
}

function cleanPath(p: string): string {
  return p.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

/** A tree from an .apk's data entries (`readPackage(...).files`). */
export function treeFromPackageFiles(name: string, version: string, files: readonly PackageFile[]): PackageTree {
  const byName = new Map(files.map((f) => [cleanPath(f.name), f]));
  const entries = files.map((f): PackageTreeEntry => {
    const path = cleanPath(f.name);
    if (f.type === 'hardlink') {
      const target = byName.get(cleanPath(f.linkname));
      const data = target?.content ?? f.content;
      return {
        path,
        type: 'hardlink',
        mode: f.mode & 0o7777,
        size: data.length,
        linkname: cleanPath(f.linkname),
        content: () => data,
      };
    }
    const base = { path, type: f.type, mode: f.mode & 0o7777, size: f.type === 'file' ? f.content.length : 0 };
    if (f.type === 'symlink') return { ...base, linkname: f.linkname };
    if (f.type === 'file') return { ...base, content: () => f.content };
    return base;
  });
  return { name, version, entries };
}

/** A tree from `readTree(dir)` entries (a package's output directory on disk). */
export function treeFromEntries(name: string, version: string, input: readonly TreeEntry[]): PackageTree {
  const entries = input.map((e): PackageTreeEntry => {
    const path = cleanPath(e.path);
    const mode = (e.mode ?? (e.type === 'dir' ? 0o755 : e.type === 'symlink' ? 0o777 : 0o644)) & 0o7777;
    const data = e.data ?? new Uint8Array(0);
    if (e.type === 'file' || e.type === 'hardlink')
      return {
        path,
        type: e.type,
        mode,
        size: data.length,
        content: () => data,
        ...(e.linkname ? { linkname: e.linkname } : {}),
      };
    if (e.type === 'symlink') return { path, type: 'symlink', mode, size: 0, linkname: e.linkname ?? '' };
    return { path, type: e.type, mode, size: 0 };
  });
  return { name, version, entries };
}

/** Go's fs.WalkDir order: depth-first, each directory's entries sorted by name. */
export function compareWalkOrder(a: string, b: string): number {
  const sa = a.split('/');
  const sb = b.split('/');
  const n = Math.min(sa.length, sb.length);
  for (let i = 0; i < n; i++) {
    const x = sa[i] as string;
    const y = sb[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return sa.length - sb.length;
}

const MAX_LINKS = 40;

/**
 * Lookups over a tree: every entry in walk order (missing parent directories are synthesized,
 * as a filesystem would have them), and path resolution through symlinks inside the tree.
 */
export class TreeView {
  readonly name: string;
  readonly version: string;
  /** All entries, directories included, in walk order. */
  readonly entries: readonly PackageTreeEntry[];
  readonly #byPath: Map<string, PackageTreeEntry>;

  constructor(tree: PackageTree) {
    this.name = tree.name;
    this.version = tree.version;
    const byPath = new Map<string, PackageTreeEntry>();
    for (const e of tree.entries) {
      const path = cleanPath(e.path);
      if (path === '' || path === '.') continue;
      byPath.set(path, path === e.path ? e : { ...e, path });
    }
    for (const path of [...byPath.keys()]) {
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        if (!byPath.has(dir)) byPath.set(dir, { path: dir, type: 'dir', mode: 0o755, size: 0 });
      }
    }
    this.#byPath = byPath;
    this.entries = [...byPath.values()].sort((a, b) => compareWalkOrder(a.path, b.path));
  }

  /** The entry at exactly this path (no symlink resolution), like lstat. */
  lstat(path: string): PackageTreeEntry | undefined {
    return this.#byPath.get(cleanPath(path));
  }

  /** The entry a path names after following symlinks inside the tree, like stat; undefined if dangling. */
  stat(path: string): PackageTreeEntry | undefined {
    const resolved = this.resolve(path);
    return resolved === undefined ? undefined : this.#byPath.get(resolved);
  }

  /** Resolves every symlink along the path; undefined when a component is missing or loops. */
  resolve(path: string): string | undefined {
    let pending = cleanPath(path)
      .split('/')
      .filter((s) => s !== '' && s !== '.');
    const done: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === '..') {
        done.pop();
        continue;
      }
      const here = [...done, part].join('/');
      const e = this.#byPath.get(here);
      if (e === undefined) return undefined;
      if (e.type === 'symlink') {
        if (++hops > MAX_LINKS) return undefined;
        const target = e.linkname ?? '';
        const parts = target.split('/').filter((s) => s !== '' && s !== '.');
        if (target.startsWith('/')) done.length = 0;
        pending = [...parts, ...pending];
        continue;
      }
      done.push(part);
    }
    return done.join('/');
  }

  /** The content of the regular file a path names (after symlinks), or undefined. */
  async read(path: string): Promise<Uint8Array | undefined> {
    const e = this.stat(path);
    if (e === undefined || (e.type !== 'file' && e.type !== 'hardlink') || e.content === undefined) return undefined;
    return await e.content();
  }
}

/** `path.dirname` for tree paths: '.' for top-level entries. */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '.' : path.slice(0, i);
}

export function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** melange's isInDir: the entry's directory is one of `dirs` (`dir/...` matches recursively). */
export function isInDir(path: string, dirs: readonly string[]): boolean {
  const mydir = dirOf(path);
  for (const d of dirs) {
    if (d.endsWith('/...')) {
      const prefix = d.slice(0, -4);
      if (mydir === prefix || mydir.startsWith(`${prefix}/`)) return true;
    } else if (mydir === d || `${mydir}/` === d) {
      return true;
    }
  }
  return false;
}

/** Go's path.Match for one glob component (`*`, `?`, `[...]`), as a RegExp. */
function componentRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      re += body.startsWith('^') ? `[^${body.slice(1)}]` : `[${body}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** fs.Glob over the tree's paths: matches in lexical order. */
export function globTree(tree: TreeView, pattern: string): string[] {
  const parts = pattern.split('/').map(componentRegExp);
  return tree.entries
    .map((e) => e.path)
    .filter((p) => {
      const segs = p.split('/');
      return segs.length === parts.length && segs.every((s, i) => (parts[i] as RegExp).test(s));
    })
    .sort();
}
