import { LupineError } from '../core/index.js';
import { normalizeEntryPath, type PathKind, resolveInRoot } from '../install/index.js';

/** Identifies an expanded package in the cache. */
export interface PackageKey {
  readonly name: string;
  readonly version: string;
  /** The package identity (`Q1…`, the `C:` of the index) or any string naming these exact bytes. */
  readonly identity: string;
}

/** One entry of an expanded package's tree, relative to the tree (no leading '/'). */
export type TreeEntry =
  | { readonly type: 'dir'; readonly path: string; readonly mode: number }
  | { readonly type: 'file'; readonly path: string; readonly mode: number }
  | { readonly type: 'symlink'; readonly path: string; readonly target: string };

/** An expanded package: its tree on disk and the entries in it, sorted (parents first). */
export interface CachedPackage {
  readonly key: PackageKey;
  /** Host directory holding the package's files. */
  readonly tree: string;
  readonly entries: readonly TreeEntry[];
}

/** A file written into the guest after the packages (a passwd, an installed database …). */
export interface GuestFile {
  readonly path: string;
  readonly data: string | Uint8Array;
  readonly mode?: number;
}

/** A path a later package took over from an earlier one. */
export interface Replaced {
  readonly path: string;
  readonly from: string;
  readonly by: string;
}

/** What to make, in guest-relative real paths (symlinks already followed). Dirs come parents first. */
export interface GuestPlan {
  readonly dirs: ReadonlyArray<{ readonly path: string; readonly mode: number }>;
  readonly files: ReadonlyArray<{ readonly path: string; readonly source: string }>;
  readonly symlinks: ReadonlyArray<{ readonly path: string; readonly target: string }>;
  readonly data: ReadonlyArray<{ readonly path: string; readonly data: string | Uint8Array; readonly mode: number }>;
  readonly replaced: readonly Replaced[];
}

type Placed =
  | { kind: 'dir'; mode: number; owner: string }
  | { kind: 'file'; source: string; owner: string }
  | { kind: 'symlink'; target: string; owner: string }
  | { kind: 'data'; data: string | Uint8Array; mode: number; owner: string };

function conflict(path: string, owner: string, was: Placed): LupineError {
  return new LupineError(
    'SANDBOX_GUEST_CONFLICT',
    `${owner}: '${path}' cannot be placed: ${was.owner} has a ${was.kind === 'data' ? 'file' : was.kind} there`,
    { details: { path, package: owner, other: was.owner, kind: was.kind } },
  );
}

/** `name-version` of a key, for messages. */
export function keyLabel(key: PackageKey): string {
  return `${key.name}-${key.version}`;
}

/**
 * Lays packages over each other in order, as apk would unpack them into one root: directories
 * merge, a later file or symlink replaces an earlier one (reported in `replaced`), symlinked
 * directories are followed inside the guest and never out of it (`INSTALL_SYMLINK_ESCAPE`), a
 * directory meeting a non-directory is a SANDBOX_GUEST_CONFLICT. Missing parents are added (0755).
 * Then `extra` files go over everything. Pure.
 */
export function planGuest(packages: readonly CachedPackage[], extra: readonly GuestFile[] = []): GuestPlan {
  const placed = new Map<string, Placed>();
  const replaced: Replaced[] = [];
  const lookup = (p: string): PathKind => {
    const e = placed.get(p);
    if (e === undefined) return { kind: 'missing' };
    if (e.kind === 'dir') return { kind: 'dir' };
    if (e.kind === 'symlink') return { kind: 'symlink', target: e.target };
    return { kind: 'other' };
  };
  const parents = (real: string, owner: string) => {
    const parts = real.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const e = placed.get(dir);
      if (e === undefined) placed.set(dir, { kind: 'dir', mode: 0o755, owner });
      else if (e.kind !== 'dir') throw conflict(dir, owner, e);
    }
  };
  const put = (real: string, entry: Placed) => {
    const was = placed.get(real);
    if (was !== undefined) {
      if (was.kind === 'dir') throw conflict(real, entry.owner, was);
      replaced.push({ path: real, from: was.owner, by: entry.owner });
    }
    parents(real, entry.owner);
    placed.set(real, entry);
  };

  for (const pkg of packages) {
    const owner = keyLabel(pkg.key);
    for (const e of pkg.entries) {
      const path = normalizeEntryPath(e.path, owner);
      if (path === '') continue;
      let real = resolveInRoot(path, lookup, false, owner);
      if (e.type === 'dir') {
        if (placed.get(real)?.kind === 'symlink') real = resolveInRoot(path, lookup, true, owner);
        const was = placed.get(real);
        if (was === undefined) {
          parents(real, owner);
          placed.set(real, { kind: 'dir', mode: e.mode, owner });
        } else if (was.kind !== 'dir') {
          throw conflict(real, owner, was);
        }
      } else if (e.type === 'file') {
        put(real, { kind: 'file', source: `${pkg.tree}/${path}`, owner });
      } else {
        put(real, { kind: 'symlink', target: e.target, owner });
      }
    }
  }
  for (const f of extra) {
    const path = normalizeEntryPath(f.path, 'guest file');
    if (path === '') continue;
    put(resolveInRoot(path, lookup, false, 'guest file'), {
      kind: 'data',
      data: f.data,
      mode: f.mode ?? 0o644,
      owner: 'guest file',
    });
  }

  const dirs: Array<{ path: string; mode: number }> = [];
  const files: Array<{ path: string; source: string }> = [];
  const symlinks: Array<{ path: string; target: string }> = [];
  const data: Array<{ path: string; data: string | Uint8Array; mode: number }> = [];
  for (const path of [...placed.keys()].sort()) {
    const e = placed.get(path) as Placed;
    if (e.kind === 'dir') dirs.push({ path, mode: e.mode });
    else if (e.kind === 'file') files.push({ path, source: e.source });
    else if (e.kind === 'symlink') symlinks.push({ path, target: e.target });
    else data.push({ path, data: e.data, mode: e.mode });
  }
  return { dirs, files, symlinks, data, replaced };
}
