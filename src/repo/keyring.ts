import type { KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
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

export interface LoadKeyringOptions {
  /** A missing directory is skipped (apk 3.x reads /lib/apk/keys only if present) unless this is set. */
  readonly requireDirs?: boolean;
  readonly logger?: Logger;
}

/**
 * Loads the trusted keys: every `*.rsa.pub` file from the directories, keyed by file name (the name a
 * `.SIGN.<ALG>.<name>` entry carries). Directories are read in order; when two directories hold the same
 * name, the first wins (as apk opens /etc/apk/keys before /lib/apk/keys).
 */
export async function loadKeyring(dirs: readonly string[], options: LoadKeyringOptions = {}): Promise<Keyring> {
  const logger = options.logger ?? silentLogger;
  const keys = new Map<string, KeyObject>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && !options.requireDirs) {
        logger.debug(`keyring: ${dir} does not exist, skipped`);
        continue;
      }
      throw new LupineError('IO_ERROR', `cannot read key directory ${dir}: ${(err as Error).message}`, {
        cause: err,
        details: { path: dir },
      });
    }
    for (const name of names.filter((n) => n.endsWith('.rsa.pub')).sort()) {
      if (keys.has(name)) continue;
      const path = join(dir, name);
      let pem: Buffer;
      try {
        pem = await readFile(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EISDIR') continue;
        throw new LupineError('IO_ERROR', `cannot read key ${path}: ${(err as Error).message}`, {
          cause: err,
          details: { path },
        });
      }
      keys.set(name, parsePublicKey(pem, path));
    }
  }
  return keys;
}
