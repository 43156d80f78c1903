/**
 * A root on disk as `lupine apk` sees it, the way apk-tools 2.14 sets up its database: the root's
 * world, installed database and keys (every file read confined to the root: symlinks resolved as if
 * the root were `/`), and its repositories' indexes for one arch (remote ones through the shared
 * cache, offline when asked; a local `…/APKINDEX.tar.gz` may be named directly), as the solver's
 * inputs with, aligned to them, where each repository's packages come from. The CLI turns its
 * arguments into `OpenRootOptions`; this is the domain half.
 */
import type { KeyObject } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Dependency,
  hostApkArch,
  type Keyring,
  type PackageInfo,
  parseDependencyList,
  parsePublicKey,
} from '../apk/index.js';
import { LupineError, readInputFile, readRootFile, readRootText, rootDir } from '../core/index.js';
import { FileFetcher, parseRepositories, type RepositoryEntry, repositoryIndexUrl } from '../repo/index.js';
import type { RepositoryInput } from '../resolver/index.js';
import { type InstalledPackage, installedState } from './installed-db.js';
import { type OpenRepository, openRepositories } from './open-repositories.js';
import { readRootState } from './root-state.js';
import type { TriggerEntry } from './triggers-db.js';

/** Where a repository's packages come from, aligned with `OpenedRoot.repositories`. */
export type PackageFetch = (pkg: PackageInfo) => Promise<Uint8Array>;

export interface OpenRootOptions {
  /** The root directory (absolute). */
  readonly root: string;
  /** `--arch`; else ROOT/etc/apk/arch; else the host's (installed for, not recorded). */
  readonly arch?: string;
  /** `--repositories-file` (absolute); else ROOT/etc/apk/repositories, read confined to the root. */
  readonly repositoriesFile?: string;
  /** `-X` lines (`[@tag ]URL`, local paths absolute), after the repositories file's. */
  readonly extraRepositories?: readonly string[];
  /** Trusted keys; default ROOT/etc/apk/keys (`rootKeyring`). */
  readonly keys?: Keyring;
  readonly allowUntrusted?: boolean;
  /** Remote indexes and packages go through this cache (opened only when a repository is remote). */
  readonly cacheDir?: string;
  /** Parsed indexes are kept here (never under the root). */
  readonly packDir?: string;
  readonly offline?: boolean;
  /** Ask the server however young the cached index is (`--update-cache`). */
  readonly refresh?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
}

export interface OpenedRoot {
  readonly root: string;
  readonly world: Dependency[];
  readonly installed: PackageInfo[];
  readonly installedTags: Record<string, string>;
  readonly broken: readonly string[];
  /** The configured arch ('' when neither `arch` nor ROOT/etc/apk/arch says one). */
  readonly arch: string;
  /** The arch to install for and to write to etc/apk/arch (configured or the host's). */
  readonly installArch: string;
  readonly keys: Keyring;
  /** The solver's repositories: one per (repository, tag), in apk's order. */
  readonly repositories: RepositoryInput[];
  readonly fetchers: readonly PackageFetch[];
  /** Index URLs of the remote repositories (what the cache holds for them). */
  readonly remoteIndexUrls: readonly string[];
  /** The installed database's file lists and the triggers database, read when asked. */
  contents(): Promise<{ readonly records: readonly InstalledPackage[]; readonly triggers: readonly TriggerEntry[] }>;
}

/** ROOT/etc/apk/arch, trimmed; undefined when absent. */
export function rootArch(root: string): string | undefined {
  return readRootText(root, 'etc/apk/arch')?.trim();
}

/** ROOT/etc/apk/keys: its `*.rsa.pub` files, each read confined to the root. */
export async function rootKeyring(root: string): Promise<Keyring> {
  const keys = new Map<string, KeyObject>();
  const dir = rootDir(root, 'etc/apk/keys');
  if (dir === undefined) return keys;
  for (const name of (await readdir(join(root, dir))).filter((n) => n.endsWith('.rsa.pub')).sort()) {
    const pem = readRootFile(root, `${dir}/${name}`, { maxBytes: 1024 * 1024 });
    if (pem !== undefined) keys.set(name, parsePublicKey(pem, `etc/apk/keys/${name}`));
  }
  return keys;
}

/** Every configured repository, in apk's order: the repositories file, then each extra line. */
async function repositoryEntries(o: OpenRootOptions): Promise<RepositoryEntry[]> {
  const file = o.repositoriesFile ?? join(o.root, 'etc/apk/repositories');
  const text =
    o.repositoriesFile === undefined
      ? readRootText(o.root, 'etc/apk/repositories')
      : await readInputFile(file, 'repositories file', 'utf8');
  const entries = text === undefined ? [] : parseRepositories(text, file);
  for (const line of o.extraRepositories ?? []) entries.push(...parseRepositories(line, '--repository'));
  return entries;
}

/**
 * Opens every repository for `arch` (open-repositories.ts, as every resolve does), each with where
 * its packages come from: local packages are read in place (the installer checks them against the
 * index's identity anyway); remote ones go through the cache, which keeps only packages that verify.
 */
async function loadSources(
  entries: readonly RepositoryEntry[],
  arch: string,
  keys: Keyring,
  o: OpenRootOptions,
): Promise<{ readonly repository: OpenRepository; readonly fetch: PackageFetch }[]> {
  const files = new FileFetcher();
  const readLocal = async (url: string) => {
    const r = await files.get(url, o.signal ? { signal: o.signal } : {});
    if (r.status !== 'ok') throw new LupineError('REPO_NOT_FOUND', `cannot read ${url}`, { details: { url } });
    return r.bytes;
  };
  const opened = await openRepositories({
    repositories: entries,
    arch,
    keys,
    allowUntrusted: o.allowUntrusted ?? false,
    ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}),
    ...(o.packDir !== undefined ? { packDir: o.packDir } : {}),
    ...(o.offline ? { offline: true } : {}),
    ...(o.refresh ? { maxIndexAgeSeconds: 0 } : {}),
    ...(o.env ? { env: o.env } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return opened.map((repository) => {
    const local = repository.entry.scheme === 'path' || repository.entry.scheme === 'file';
    const fetch: PackageFetch = local ? (pkg) => readLocal(repository.packageUrl(pkg)) : (pkg) => repository.fetch(pkg);
    return { repository, fetch };
  });
}

/** Opens a root: its state, its keys and its repositories' indexes, ready for the solver. */
export async function openRoot(o: OpenRootOptions): Promise<OpenedRoot> {
  const root = o.root;
  const configured = o.arch ?? rootArch(root);
  const arch = configured ?? hostApkArch();
  const world = parseDependencyList(readRootText(root, 'etc/apk/world') ?? '');
  const inst = installedState(readRootText(root, 'lib/apk/db/installed') ?? '');
  const keys = o.keys ?? (await rootKeyring(root));
  const entries = await repositoryEntries(o);
  const repositories: RepositoryInput[] = [];
  const fetchers: PackageFetch[] = [];
  const remoteIndexUrls = entries
    .filter((e) => e.scheme === 'http' || e.scheme === 'https')
    .map((e) => repositoryIndexUrl(e.url, arch));
  for (const l of entries.length ? await loadSources(entries, arch, keys, o) : []) {
    // A URL listed under several tags is one repository allowed under each of them.
    const index = l.repository;
    for (const tag of index.entry.tags.length ? index.entry.tags : ['']) {
      repositories.push({
        ...(tag ? { tag } : {}),
        // With a pack the solver reads that; the records are made only for applets that list them.
        get packages() {
          return index.packages;
        },
        ...(index.packed ? { packed: index.packed } : {}),
        name: index.name,
      });
      fetchers.push(l.fetch);
    }
  }
  return {
    root,
    world,
    installed: inst.packages,
    installedTags: inst.tags,
    broken: inst.broken,
    arch: configured ?? '',
    installArch: arch,
    keys,
    repositories,
    fetchers,
    remoteIndexUrls,
    contents: async () => {
      const r = readRootState(root);
      return { records: r.installed, triggers: r.triggers };
    },
  };
}
