/**
 * A root on disk as `lupine apk` sees it, the way apk-tools 2.14 sets up its database:
 *   - `--root` (default /), its `etc/apk/{world,arch}` and `lib/apk/db/installed`, every file of the
 *     root read confined to it (symlinks resolved as if the root were `/`: never a host file);
 *   - repositories from `--repositories-file` (default ROOT/etc/apk/repositories, `@tag` lines) and
 *     every `-X/--repository`; a local `…/APKINDEX.tar.gz` may be named directly;
 *   - keys from `--keys-dir` (default ROOT/etc/apk/keys), `--allow-untrusted` to skip them;
 *   - remote indexes and packages through the shared cache (`--cache-dir`, else ROOT/etc/apk/cache
 *     when it exists, else `$XDG_CACHE_HOME/lupine` or `~/.cache/lupine`; `--no-cache` for none),
 *     offline with `--no-network`, HTTP basic auth from URL credentials and `HTTP_AUTH`.
 */
import type { KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  hostApkArch,
  type Keyring,
  type PackageInfo,
  parseDependencyList,
  parsePublicKey,
} from '../../../apk/index.js';
import { LupineError, readInputFile, readRootFile, readRootText, rootDir } from '../../../core/index.js';
import type { PackedIndex, RepositoryEntry } from '../../../repo/index.js';
import type { RepositoryInput } from '../../../resolver/index.js';
import type { CliIo } from '../../io.js';
import { type ApkArgs, has, last, values } from './args.js';
import type { ApkState } from './context.js';
import { loadKeys } from './files.js';

export function rootOf(args: ApkArgs, io: CliIo): string {
  return resolve(io.cwd, last(args, 'root') ?? '/');
}

/** `--arch`, else ROOT/etc/apk/arch; undefined when neither is set. */
export async function configuredArch(args: ApkArgs, io: CliIo): Promise<string | undefined> {
  return last(args, 'arch') ?? readRootText(rootOf(args, io), 'etc/apk/arch')?.trim();
}

/** The cache directory: `--cache-dir`, ROOT/etc/apk/cache if present, else the user's; undefined with --no-cache. */
export async function cacheDirOf(args: ApkArgs, io: CliIo): Promise<string | undefined> {
  if (has(args, 'no-cache')) return undefined;
  const given = last(args, 'cache-dir');
  if (given !== undefined) return resolve(io.cwd, given);
  const root = rootOf(args, io);
  const rootCache = rootDir(root, 'etc/apk/cache');
  if (rootCache !== undefined) return join(root, rootCache);
  const xdg = io.env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'lupine');
  return io.env.HOME ? join(io.env.HOME, '.cache', 'lupine') : undefined;
}

/**
 * Where parsed indexes are kept (`packs/` of the user's cache, or of `--cache-dir`): never under the
 * root, whose etc/apk/cache belongs to what is being installed. Undefined with --no-cache.
 */
export function packDirOf(args: ApkArgs, io: CliIo): string | undefined {
  if (has(args, 'no-cache')) return undefined;
  const given = last(args, 'cache-dir');
  if (given !== undefined) return resolve(io.cwd, given);
  const xdg = io.env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'lupine');
  return io.env.HOME ? join(io.env.HOME, '.cache', 'lupine') : undefined;
}

/**
 * Trusted keys: `--keys-dir` (each a directory of *.rsa.pub or one key file), else ROOT/etc/apk/keys.
 * A relative `--keys-dir` is inside the root, as apk-tools opens it relative to the root directory.
 */
export async function keysOf(args: ApkArgs, io: CliIo): Promise<Keyring> {
  const dirs = values(args, 'keys-dir');
  const root = rootOf(args, io);
  if (dirs.length) return loadKeys(dirs.map((d) => resolve(root, d)));
  return rootKeys(root);
}

/** ROOT/etc/apk/keys: its `*.rsa.pub` files, each read confined to the root. */
async function rootKeys(root: string): Promise<Keyring> {
  const keys = new Map<string, KeyObject>();
  const dir = rootDir(root, 'etc/apk/keys');
  if (dir === undefined) return keys;
  for (const name of (await readdir(join(root, dir))).filter((n) => n.endsWith('.rsa.pub')).sort()) {
    const pem = readRootFile(root, `${dir}/${name}`, { maxBytes: 1024 * 1024 });
    if (pem !== undefined) keys.set(name, parsePublicKey(pem, `etc/apk/keys/${name}`));
  }
  return keys;
}

/** Every configured repository, in apk's order: the repositories file, then each `-X`. */
async function repositoryEntries(args: ApkArgs, io: CliIo): Promise<RepositoryEntry[]> {
  const { parseRepositories } = await import('../../../repo/index.js');
  const root = rootOf(args, io);
  const given = last(args, 'repositories-file');
  const file = given !== undefined ? resolve(io.cwd, given) : join(root, 'etc/apk/repositories');
  const text =
    given !== undefined
      ? await readInputFile(file, 'repositories file', 'utf8')
      : readRootText(root, 'etc/apk/repositories');
  const entries = text === undefined ? [] : parseRepositories(text, file);
  for (const x of values(args, 'repository')) {
    const m = /^@(\S+)\s+(.*)$/.exec(x);
    const url = m ? (m[2] as string) : x;
    const abs = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url) || isAbsolute(url) ? url : resolve(io.cwd, url);
    const line = m ? `@${m[1]} ${abs}` : abs;
    entries.push(...parseRepositories(line, '--repository'));
  }
  return entries;
}

/** Where a repository's packages come from, aligned with `ApkState.repositories`. */
export type PackageFetch = (pkg: PackageInfo) => Promise<Uint8Array>;

export interface RootState extends ApkState {
  readonly root: string;
  readonly keys: Keyring;
  /** The arch to install for and to write to etc/apk/arch (configured or the host's). */
  readonly installArch: string;
  readonly fetchers: readonly PackageFetch[];
  /** Index URLs of the remote repositories (what the cache holds for them). */
  readonly remoteIndexUrls: readonly string[];
}

export async function loadRootState(args: ApkArgs, io: CliIo): Promise<RootState> {
  const root = rootOf(args, io);
  const configured = await configuredArch(args, io);
  const arch = configured ?? hostApkArch(process.arch);
  const world = parseDependencyList(readRootText(root, 'etc/apk/world') ?? '');
  const instText = readRootText(root, 'lib/apk/db/installed');
  const { installedState } = await import('../../../install/index.js');
  const inst = installedState(instText ?? '');
  const allowUntrusted = has(args, 'allow-untrusted');
  const keys = await keysOf(args, io);
  const entries = await repositoryEntries(args, io);
  const repositories: RepositoryInput[] = [];
  const fetchers: PackageFetch[] = [];
  const remoteIndexUrls: string[] = [];
  if (entries.length) {
    const repo = await import('../../../repo/index.js');
    const remoteEntries = entries.filter((e) => e.scheme === 'http' || e.scheme === 'https');
    const remote = remoteEntries.length > 0;
    for (const e of remoteEntries) remoteIndexUrls.push(repo.repositoryIndexUrl(e.url, arch));
    const cacheDir = remote ? await cacheDirOf(args, io) : undefined;
    const cache = cacheDir === undefined ? undefined : await repo.RepoCache.open(cacheDir);
    const offline = has(args, 'no-network');
    const packDir = packDirOf(args, io);
    const packs = packDir === undefined ? undefined : new repo.PackDirectory(packDir);
    const files = new repo.FileFetcher();
    const readLocal = async (url: string) => {
      const r = await files.get(url, io.signal ? { signal: io.signal } : {});
      if (r.status !== 'ok') throw new LupineError('REPO_NOT_FOUND', `cannot read ${url}`, { details: { url } });
      return r.bytes;
    };
    const set = new repo.RepositorySet({
      arch,
      fetcher: repo.defaultFetcher({ env: io.env }),
      keys,
      allowUntrusted,
      ...(cache ? { cache } : {}),
      ...(packs ? { packs } : {}),
      ...(offline ? { offline: true } : {}),
      ...(has(args, 'update-cache') || has(args, 'force-refresh') ? { maxIndexAgeSeconds: 0 } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    const loaded = await Promise.all(
      entries.map(async (e) => {
        const local = e.scheme === 'path' || e.scheme === 'file';
        if (local && e.url.endsWith('.tar.gz')) {
          // An index file named directly: packages sit beside it.
          const file = e.url.replace(/^file:\/\//, '');
          const bytes = await readFile(file).catch((err: unknown) => {
            throw new LupineError('REPO_NOT_FOUND', `cannot read ${file}: ${(err as Error).message}`, {
              cause: err,
              details: { path: file },
            });
          });
          const read = { source: file, keys, allowUntrusted };
          const index: { readonly packages: PackageInfo[]; readonly packed?: PackedIndex } = packs
            ? await repo.readIndexThroughPacks(bytes, packs, read)
            : repo.readApkIndexArchive(bytes, read);
          const fetch: PackageFetch = (pkg) => readLocal(join(dirname(file), `${pkg.name}-${pkg.version}.apk`));
          return { entry: e, index, fetch };
        }
        const l = await set.loadOne(e);
        // Local packages are read in place: the installer checks them against the index's identity
        // anyway. Remote ones go through the cache, which keeps only packages that verify.
        const fetch: PackageFetch = local
          ? (pkg) => readLocal(repo.repositoryPackageUrl(e.url, arch, pkg))
          : (pkg) => set.fetchPackage(l, pkg);
        return { entry: e, index: l, fetch };
      }),
    );
    for (const l of loaded) {
      // A URL listed under several tags is one repository allowed under each of them.
      const index = l.index;
      for (const tag of l.entry.tags.length ? l.entry.tags : ['']) {
        repositories.push({
          ...(tag ? { tag } : {}),
          // With a pack the solver reads that; the records are made only for applets that list them.
          get packages() {
            return index.packages;
          },
          ...(index.packed ? { packed: index.packed } : {}),
          name: repo.redactUrl(l.entry.url),
        });
        fetchers.push(l.fetch);
      }
    }
  }
  return {
    repositories,
    installed: inst.packages,
    installedTags: inst.tags,
    broken: inst.broken,
    world,
    arch: configured ?? '',
    root,
    keys,
    installArch: arch,
    fetchers,
    remoteIndexUrls,
    contents: async () => {
      const { readRootState } = await import('../../../install/index.js');
      const r = readRootState(root);
      return { records: r.installed, triggers: r.triggers };
    },
  };
}
