/**
 * The build (or test) guest: the environment's packages resolved against the repositories, fetched
 * and verified into the expanded-package cache, assembled into a fresh root by hardlinks, plus the
 * accounts and `/etc/apk/*` files melange adds (I/O edge).
 */
import { readFile, rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { hasUrlScheme, InternalError, type Logger, LupineError, makeOwnedDir, silentLogger } from '../../core/index.js';
import {
  type LockedSetEntry,
  type LockedSetFailure,
  lockedPackages,
  lockedSetEntry,
  lockPackageSet,
  type OpenRepository,
} from '../../install/index.js';
import { assembleGuest, type CachedPackage, ExpandedPackageCache, fillFromLocked } from '../../sandbox/index.js';
import type { GuestEnvironment } from '../config/types.js';
import { guestFiles } from './guest-files.js';
import { type BuildKey, keyringOf } from './keys.js';
import { GUEST_PREFIX } from './workspace.js';

export interface GuestInput {
  readonly arch: string;
  readonly environment: GuestEnvironment;
  /** Repositories after the environment's own (`-r`); relative paths are taken as given. */
  readonly repositories: readonly string[];
  readonly keys: readonly BuildKey[];
  readonly packageAppend?: readonly string[];
  /** Repositories opened by the caller, searched first (the out-dir for tests). */
  readonly opened?: readonly OpenRepository[];
  /** Relative repository paths in the recipe resolve against this. */
  readonly baseDir: string;
  readonly packageCacheDir: string;
  readonly allowUntrusted?: boolean;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

export interface PreparedGuest {
  readonly root: string;
  /** `name=version` in install order. */
  readonly locked: readonly string[];
  /** The same packages with their identities and download URLs (for provenance). */
  readonly packages: readonly LockedSetEntry[];
  readonly repositories: readonly string[];
  /** How many packages were fetched and expanded now (the rest came from the cache). */
  readonly filled: number;
  remove(): Promise<void>;
}

function repoLine(line: string, base: string): string {
  const m = /^(@\S+\s+)?(.*)$/.exec(line.trim()) as RegExpExecArray;
  const url = m[2] as string;
  return `${m[1] ?? ''}${hasUrlScheme(url) || isAbsolute(url) ? url : resolve(base, url)}`;
}

/** The text of `etc/<name>` as the last package shipping it has it; '' when none does. */
async function shipped(pkgs: readonly CachedPackage[], path: string): Promise<string> {
  for (let i = pkgs.length - 1; i >= 0; i--) {
    const p = pkgs[i] as CachedPackage;
    if (p.entries.some((e) => e.type === 'file' && e.path === path)) return readFile(join(p.tree, path), 'utf8');
  }
  return '';
}

/** The guest's error for a world that cannot be locked (a malformed entry stays APK_BAD_DEPENDENCY). */
function unresolvable(f: LockedSetFailure, world: readonly string[], repositories: readonly string[]): Error {
  if (f.kind === 'bad-entry') return f.cause;
  if (f.kind !== 'unsatisfiable') return new InternalError(`${f.kind} without pins`);
  return new LupineError('BUILD_GUEST_UNRESOLVABLE', `cannot resolve the build environment:\n${f.report.trimEnd()}`, {
    details: { packages: world, repositories },
    hint: 'check environment.contents.packages and the repositories given with -r (and their keys, -k)',
  });
}

export async function prepareGuest(i: GuestInput): Promise<PreparedGuest> {
  const logger = i.logger ?? silentLogger;
  const raw = (i.environment.raw.contents ?? {}) as Record<string, unknown>;
  const buildRepos = Array.isArray(raw.build_repositories)
    ? raw.build_repositories.filter((r): r is string => typeof r === 'string')
    : [];
  const repositories = [...i.environment.repositories, ...buildRepos, ...i.repositories].map((r) =>
    repoLine(r, i.baseDir),
  );
  const keyring = keyringOf(i.keys);
  const world = [...i.environment.packages, ...(i.packageAppend ?? [])];
  if (world.length === 0) {
    throw new LupineError('BUILD_GUEST_UNRESOLVABLE', 'the build environment lists no packages', {
      hint: 'add environment.contents.packages (at least a shell, e.g. busybox), or use --package-append',
    });
  }
  const { repositories: opened, result } = await lockPackageSet(
    { world, arch: i.arch },
    {
      repositories,
      before: i.opened ?? [],
      keys: keyring,
      cacheDir: join(i.packageCacheDir, 'apk'),
      logger,
      ...(i.allowUntrusted ? { allowUntrusted: true } : {}),
      ...(i.signal ? { signal: i.signal } : {}),
    },
  );
  if (!result.ok) throw unresolvable(result.failure, world, repositories);
  const r = { packages: result.packages.map((m) => lockedSetEntry(m, i.arch)) };
  const cache = new ExpandedPackageCache(join(i.packageCacheDir, 'expanded'), logger);
  const fill = await fillFromLocked(cache, lockedPackages(r.packages, opened), {
    keyring,
    ...(i.allowUntrusted ? { allowUntrusted: true } : {}),
  });
  const cached = (await Promise.all(fill.packages.map((k) => cache.lookup(k)))).filter(
    (c): c is CachedPackage => c !== undefined,
  );
  const locked = r.packages.map((p) => `${p.name}=${p.version}`);
  const files = guestFiles({
    arch: i.arch,
    environment: i.environment,
    passwd: await shipped(cached, 'etc/passwd'),
    group: await shipped(cached, 'etc/group'),
    world: locked,
    repositories,
    keys: i.keys,
  });
  const dir = await makeOwnedDir(join(i.packageCacheDir, 'guests'), GUEST_PREFIX);
  const root = join(dir, 'root');
  try {
    await assembleGuest({ cache, packages: fill.packages, target: root, files });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    root,
    locked,
    packages: r.packages,
    repositories,
    filled: fill.filled,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
