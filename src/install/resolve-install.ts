/**
 * The library's top-level convenience for later issues (image builds, build environments): open
 * repositories for one arch, resolve a package list into a locked set (names, versions, identities,
 * URLs), and install a locked set into a root. The pieces are the repo module's `RepositorySet` and
 * `RepoCache`, the resolver's `solve`, and `installPackages`.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Keyring, type PackageInfo, parseDependency } from '../apk/index.js';
import { type Logger, LupineError } from '../core/index.js';
import {
  defaultFetcher,
  type Fetcher,
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
import { type Conflict, explainConflict, type RepositoryInput, solve } from '../resolver/index.js';
import { type InstallOptions, type InstallResult, installPackages, type LockedPackage } from './apply.js';

export interface RepositoryOptions {
  /** Repository lines (`[@tag ]URL`, as in /etc/apk/repositories) or parsed entries, in priority order. */
  readonly repositories: readonly (string | RepositoryEntry)[];
  readonly arch: string;
  /** Trusted keys for index signatures (and packages without an index identity). */
  readonly keys?: Keyring;
  readonly allowUntrusted?: boolean;
  /** A cache directory for remote indexes and packages, safe to share between processes. */
  readonly cacheDir?: string;
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
  /** `@tag` without '@'; undefined for an untagged repository. */
  readonly tag: string | undefined;
  readonly description: string;
  readonly packages: readonly PackageInfo[];
  readonly fromCache: boolean;
  /** Where `pkg` is downloaded from, credentials removed. */
  packageUrl(pkg: PackageInfo): string;
  /** The package's bytes, checked to have the identity (`C:`) the index gives. */
  fetch(pkg: PackageInfo): Promise<Uint8Array>;
}

/** One package of a locked set. */
export interface LockedSetEntry {
  readonly name: string;
  readonly version: string;
  /** `C:` identity (`Q1…`). */
  readonly identity: string;
  readonly arch: string;
  /** The repository's URL (credentials removed) and tag ('' for none). */
  readonly repository: string;
  readonly tag: string;
  /** The package's download URL (credentials removed). */
  readonly url: string;
  readonly size: number;
  readonly installedSize: number;
}

export type ResolveResult =
  | { readonly ok: true; readonly packages: readonly LockedSetEntry[] }
  | { readonly ok: false; readonly conflict: Conflict; readonly report: string };

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

async function openIndexFile(entry: RepositoryEntry, o: RepositoryOptions): Promise<OpenRepository> {
  const keys = o.keys ?? new Map();
  const { index, packagePath: at } = await readIndexFile(entry, { keys, allowUntrusted: o.allowUntrusted ?? false });
  return {
    name: entry.url,
    tag: entry.tag,
    description: index.description,
    packages: index.packages,
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
    remote && o.cacheDir !== undefined
      ? await RepoCache.open(o.cacheDir, o.logger ? { logger: o.logger } : {})
      : undefined;
  const set = new RepositorySet({
    arch: o.arch,
    fetcher:
      o.fetcher ?? defaultFetcher({ ...(o.env ? { env: o.env } : {}), ...(o.logger ? { logger: o.logger } : {}) }),
    keys: o.keys ?? new Map(),
    ...(cache ? { cache } : {}),
    ...(o.allowUntrusted ? { allowUntrusted: true } : {}),
    ...(o.offline ? { offline: true } : {}),
    ...(o.maxIndexAgeSeconds === undefined ? {} : { maxIndexAgeSeconds: o.maxIndexAgeSeconds }),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return Promise.all(
    entries.map(async (e): Promise<OpenRepository> => {
      if ((e.scheme === 'path' || e.scheme === 'file') && e.url.endsWith('.tar.gz')) return openIndexFile(e, o);
      const loaded = await set.loadOne(e);
      return {
        name: redactUrl(e.url),
        tag: e.tag,
        description: loaded.description,
        packages: loaded.packages,
        fromCache: loaded.fromCache,
        packageUrl: (pkg) => redactUrl(repositoryPackageUrl(e.url, o.arch, pkg)),
        fetch: (pkg) => set.fetchPackage(loaded, pkg),
      };
    }),
  );
}

/** The solver's view of opened repositories. */
export function repositoryInputs(repos: readonly OpenRepository[]): RepositoryInput[] {
  return repos.map((r) => ({ ...(r.tag ? { tag: r.tag } : {}), packages: r.packages, name: r.name }));
}

/**
 * Resolves `packages` (world-style: `busybox`, `python3~3.11`, `foo@edge`) for `arch` into what an
 * empty root would hold. A malformed entry throws APK_BAD_DEPENDENCY; an unsatisfiable list is a
 * conflict with apk's `ERROR: unable to select packages:` report.
 */
export function resolvePackageSet(
  packages: readonly string[],
  repos: readonly OpenRepository[],
  arch: string,
): ResolveResult {
  const world = packages.map((p) => parseDependency(p));
  const r = solve({ world, repositories: repositoryInputs(repos), arch });
  if (!r.ok) return { ok: false, conflict: r.conflict, report: explainConflict(r.conflict) };
  return {
    ok: true,
    packages: r.installed.map((p) => {
      const repo = repos[p.repository];
      return {
        name: p.pkg.name,
        version: p.pkg.version,
        identity: p.pkg.identity,
        arch: p.pkg.arch || arch,
        repository: repo?.name ?? '',
        tag: p.tag,
        url: repo ? repo.packageUrl(p.pkg) : '',
        size: p.pkg.size,
        installedSize: p.pkg.installedSize,
      };
    }),
  };
}

/** Turns locked entries into the installer's packages, fetching each from the repository it names. */
export function lockedPackages(entries: readonly LockedSetEntry[], repos: readonly OpenRepository[]): LockedPackage[] {
  return entries.map((e) => {
    const repo =
      repos.find((r) => r.name === e.repository && (r.tag ?? '') === e.tag) ??
      repos.find((r) => r.name === e.repository);
    const pkg = repo?.packages.find((p) => p.name === e.name && p.version === e.version && p.identity === e.identity);
    return {
      name: e.name,
      version: e.version,
      identity: e.identity,
      arch: e.arch,
      repository: e.repository,
      tag: e.tag,
      installedSize: e.installedSize,
      fetch: async () => {
        if (!repo || !pkg) {
          throw new LupineError(
            'REPO_NOT_FOUND',
            `${e.name}-${e.version} is not in ${e.repository || 'any repository'}`,
            {
              details: { package: `${e.name}-${e.version}`, repository: e.repository },
            },
          );
        }
        return repo.fetch(pkg);
      },
    };
  });
}

/** Installs a locked set into `root` (making the root hold exactly it), atomically. */
export function installLockedSet(
  root: string,
  entries: readonly LockedSetEntry[],
  repos: readonly OpenRepository[],
  options: InstallOptions = {},
): Promise<InstallResult> {
  return installPackages(root, lockedPackages(entries, repos), options);
}

export interface ResolveAndInstallOptions extends RepositoryOptions {
  /** World entries to resolve; they become the root's world. */
  readonly packages: readonly string[];
  readonly install?: Omit<InstallOptions, 'world' | 'arch'>;
}

/**
 * `apk add --initdb` in one call: resolve `packages` into a locked set and install it into `root`.
 * An unsatisfiable list throws RESOLVE_UNSATISFIABLE with the report in the message.
 */
export async function resolveAndInstall(
  root: string,
  o: ResolveAndInstallOptions,
): Promise<InstallResult & { readonly packages: readonly LockedSetEntry[] }> {
  const repos = await openRepositories(o);
  const r = resolvePackageSet(o.packages, repos, o.arch);
  if (!r.ok) {
    throw new LupineError('RESOLVE_UNSATISFIABLE', r.report.trimEnd(), { details: { conflict: r.conflict } });
  }
  const result = await installLockedSet(root, r.packages, repos, {
    ...o.install,
    world: o.packages,
    arch: o.arch,
    ...(o.keys ? { keyring: o.keys } : {}),
    ...(o.allowUntrusted ? { allowUntrusted: true } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
  });
  return { ...result, packages: r.packages };
}
