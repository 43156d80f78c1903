import { lstat, mkdir, readdir, readFile, readlink, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, LupineError, makeOwnedDir, OWNER_FILE, sha256Hex } from '../core/index.js';
import type { PackageContents } from '../install/index.js';
import { expandContents } from './expand-contents.js';
import { type CachedPackage, keyLabel, type PackageKey, type TreeEntry } from './guest-plan.js';

const SAFE_PART = /^[A-Za-z0-9][A-Za-z0-9+_.~-]*$/;
const MANIFEST = 'manifest.json';
const TREE = 'tree';
/** Where a package is expanded before it is renamed into place. */
export const FILL_PREFIX = '.fill-';

/** The manifest written beside each expanded tree: the key and the entries, sorted. */
interface ManifestFile {
  readonly format: 1;
  readonly name: string;
  readonly version: string;
  readonly identity: string;
  /** [type, mode or target, path]: `['d', 493, 'usr']`, `['f', 420, 'usr/bin/x']`, `['l', 'usr/bin', 'bin']`. */
  readonly entries: Array<['d' | 'f', number, string] | ['l', string, string]>;
}

/** The cache directory name of a key: `name-version@` + 20 hex digits of sha256(identity). */
export function cacheEntryName(key: PackageKey): string {
  if (!SAFE_PART.test(key.name) || !SAFE_PART.test(key.version) || key.identity === '') {
    throw new LupineError('USAGE', `cannot cache ${keyLabel(key)}: unusual name or version, or no identity`, {
      details: { name: key.name, version: key.version },
    });
  }
  return `${key.name}-${key.version}@${sha256Hex(key.identity).slice(0, 20)}`;
}

/** Lists a tree (not following symlinks): sorted, parents before children; other file types are left out. */
export async function walkTree(tree: string): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(rel === '' ? tree : join(tree, rel))).sort();
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(join(tree, path));
      if (st.isDirectory()) {
        out.push({ type: 'dir', path, mode: st.mode & 0o7777 });
        await walk(path);
      } else if (st.isFile()) {
        out.push({ type: 'file', path, mode: st.mode & 0o7777 });
      } else if (st.isSymbolicLink()) {
        out.push({ type: 'symlink', path, target: await readlink(join(tree, path)) });
      }
    }
  };
  await walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function toManifest(key: PackageKey, entries: readonly TreeEntry[]): ManifestFile {
  return {
    format: 1,
    name: key.name,
    version: key.version,
    identity: key.identity,
    entries: entries.map((e) =>
      e.type === 'symlink' ? ['l', e.target, e.path] : [e.type === 'dir' ? 'd' : 'f', e.mode, e.path],
    ),
  };
}

function fromManifest(text: string, where: string): { key: PackageKey; entries: TreeEntry[] } {
  const damaged = () =>
    new LupineError('SANDBOX_CACHE_MISS', `the expanded-package cache entry ${where} is damaged`, {
      details: { entry: where },
      hint: 'remove that directory; it is filled again on the next build',
    });
  let m: ManifestFile;
  try {
    m = JSON.parse(text) as ManifestFile;
  } catch {
    throw damaged();
  }
  if (m.format !== 1 || !Array.isArray(m.entries)) throw damaged();
  const entries: TreeEntry[] = m.entries.map(([t, v, path]) => {
    if (typeof path !== 'string') throw damaged();
    if (t === 'l' && typeof v === 'string') return { type: 'symlink', path, target: v };
    if ((t === 'd' || t === 'f') && typeof v === 'number') return { type: t === 'd' ? 'dir' : 'file', path, mode: v };
    throw damaged();
  });
  return { key: { name: m.name, version: m.version, identity: m.identity }, entries };
}

/**
 * A directory of expanded packages keyed by package identity, each a tree of that package's files
 * plus a manifest. Entries are filled into a temporary directory and renamed into place, so a
 * reader sees a whole entry or none, and concurrent fillers of one key do not clash. Trees are
 * shared by hardlinks with every guest assembled from them: never write into a guest's files in
 * place (replace them), and mount guests read-only.
 */
export class ExpandedPackageCache {
  readonly dir: string;
  readonly #logger: Logger | undefined;

  constructor(dir: string, logger?: Logger) {
    this.dir = dir;
    this.#logger = logger;
  }

  /** The cached package, or undefined when the key was never filled. */
  async lookup(key: PackageKey): Promise<CachedPackage | undefined> {
    const entry = join(this.dir, cacheEntryName(key));
    let text: string;
    try {
      text = await readFile(join(entry, MANIFEST), 'utf8');
    } catch {
      return undefined;
    }
    const m = fromManifest(text, entry);
    if (m.key.identity !== key.identity) {
      throw new LupineError('SANDBOX_CACHE_MISS', `cache entry ${entry} holds another package`, {
        details: { entry, expected: key.identity, found: m.key.identity },
      });
    }
    return { key, tree: join(entry, TREE), entries: m.entries };
  }

  /**
   * Returns the cached package, filling it first when missing: `fill` writes the package's files
   * into the (empty) directory it is given.
   */
  async put(key: PackageKey, fill: (tree: string) => Promise<void>): Promise<CachedPackage> {
    const hit = await this.lookup(key);
    if (hit) return hit;
    const name = cacheEntryName(key);
    // Owned: a fill a killed build left is swept by the next build (FILL_PREFIX).
    const tmp = await makeOwnedDir(this.dir, `${FILL_PREFIX}${name}-`);
    try {
      const tree = join(tmp, TREE);
      await mkdir(tree);
      await fill(tree);
      const entries = await walkTree(tree);
      await writeFile(join(tmp, MANIFEST), `${JSON.stringify(toManifest(key, entries))}\n`);
      await unlink(join(tmp, OWNER_FILE)).catch(() => undefined);
      try {
        await rename(tmp, join(this.dir, name));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        this.#logger?.debug(`cache: ${keyLabel(key)} was filled meanwhile`);
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    const filled = await this.lookup(key);
    if (!filled) throw new LupineError('SANDBOX_CACHE_MISS', `cache: ${keyLabel(key)} vanished after filling`, {});
    return filled;
  }

  /** Expands a verified package (from the installer's `readVerifiedPackage`) into the cache. */
  putContents(contents: PackageContents): Promise<CachedPackage> {
    const key = { name: contents.info.name, version: contents.info.version, identity: contents.identity };
    return this.put(key, async (tree) => {
      await expandContents(contents, tree, this.#logger);
    });
  }
}
