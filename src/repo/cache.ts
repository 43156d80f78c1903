import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { checkPackageNameVersion } from '../apk/index.js';
import {
  type Clock,
  type Logger,
  LupineError,
  readOptionalFile,
  sha1Hex,
  sha256Hex,
  silentLogger,
} from '../core/index.js';
import { type LockOptions, type LockOwner, withLock } from './cache-lock.js';
import { type Fetcher, redactUrl } from './fetcher.js';

/**
 * A cache directory that several processes may share at once.
 *
 * - Indexes: `APKINDEX.<8 hex of SHA-1(index URL)>.tar.gz` (apk's naming, `APK_CACHE_CSUM_BYTES` = 4)
 *   plus `APKINDEX.<hex>.json` holding the URL, fetch time, ETag/Last-Modified and the SHA-256 of the
 *   bytes. lupine hashes the full index URL (`<repo>/<arch>/APKINDEX.tar.gz`) so that several
 *   architectures share one cache; apk 2.14 hashes the repository URL alone (see `apkIndexCacheName`).
 * - Packages: `<name>-<version>.<8 hex of the identity's first 4 bytes>.apk`, apk's cache naming.
 *
 * Every write goes to a temp file in the same directory, is fsynced and renamed into place, so a reader
 * sees a whole old file or a whole new one. Fetches of one file take an advisory lock so that N
 * processes wanting the same file download it once; different files proceed in parallel.
 */

export interface RepoCacheOptions {
  /** Time for `fetchedAt` and index freshness. Default: wall time. */
  readonly clock?: Clock;
  readonly lockOwner?: LockOwner;
  /** Lock staleness and waiting; see LockOptions. */
  readonly lockStaleMs?: number;
  readonly lockTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface IndexMeta {
  /** The index URL, credentials removed. */
  readonly url: string;
  /** Seconds since the epoch, from the cache's clock. */
  readonly fetchedAt: number;
  readonly size: number;
  readonly sha256: string;
  readonly etag?: string;
  readonly lastModified?: string;
}

/** What a package needs for its cache name. */
export interface PackageRef {
  readonly name: string;
  readonly version: string;
  /** `Q1…` identity (C:); '' when unknown. */
  readonly identity: string;
}

export interface CachedFetchOptions {
  /** Read only the cache; a miss is REPO_OFFLINE. */
  readonly offline?: boolean;
  readonly signal?: AbortSignal;
  readonly maxBytes?: number;
}

export interface IndexFetchOptions extends CachedFetchOptions {
  /** Use a cached index younger than this without asking the server. Default 4 h (apk's cache_max_age). */
  readonly maxAgeSeconds?: number;
}

export interface Decoded<T> {
  readonly value: T;
  readonly bytes: Uint8Array;
  readonly fromCache: boolean;
}

const wallClock: Clock = { now: () => Math.floor(Date.now() / 1000) };

/** apk 2.14's cache name for a repository's index: SHA-1 of the repository URL as written. */
export function apkIndexCacheName(repositoryUrl: string): string {
  return `APKINDEX.${sha1Hex(repositoryUrl).slice(0, 8)}.tar.gz`;
}

/** The 8 hex digits apk puts in cache file names: the identity's first 4 bytes. */
export function identityHex8(identity: string): string | undefined {
  if (/^Q1[A-Za-z0-9+/]{27}=$/.test(identity))
    return Buffer.from(identity.slice(2), 'base64').subarray(0, 4).toString('hex');
  if (/^X1[0-9a-f]{40}$/i.test(identity)) return identity.slice(2, 10).toLowerCase();
  return undefined;
}

export class RepoCache {
  readonly dir: string;
  #clock: Clock;
  #lock: LockOptions;
  #logger: Logger;

  private constructor(dir: string, options: RepoCacheOptions) {
    this.dir = dir;
    this.#clock = options.clock ?? wallClock;
    this.#logger = options.logger ?? silentLogger;
    this.#lock = {
      ...(options.lockOwner ? { owner: options.lockOwner } : {}),
      ...(options.lockStaleMs === undefined ? {} : { staleMs: options.lockStaleMs }),
      ...(options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs }),
      logger: this.#logger,
    };
  }

  /**
   * Opens (creating if needed) a cache directory, and removes temp files over an hour old that a
   * killed process left behind (younger ones may belong to a live writer).
   */
  static async open(dir: string, options: RepoCacheOptions = {}): Promise<RepoCache> {
    try {
      await mkdir(join(dir, '.locks'), { recursive: true });
    } catch (err) {
      throw new LupineError('IO_ERROR', `cannot create cache directory ${dir}: ${(err as Error).message}`, {
        cause: err,
        details: { path: dir },
      });
    }
    const cache = new RepoCache(dir, options);
    await cache.#sweepTemp(3600_000);
    return cache;
  }

  async #sweepTemp(maxAgeMs: number): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!(name.startsWith('.') && name.endsWith('.tmp'))) continue;
      const path = join(this.dir, name);
      const st = await stat(path).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > maxAgeMs) {
        await unlink(path).catch(() => undefined);
        this.#logger.debug(`cache: removed a leftover temp file ${name}`);
      }
    }
  }

  indexFileName(indexUrl: string): string {
    return `APKINDEX.${sha1Hex(redactUrl(indexUrl)).slice(0, 8)}.tar.gz`;
  }

  /** The apk cache name, or undefined when the package has no usable identity (then it is not cached). */
  packageFileName(pkg: PackageRef): string | undefined {
    // The name becomes a path in the cache: apk's syntax for both keeps '/' (and '..') out of it.
    checkPackageNameVersion(pkg.name, pkg.version, 'cache');
    const hex = identityHex8(pkg.identity);
    const name = hex === undefined ? undefined : `${pkg.name}-${pkg.version}.${hex}.apk`;
    if (name !== undefined && (name.includes('/') || name.includes('\0'))) {
      throw new LupineError('APK_BAD_VERSION', `cache: '${name.slice(0, 120)}' cannot be a file name`, {
        details: { name: name.slice(0, 200) },
      });
    }
    return name;
  }

  /** A cached index whose metadata matches this URL and whose bytes match the recorded SHA-256. */
  async readIndex(indexUrl: string): Promise<{ bytes: Uint8Array; meta: IndexMeta } | undefined> {
    const name = this.indexFileName(indexUrl);
    const metaText = await readOptional(join(this.dir, metaName(name)));
    const bytes = await readOptional(join(this.dir, name));
    if (metaText === undefined || bytes === undefined) return undefined;
    let meta: IndexMeta;
    try {
      meta = JSON.parse(Buffer.from(metaText).toString('utf8')) as IndexMeta;
    } catch {
      return undefined;
    }
    if (meta.url !== redactUrl(indexUrl) || meta.sha256 !== sha256Hex(bytes)) return undefined;
    return { bytes, meta };
  }

  async writeIndex(
    indexUrl: string,
    bytes: Uint8Array,
    http: { etag?: string; lastModified?: string } = {},
  ): Promise<IndexMeta> {
    const name = this.indexFileName(indexUrl);
    const meta: IndexMeta = {
      url: redactUrl(indexUrl),
      fetchedAt: this.#clock.now(),
      size: bytes.byteLength,
      sha256: sha256Hex(bytes),
      ...(http.etag === undefined ? {} : { etag: http.etag }),
      ...(http.lastModified === undefined ? {} : { lastModified: http.lastModified }),
    };
    await this.#writeAtomic(name, bytes);
    await this.#writeAtomic(metaName(name), Buffer.from(`${JSON.stringify(meta, null, 2)}\n`));
    return meta;
  }

  async readPackage(pkg: PackageRef): Promise<Uint8Array | undefined> {
    const name = this.packageFileName(pkg);
    return name === undefined ? undefined : readOptional(join(this.dir, name));
  }

  /** Stores verified package bytes; returns the file's path (undefined when the package has no identity). */
  async writePackage(pkg: PackageRef, bytes: Uint8Array): Promise<string | undefined> {
    const name = this.packageFileName(pkg);
    if (name === undefined) return undefined;
    await this.#writeAtomic(name, bytes);
    return join(this.dir, name);
  }

  async removePackage(pkg: PackageRef): Promise<void> {
    const name = this.packageFileName(pkg);
    if (name !== undefined) await unlink(join(this.dir, name)).catch(() => undefined);
  }

  /** Runs `fn` holding the cache-wide advisory lock named `key`. */
  withLock<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const path = join(this.dir, '.locks', `${key.replace(/[^A-Za-z0-9._+-]/g, '_')}.lock`);
    return withLock(path, { ...this.#lock, ...(signal ? { signal } : {}) }, fn);
  }

  /**
   * An index through the cache: a fresh cached copy as is; else fetched (conditionally when a copy
   * exists), decoded, and only then stored, so a bad download never replaces a good copy.
   * `decode` checks the bytes (e.g. the signature) and returns what the caller wants from them.
   */
  async fetchIndex<T>(
    indexUrl: string,
    fetcher: Fetcher,
    decode: (bytes: Uint8Array) => T | Promise<T>,
    options: IndexFetchOptions = {},
  ): Promise<Decoded<T>> {
    const maxAge = options.maxAgeSeconds ?? 4 * 3600;
    const fresh = (m: IndexMeta) => this.#clock.now() - m.fetchedAt < maxAge;
    const shown = redactUrl(indexUrl);
    const cached = await this.readIndex(indexUrl);
    if (options.offline) {
      if (!cached) throw offlineMiss(`the index ${shown}`, join(this.dir, this.indexFileName(indexUrl)));
      return { value: await decode(cached.bytes), bytes: cached.bytes, fromCache: true };
    }
    if (cached && fresh(cached.meta)) {
      const value = await tryDecode(decode, cached.bytes, this.#logger, shown);
      if (value.ok) return { value: value.value, bytes: cached.bytes, fromCache: true };
    }
    return this.withLock(
      this.indexFileName(indexUrl),
      async () => {
        const again = await this.readIndex(indexUrl);
        if (again && fresh(again.meta)) {
          // Another process refreshed it while we waited for the lock.
          const v = await tryDecode(decode, again.bytes, this.#logger, shown);
          if (v.ok) return { value: v.value, bytes: again.bytes, fromCache: true };
        }
        const r = await fetcher.get(indexUrl, {
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
          ...(again?.meta.etag ? { ifNoneMatch: again.meta.etag } : {}),
          ...(again?.meta.lastModified ? { ifModifiedSince: again.meta.lastModified } : {}),
        });
        if (r.status === 'not-modified' && again) {
          const v = await tryDecode(decode, again.bytes, this.#logger, shown);
          if (v.ok) {
            await this.writeIndex(indexUrl, again.bytes, again.meta);
            return { value: v.value, bytes: again.bytes, fromCache: true };
          }
        }
        const full = r.status === 'ok' ? r : await fetcher.get(indexUrl, options);
        if (full.status !== 'ok') {
          throw new LupineError('REPO_UNREACHABLE', `${shown} answered 'not modified' to an unconditional request`, {
            details: { url: shown },
          });
        }
        const value = await decode(full.bytes);
        await this.writeIndex(indexUrl, full.bytes, {
          ...(full.etag === undefined ? {} : { etag: full.etag }),
          ...(full.lastModified === undefined ? {} : { lastModified: full.lastModified }),
        });
        return { value, bytes: full.bytes, fromCache: false };
      },
      options.signal,
    );
  }

  /**
   * A package through the cache. `verify` must throw unless the bytes are this package (its identity);
   * a cached copy failing it is dropped and fetched again. Packages without an identity are fetched
   * and verified but not cached.
   */
  async fetchPackage(
    url: string,
    pkg: PackageRef,
    fetcher: Fetcher,
    verify: (bytes: Uint8Array) => void | Promise<void>,
    options: CachedFetchOptions = {},
  ): Promise<Decoded<Uint8Array>> {
    const shown = redactUrl(url);
    const name = this.packageFileName(pkg);
    const fromCache = async (): Promise<Uint8Array | undefined> => {
      const bytes = await this.readPackage(pkg);
      if (bytes === undefined) return undefined;
      const v = await tryDecode(verify, bytes, this.#logger, `cached ${name}`);
      if (v.ok) return bytes;
      if (!options.offline) await this.removePackage(pkg);
      return undefined;
    };
    const hit = await fromCache();
    if (hit) return { value: hit, bytes: hit, fromCache: true };
    if (options.offline) {
      throw offlineMiss(`the package ${pkg.name}-${pkg.version}`, name ? join(this.dir, name) : shown);
    }
    const download = async (): Promise<Decoded<Uint8Array>> => {
      const r = await fetcher.get(url, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
      });
      if (r.status !== 'ok') {
        throw new LupineError('REPO_UNREACHABLE', `${shown} answered 'not modified' to an unconditional request`, {
          details: { url: shown },
        });
      }
      await verify(r.bytes);
      await this.writePackage(pkg, r.bytes);
      return { value: r.bytes, bytes: r.bytes, fromCache: false };
    };
    if (name === undefined) {
      this.#logger.warn(`${pkg.name}-${pkg.version} has no identity (C:); fetched without caching`);
      return download();
    }
    return this.withLock(
      name,
      async () => {
        const again = await fromCache();
        return again ? { value: again, bytes: again, fromCache: true } : download();
      },
      options.signal,
    );
  }

  async #writeAtomic(name: string, bytes: Uint8Array): Promise<void> {
    const final = join(this.dir, name);
    const tmp = join(this.dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const fh = await open(tmp, 'wx', 0o644);
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, final);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new LupineError('IO_ERROR', `cannot write ${final}: ${(err as Error).message}`, {
        cause: err,
        details: { path: final },
      });
    }
  }
}

function metaName(indexName: string): string {
  return indexName.replace(/\.tar\.gz$/, '.json');
}

async function readOptional(path: string): Promise<Uint8Array | undefined> {
  const b = await readOptionalFile(path, 'cached file');
  return b && new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

async function tryDecode<T>(
  decode: (bytes: Uint8Array) => T | Promise<T>,
  bytes: Uint8Array,
  logger: Logger,
  what: string,
): Promise<{ ok: true; value: T } | { ok: false }> {
  try {
    return { ok: true, value: await decode(bytes) };
  } catch (err) {
    logger.warn(`${what}: cached copy rejected (${(err as Error).message}); fetching it again`);
    return { ok: false };
  }
}

function offlineMiss(what: string, path: string): LupineError {
  return new LupineError('REPO_OFFLINE', `${what} is not in the cache and the network is off`, {
    details: { missing: what, path },
    hint: 'run once with the network on to fill the cache, or drop --no-network',
  });
}
