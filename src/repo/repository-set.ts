import { type Keyring, type PackageInfo, streamVerifiedPackage, verifyPackage } from '../apk/index.js';
import { type Logger, LupineError, silentLogger } from '../core/index.js';
import { readApkIndexArchive } from './apkindex-archive.js';
import type { RepoCache } from './cache.js';
import { DEFAULT_MAX_FETCH_BYTES, type Fetcher, redactUrl, routingFetcher } from './fetcher.js';
import { FileFetcher } from './file-fetcher.js';
import { HttpFetcher, type HttpFetcherOptions } from './http-fetcher.js';
import type { PackStore } from './pack-cache-directory.js';
import type { PackedIndex } from './packed-index.js';
import { readIndexThroughPacks } from './packed-index-cache.js';
import {
  isLocalRepository,
  type RepositoryEntry,
  type RepositoryScheme,
  repositoryIndexUrl,
  repositoryPackageUrl,
} from './repositories.js';

/** The usual Fetcher: http(s) through HttpFetcher, `file://` URLs and absolute paths through FileFetcher. */
export function defaultFetcher(options: HttpFetcherOptions = {}): Fetcher {
  return routingFetcher({ http: new HttpFetcher(options), file: new FileFetcher() });
}

/** What an index archive holds once its signature has been checked. */
export interface IndexContents {
  readonly packages: PackageInfo[];
  /** The `DESCRIPTION` entry; '' when absent. */
  readonly description: string;
  /** The same records packed for the resolver, when read through a pack store. */
  readonly packed?: PackedIndex;
}

/** Reads and verifies an `APKINDEX.tar.gz` (signature against `keys` unless `allowUntrusted`). */
export type IndexReader = (
  bytes: Uint8Array,
  options: { readonly keys: Keyring; readonly allowUntrusted: boolean; readonly source: string },
) => IndexContents | Promise<IndexContents>;

/**
 * Checks that downloaded bytes are the package an index entry describes; throws (APK_BAD_IDENTITY,
 * APK_BAD_DATAHASH, …) otherwise. The default is the package reader's `verifyPackage` with the
 * entry's `C:` as the expected identity (the index's signature vouches for it, so the package's own
 * signature is not required, as in apk).
 */
export type PackageVerifier = (
  bytes: Uint8Array,
  pkg: PackageInfo,
  options: { readonly keys: Keyring; readonly source: string },
) => void | Promise<void>;

/** The default IndexReader: `readApkIndexArchive`. */
export const readIndexArchive: IndexReader = (bytes, o) => {
  const a = readApkIndexArchive(bytes, { keys: o.keys, allowUntrusted: o.allowUntrusted, source: o.source });
  return { packages: a.packages, description: a.description };
};

/**
 * The default PackageVerifier: identity against `C:`, then datahash and every file's checksum (streamed), the
 * data held to the index's `I:` as well as the package's own declared size.
 */
export const verifyIndexedPackage: PackageVerifier = async (bytes, pkg, o) => {
  const options = {
    expectedIdentity: pkg.identity,
    requireSignature: false,
    source: o.source,
    declaredSize: pkg.installedSize,
  };
  // Streamed (memory bounded whatever the package holds); a legacy package is read whole.
  if ((await streamVerifiedPackage(bytes, o.keys, options)) === undefined) verifyPackage(bytes, o.keys, options);
};

export interface RepositorySetOptions {
  readonly arch: string;
  readonly fetcher: Fetcher;
  /** Remote repositories go through this cache; without one they are fetched every time. */
  readonly cache?: RepoCache;
  readonly keys: Keyring;
  readonly allowUntrusted?: boolean;
  /** `--no-network`: remote repositories come from the cache only; local ones are read as usual. */
  readonly offline?: boolean;
  /** A cached index younger than this is used without asking the server (default 4 h; 0 = always ask). */
  readonly maxIndexAgeSeconds?: number;
  /** Default `readIndexArchive`. */
  readonly readIndex?: IndexReader;
  /**
   * Packed indexes kept from earlier reads: an index whose exact bytes were read before is not
   * inflated and parsed again (its signature is still checked). Not used with a custom `readIndex`.
   */
  readonly packs?: PackStore;
  /** Default `verifyIndexedPackage`. */
  readonly verifyPackage?: PackageVerifier;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

/** One configured repository with its verified index, in `repositories` order. */
export interface LoadedRepository {
  /** The repository URL as written. */
  readonly url: string;
  readonly tag: string | undefined;
  readonly tags: readonly string[];
  readonly scheme: RepositoryScheme;
  readonly arch: string;
  readonly indexUrl: string;
  /** The index's `DESCRIPTION`; '' when absent. */
  readonly description: string;
  readonly packages: PackageInfo[];
  /** The records packed for the resolver (when read through `packs`). */
  readonly packed?: PackedIndex;
  /** Whether the index came from the cache rather than the repository. */
  readonly fromCache: boolean;
}

/** Where a package comes from: the repository's URL, scheme and arch. */
export type PackageSource = Pick<LoadedRepository, 'url' | 'scheme' | 'arch'>;

/**
 * The configured repositories for one architecture: loads and verifies their indexes (through the
 * cache for remote ones; local ones are read in place, as apk does) and fetches their packages.
 */
export class RepositorySet {
  #o: RepositorySetOptions;
  #logger: Logger;

  constructor(options: RepositorySetOptions) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Loads every repository's index, keeping the order of `entries`. */
  async load(entries: readonly RepositoryEntry[]): Promise<LoadedRepository[]> {
    return Promise.all(entries.map((e) => this.loadOne(e)));
  }

  async loadOne(entry: RepositoryEntry): Promise<LoadedRepository> {
    const o = this.#o;
    const indexUrl = repositoryIndexUrl(entry.url, o.arch);
    const shown = redactUrl(indexUrl);
    const readIndex = o.readIndex ?? readIndexArchive;
    const packs = o.readIndex === undefined ? o.packs : undefined;
    const read = { keys: o.keys, allowUntrusted: o.allowUntrusted ?? false, source: shown };
    const decode = (bytes: Uint8Array): IndexContents | Promise<IndexContents> =>
      packs ? readIndexThroughPacks(bytes, packs, { ...read, logger: this.#logger }) : readIndex(bytes, read);
    let contents: IndexContents;
    let fromCache = false;
    if (isLocalRepository(entry) || !o.cache) {
      if (o.offline && !isLocalRepository(entry)) {
        throw new LupineError(
          'REPO_OFFLINE',
          `the index ${shown} cannot be fetched: the network is off and there is no cache`,
          {
            details: { missing: `the index ${shown}` },
            hint: 'give a cache directory filled by an earlier run, or drop --no-network',
          },
        );
      }
      const r = await o.fetcher.get(indexUrl, { ...(o.signal ? { signal: o.signal } : {}), maxBytes: MAX_INDEX_BYTES });
      if (r.status !== 'ok') throw notModified(shown);
      contents = await decode(r.bytes);
    } else {
      const d = await o.cache.fetchIndex(indexUrl, o.fetcher, decode, {
        ...(o.offline ? { offline: true } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.maxIndexAgeSeconds === undefined ? {} : { maxAgeSeconds: o.maxIndexAgeSeconds }),
        maxBytes: MAX_INDEX_BYTES,
      });
      contents = d.value;
      fromCache = d.fromCache;
    }
    const count = contents.packed?.packageCount ?? contents.packages.length;
    this.#logger.debug(`${shown}: ${count} packages${fromCache ? ' (cached)' : ''}`);
    const c = contents;
    return {
      url: entry.url,
      tag: entry.tag,
      tags: entry.tags,
      scheme: entry.scheme,
      arch: o.arch,
      indexUrl,
      description: c.description,
      // Read lazily: with a pack, the records are made only if something asks for them.
      get packages() {
        return c.packages;
      },
      ...(c.packed ? { packed: c.packed } : {}),
      fromCache,
    };
  }

  /**
   * The bytes of `<repo>/<arch>/<name>-<version>.apk` (arch from the package's `A:` when set, as 2.x
   * does), checked to be the package the index promised: its identity must equal `C:`.
   */
  async fetchPackage(repo: PackageSource, pkg: PackageInfo): Promise<Uint8Array> {
    const o = this.#o;
    const url = repositoryPackageUrl(repo.url, repo.arch, pkg);
    const shown = redactUrl(url);
    const verify = async (bytes: Uint8Array) => {
      if (pkg.identity === '') {
        if (o.allowUntrusted) return;
        throw new LupineError('APK_BAD_IDENTITY', `the index gives no identity (C:) for ${pkg.name}-${pkg.version}`, {
          details: { package: `${pkg.name}-${pkg.version}`, url: shown },
          hint: 'the index is incomplete; rebuild it, or pass --allow-untrusted to accept the package unchecked',
        });
      }
      await (o.verifyPackage ?? verifyIndexedPackage)(bytes, pkg, { keys: o.keys, source: shown });
    };
    const cache = o.cache;
    if (isLocalRepository(repo) || !cache) {
      if (o.offline && !isLocalRepository(repo)) {
        throw new LupineError('REPO_OFFLINE', `${shown} cannot be fetched: the network is off and there is no cache`, {
          details: { missing: `the package ${pkg.name}-${pkg.version}` },
          hint: 'give a cache directory filled by an earlier run, or drop --no-network',
        });
      }
      const r = await boundedBySize(pkg, shown, () =>
        o.fetcher.get(url, { ...(o.signal ? { signal: o.signal } : {}), maxBytes: packageByteLimit(pkg) }),
      );
      if (r.status !== 'ok') throw notModified(shown);
      await verify(r.bytes);
      return r.bytes;
    }
    const d = await boundedBySize(pkg, shown, () =>
      cache.fetchPackage(url, pkg, o.fetcher, verify, {
        ...(o.offline ? { offline: true } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        maxBytes: packageByteLimit(pkg),
      }),
    );
    return d.value;
  }
}

function notModified(shown: string): LupineError {
  return new LupineError('REPO_UNREACHABLE', `${shown} answered 'not modified' to an unconditional request`, {
    details: { url: shown },
  });
}

/** Largest index (APKINDEX.tar.gz or pack) fetched: 256 MiB, over ten times a full distribution's. */
export const MAX_INDEX_BYTES = 256 * 1024 * 1024;

/** A package fetch reads at most its declared `S:` size; without one, the fetcher's default bound. */
function packageByteLimit(pkg: PackageInfo): number {
  return pkg.size > 0 ? pkg.size : DEFAULT_MAX_FETCH_BYTES;
}

/** Runs a package fetch, naming the index's declared size when the body went past it. */
async function boundedBySize<T>(pkg: PackageInfo, shown: string, fetch: () => Promise<T>): Promise<T> {
  try {
    return await fetch();
  } catch (err) {
    if (!(err instanceof LupineError) || err.code !== 'LIMIT_EXCEEDED' || pkg.size <= 0) throw err;
    throw new LupineError(
      'LIMIT_EXCEEDED',
      `${shown} sent more than the ${pkg.size} bytes its index declares (S:) for ${pkg.name}-${pkg.version}`,
      {
        cause: err,
        details: { url: shown, package: `${pkg.name}-${pkg.version}`, declaredSize: pkg.size },
        hint: 'the server or the index is wrong or hostile; rebuild the index or check the repository',
      },
    );
  }
}
