/**
 * Opening repositories for one arch: each one's verified index and a way to get its packages'
 * verified bytes (remote ones through the shared cache; a local `…/APKINDEX.tar.gz` may be named
 * directly). The first step of every resolve (locked-set.ts, open-root.ts).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Keyring, PackageInfo } from '../apk/index.js';
import { type Logger, LupineError } from '../core/index.js';
import {
  defaultFetcher,
  type Fetcher,
  PackDirectory,
  type PackedIndex,
  type PackStore,
  parseRepositories,
  RepoCache,
  type RepositoryEntry,
  RepositorySet,
  readApkIndexArchive,
  readIndexThroughPacks,
  redactUrl,
  repositoryPackageUrl,
  verifyIndexedPackage,
} from '../repo/index.js';

export interface RepositoryOptions {
  /** Repository lines (`[@tag ]URL`, as in /etc/apk/repositories) or parsed entries, in priority order. */
  readonly repositories: readonly (string | RepositoryEntry)[];
  readonly arch: string;
  /** Trusted keys for index signatures (and packages without an index identity). */
  readonly keys?: Keyring;
  readonly allowUntrusted?: boolean;
  /** A cache directory for remote indexes and packages, safe to share between processes. */
  readonly cacheDir?: string;
  /** An open cache (instead of `cacheDir`). */
  readonly cache?: RepoCache;
  /** Parsed indexes are kept here (for the solver's packed records). */
  readonly packDir?: string;
  /** Remote repositories come from the cache only (`--no-network`). */
  readonly offline?: boolean;
  /** Default: http(s) and file through `defaultFetcher`, with `HTTP_AUTH` read from `env`. */
  readonly fetcher?: Fetcher;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A cached index younger than this is used without asking the server (default 4 h). */
  readonly maxIndexAgeSeconds?: number;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

/** One loaded repository: its verified index and a way to get its packages' verified bytes. */
export interface OpenRepository {
  /** The repository URL as written, credentials removed. */
  readonly name: string;
  /** The repository URL exactly as written (a local path absolute). */
  readonly url: string;
  /** The entry it was opened from (its tags, its location). */
  readonly entry: RepositoryEntry;
  /** `@tag` without '@'; undefined for an untagged repository. */
  readonly tag: string | undefined;
  readonly description: string;
  /** Made from the pack, when there is one, only when asked for. */
  readonly packages: readonly PackageInfo[];
  /** The records packed for the resolver (with `packDir`). */
  readonly packed?: PackedIndex;
  readonly fromCache: boolean;
  /** Where `pkg` is downloaded from, credentials removed. */
  packageUrl(pkg: PackageInfo): string;
  /** The package's bytes, checked to have the identity (`C:`) the index gives. */
  fetch(pkg: PackageInfo): Promise<Uint8Array>;
}

/** A repository line or entry as an entry; an index file path (`…/APKINDEX.tar.gz`) is allowed. */
function toEntry(r: string | RepositoryEntry): RepositoryEntry {
  if (typeof r !== 'string') return r;
  const [entry] = parseRepositories(r, 'repository');
  if (!entry) throw new LupineError('REPO_BAD_LINE', `'${r}' is not a repository`, { details: { repository: r } });
  return entry;
}

/** A local `APKINDEX.tar.gz` named directly, read and verified: its packages sit beside it. */
export interface IndexFile {
  readonly file: string;
  readonly index: { readonly packages: PackageInfo[]; readonly description: string; readonly packed?: PackedIndex };
  packagePath(pkg: PackageInfo): string;
}

/** Reads a local index named directly (through `packs` when given); REPO_NOT_FOUND when unreadable. */
export async function readIndexFile(
  entry: RepositoryEntry,
  o: { readonly keys: Keyring; readonly allowUntrusted: boolean; readonly packs?: PackStore },
): Promise<IndexFile> {
  const file = entry.url.replace(/^file:\/\//, '');
  const bytes = await readFile(file).catch((err: unknown) => {
    throw new LupineError('REPO_NOT_FOUND', `cannot read ${file}: ${(err as Error).message}`, {
      cause: err,
      details: { path: file },
    });
  });
  const read = { source: file, keys: o.keys, allowUntrusted: o.allowUntrusted };
  const index = o.packs ? await readIndexThroughPacks(bytes, o.packs, read) : readApkIndexArchive(bytes, read);
  return { file, index, packagePath: (pkg) => join(dirname(file), `${pkg.name}-${pkg.version}.apk`) };
}

async function openIndexFile(entry: RepositoryEntry, o: RepositoryOptions, packs?: PackStore): Promise<OpenRepository> {
  const keys = o.keys ?? new Map();
  const read = { keys, allowUntrusted: o.allowUntrusted ?? false, ...(packs ? { packs } : {}) };
  const { index, packagePath: at } = await readIndexFile(entry, read);
  return {
    name: entry.url,
    url: entry.url,
    entry,
    tag: entry.tag,
    description: index.description,
    get packages() {
      return index.packages;
    },
    ...(index.packed ? { packed: index.packed } : {}),
    fromCache: false,
    packageUrl: at,
    async fetch(pkg) {
      const b = await readFile(at(pkg)).catch((err: unknown) => {
        throw new LupineError('REPO_NOT_FOUND', `cannot read ${at(pkg)}: ${(err as Error).message}`, {
          cause: err,
          details: { path: at(pkg) },
        });
      });
      if (pkg.identity) await verifyIndexedPackage(b, pkg, { keys, source: at(pkg) });
      return b;
    },
  };
}

/**
 * Loads every repository's index for `arch` (remote ones through the cache when one is given),
 * checking signatures unless `allowUntrusted`. Keeps the given order, which is apk's priority order.
 */
export async function openRepositories(o: RepositoryOptions): Promise<OpenRepository[]> {
  const entries = o.repositories.map(toEntry);
  const remote = entries.some((e) => e.scheme === 'http' || e.scheme === 'https');
  const cache =
    o.cache ??
    (remote && o.cacheDir !== undefined
      ? await RepoCache.open(o.cacheDir, o.logger ? { logger: o.logger } : {})
      : undefined);
  const packs = o.packDir === undefined ? undefined : new PackDirectory(o.packDir);
  const set = new RepositorySet({
    arch: o.arch,
    fetcher:
      o.fetcher ?? defaultFetcher({ ...(o.env ? { env: o.env } : {}), ...(o.logger ? { logger: o.logger } : {}) }),
    keys: o.keys ?? new Map(),
    ...(cache ? { cache } : {}),
    ...(packs ? { packs } : {}),
    ...(o.allowUntrusted ? { allowUntrusted: true } : {}),
    ...(o.offline ? { offline: true } : {}),
    ...(o.maxIndexAgeSeconds === undefined ? {} : { maxIndexAgeSeconds: o.maxIndexAgeSeconds }),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return Promise.all(
    entries.map(async (e): Promise<OpenRepository> => {
      if ((e.scheme === 'path' || e.scheme === 'file') && e.url.endsWith('.tar.gz')) return openIndexFile(e, o, packs);
      const loaded = await set.loadOne(e);
      return {
        name: redactUrl(e.url),
        url: e.url,
        entry: e,
        tag: e.tag,
        description: loaded.description,
        get packages() {
          return loaded.packages;
        },
        ...(loaded.packed ? { packed: loaded.packed } : {}),
        fromCache: loaded.fromCache,
        packageUrl: (pkg) => redactUrl(repositoryPackageUrl(e.url, o.arch, pkg)),
        fetch: (pkg) => set.fetchPackage(loaded, pkg),
      };
    }),
  );
}
