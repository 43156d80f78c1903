import { constants } from 'node:fs';
import { chmod, copyFile, link, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LupineError } from '../core/index.js';
import { type GuestFile, keyLabel, type PackageKey, planGuest, type Replaced } from './guest-plan.js';
import type { ExpandedPackageCache } from './package-cache.js';

/** How files get from the cache into a guest. */
export type PlaceMethod = 'auto' | 'hardlink' | 'copy';

export interface AssembleOptions {
  readonly cache: ExpandedPackageCache;
  /** In install order; later packages win over earlier ones for the same path. */
  readonly packages: readonly PackageKey[];
  /** The guest root to create: a missing or empty directory. */
  readonly target: string;
  /**
   * `hardlink` (fails across file systems), `copy` (reflink where the file system can, else a
   * copy), `auto` (default): hardlink, falling back to copy from the first file that cannot be linked.
   */
  readonly method?: PlaceMethod;
  /** Files written over the packages (fresh files, never into cached ones). */
  readonly files?: readonly GuestFile[];
}

export interface AssembledGuest {
  readonly root: string;
  readonly dirs: number;
  readonly files: number;
  readonly symlinks: number;
  /** `hardlink` when every file was linked, else `copy`. */
  readonly method: 'hardlink' | 'copy';
  readonly replaced: readonly Replaced[];
}

const LINK_FALLBACK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP']);
const CONCURRENCY = 64;

async function eachLimited<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

/**
 * Builds a guest root from expanded packages in the cache: directories made, files hardlinked
 * (or reflinked / copied across file systems), symlinks recreated, then `files` written, then the
 * directory modes set. A warm 10-package guest takes milliseconds. Every package must be in the
 * cache (SANDBOX_CACHE_MISS names the missing ones); see `planGuest` for how packages overlay.
 */
export async function assembleGuest(options: AssembleOptions): Promise<AssembledGuest> {
  const root = resolve(options.target);
  await mkdir(root, { recursive: true });
  if ((await readdir(root)).length > 0) {
    throw new LupineError('SANDBOX_BAD_GUEST', `the guest root ${root} is not empty`, { details: { root } });
  }
  const found = await Promise.all(options.packages.map((k) => options.cache.lookup(k)));
  const missing = options.packages.filter((_, i) => found[i] === undefined).map(keyLabel);
  if (missing.length > 0) {
    throw new LupineError('SANDBOX_CACHE_MISS', `not in the expanded-package cache: ${missing.join(', ')}`, {
      details: { missing, cache: options.cache.dir },
      hint: 'fill the cache (ExpandedPackageCache.putContents) before assembling',
    });
  }
  const plan = planGuest(
    found.filter((p) => p !== undefined),
    options.files ?? [],
  );

  // Directories level by level (a level's parents exist), writable by us until the end.
  const levels = new Map<number, string[]>();
  for (const d of plan.dirs) {
    const depth = d.path.split('/').length;
    levels.set(depth, [...(levels.get(depth) ?? []), d.path]);
  }
  for (const depth of [...levels.keys()].sort((a, b) => a - b)) {
    await eachLimited(levels.get(depth) ?? [], (p) => mkdir(join(root, p), { mode: 0o755 }));
  }

  let method = options.method ?? 'auto';
  let copied = false;
  const place = async (f: { path: string; source: string }) => {
    const dest = join(root, f.path);
    if (method !== 'copy') {
      try {
        await link(f.source, dest);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (method === 'hardlink' || !LINK_FALLBACK.has(code)) throw err;
        method = 'copy';
      }
    }
    copied = true;
    await copyFile(f.source, dest, constants.COPYFILE_FICLONE);
  };
  await eachLimited(plan.files, place);
  await eachLimited(plan.symlinks, (s) => symlink(s.target, join(root, s.path)));
  await eachLimited(plan.data, async (d) => {
    await writeFile(join(root, d.path), d.data);
    await chmod(join(root, d.path), d.mode);
  });
  await eachLimited(plan.dirs, (d) => chmod(join(root, d.path), d.mode));
  return {
    root,
    dirs: plan.dirs.length,
    files: plan.files.length + plan.data.length,
    symlinks: plan.symlinks.length,
    method: copied ? 'copy' : 'hardlink',
    replaced: plan.replaced,
  };
}
