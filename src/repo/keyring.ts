import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type Keyring, parsePublicKey } from '../apk/index.js';
import { isHttpUrl, type Logger, LupineError, readInputFile, silentLogger } from '../core/index.js';
import type { Fetcher } from './fetcher.js';

export interface KeySourceOptions {
  /** Relative paths are taken from here (default: the process's working directory). */
  readonly cwd?: string;
  /** Reads http(s) keys. */
  readonly fetcher: Fetcher;
  readonly signal?: AbortSignal;
}

/**
 * The bytes of one key as an image or build config names it: an http(s) URL through the fetcher,
 * else a path or `file://` URL, relative to `cwd`. The caller names the failure (its own code).
 */
export async function readKeySource(uri: string, o: KeySourceOptions): Promise<Uint8Array> {
  if (isHttpUrl(uri)) {
    const r = await o.fetcher.get(uri, o.signal ? { signal: o.signal } : {});
    if (r.status !== 'ok') throw new Error('not modified');
    return r.bytes;
  }
  const path = uri.replace(/^file:\/\//i, '');
  return await readInputFile(o.cwd === undefined ? path : resolve(o.cwd, path), 'key');
}

/** One trusted key as read: its file name in /etc/apk/keys (what `.SIGN.*` entries name) and its PEM. */
export interface KeyFile {
  readonly name: string;
  readonly pem: Buffer;
  /** The entry as written (path, URL, directory/name, or the inline key's name). */
  readonly written: string;
}

/** A key source: a path, `file://` or http(s) URL, or a directory of keys; or a key given inline. */
export type KeySpec = string | { readonly name: string; readonly content: string };

export interface ReadKeyFilesOptions {
  /** Relative paths are taken from here. */
  readonly cwd?: string;
  /** Reads http(s) keys; without one a URL is not a key source. */
  readonly fetcher?: Fetcher;
  readonly signal?: AbortSignal;
  /**
   * A directory contributes its files ending in this, in name order (`.rsa.pub` for apk's
   * `--keys-dir`, `.pub` for melange's `-k`); without it a directory is read as a key (and fails).
   */
  readonly directorySuffix?: string;
  /** A path that does not exist contributes nothing (apk's key directories) instead of failing. */
  readonly skipMissing?: boolean;
  /**
   * Two keys of one name: keep the `first` (apk reads /etc/apk/keys before /lib/apk/keys), the
   * `last` (apko's and melange's later entries replace earlier ones), or `all` (a lock lists every entry).
   */
  readonly keep: 'first' | 'last' | 'all';
  /** The caller's error for a source that cannot be read (default: the error as thrown). */
  readonly failure?: (written: string, err: Error) => Error;
}

/**
 * The one keyring reader behind `lupine apk` (`--keys-dir`), image builds and locks (`contents.keyring`,
 * `-k`) and package builds (`environment.contents.keyring`, `-k`): each source read in order, a key named
 * by its file name (query and fragment dropped), a directory by the files in it.
 */
export async function readKeyFiles(specs: readonly KeySpec[], o: ReadKeyFilesOptions): Promise<KeyFile[]> {
  const found: KeyFile[] = [];
  for (const spec of specs) {
    if (typeof spec !== 'string') {
      found.push({ name: spec.name, pem: Buffer.from(spec.content), written: spec.name });
      continue;
    }
    try {
      found.push(...(await readKeySpec(spec, o)));
    } catch (err) {
      throw o.failure ? o.failure(spec, err as Error) : err;
    }
  }
  if (o.keep === 'all') return found;
  const byName = new Map<string, KeyFile>();
  for (const k of found) if (o.keep === 'last' || !byName.has(k.name)) byName.set(k.name, k);
  return [...byName.values()];
}

async function readKeySpec(written: string, o: ReadKeyFilesOptions): Promise<KeyFile[]> {
  const path = written.replace(/^file:\/\//i, '');
  const at = o.cwd === undefined ? path : resolve(o.cwd, path);
  const kind = isHttpUrl(written)
    ? 'url'
    : await stat(at).then(
        (s) => (s.isDirectory() ? 'dir' : 'file'),
        () => 'missing',
      );
  if (kind === 'missing' && o.skipMissing) return [];
  if (kind === 'dir' && o.directorySuffix !== undefined) {
    const suffix = o.directorySuffix;
    const names = (await readdir(at)).filter((n) => n.endsWith(suffix)).sort();
    const keys: KeyFile[] = [];
    for (const name of names) {
      const pem = await readFile(join(at, name)).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
        throw err;
      });
      if (pem) keys.push({ name, pem, written: join(written, name) });
    }
    return keys;
  }
  const pem = Buffer.from(await readKeySource(written, { ...o, fetcher: o.fetcher ?? NO_FETCHER }));
  return [{ name: basename(path.replace(/[?#].*$/, '')), pem, written }];
}

/** The keys parsed, by name (a key that is not one is APK_BAD_KEY naming where it came from). */
export function keyringOf(keys: readonly (Omit<KeyFile, 'written'> & { readonly written?: string })[]): Keyring {
  return new Map(keys.map((k) => [k.name, parsePublicKey(k.pem, k.written ?? k.name)]));
}

export interface LoadKeyringOptions {
  /** A missing directory is skipped (apk 3.x reads /lib/apk/keys only if present) unless this is set. */
  readonly requireDirs?: boolean;
  readonly logger?: Logger;
}

/** The usual `failure`: a LupineError as it is, anything else IO_ERROR naming the key. */
export function keyReadFailure(hint?: string): (written: string, err: Error) => Error {
  return (written, err) =>
    err instanceof LupineError
      ? err
      : new LupineError('IO_ERROR', `cannot read the key ${written}: ${err.message}`, {
          cause: err,
          details: { key: written },
          ...(hint ? { hint } : {}),
        });
}

/** Stands in where URLs are refused before they are fetched. */
const NO_FETCHER: Fetcher = {
  get: () => Promise.reject(new Error('a URL is not a key source here')),
};

/**
 * Loads the trusted keys: every `*.rsa.pub` file from the directories (a file named instead is one
 * key), keyed by file name (the name a `.SIGN.<ALG>.<name>` entry carries). Directories are read in
 * order; when two hold the same name, the first wins (as apk opens /etc/apk/keys before /lib/apk/keys).
 */
export async function loadKeyring(dirs: readonly string[], options: LoadKeyringOptions = {}): Promise<Keyring> {
  const logger = options.logger ?? silentLogger;
  const keys = await readKeyFiles(dirs, {
    directorySuffix: '.rsa.pub',
    skipMissing: !options.requireDirs,
    keep: 'first',
    failure: keyReadFailure(),
  });
  logger.debug(`keyring: ${keys.length} keys from ${dirs.join(', ')}`);
  return keyringOf(keys);
}
