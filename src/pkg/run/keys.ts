/** The build's trusted keys: `*.rsa.pub` files, directories of them, or URLs (I/O edge). */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Keyring, parsePublicKey } from '../../apk/index.js';
import { isHttpUrl, LupineError } from '../../core/index.js';
import { defaultFetcher, readKeySource } from '../../repo/index.js';

export interface BuildKey {
  /** The file name in /etc/apk/keys, as `.SIGN.*` entries name it. */
  readonly name: string;
  readonly pem: Buffer;
}

async function readKey(uri: string, signal?: AbortSignal): Promise<Buffer> {
  try {
    return Buffer.from(await readKeySource(uri, { fetcher: defaultFetcher(), ...(signal ? { signal } : {}) }));
  } catch (err) {
    if (err instanceof LupineError) throw err;
    throw new LupineError('IO_ERROR', `cannot read the key ${uri}: ${(err as Error).message}`, {
      cause: err,
      details: { key: uri },
    });
  }
}

/** Reads every key; a directory contributes its `*.rsa.pub` files. Later names replace earlier ones. */
export async function loadBuildKeys(uris: readonly string[], signal?: AbortSignal): Promise<BuildKey[]> {
  const keys = new Map<string, Buffer>();
  for (const uri of uris) {
    const path = uri.replace(/^file:\/\//, '');
    const isDir =
      !isHttpUrl(uri) &&
      (await stat(path).then(
        (s) => s.isDirectory(),
        () => false,
      ));
    if (isDir) {
      for (const n of (await readdir(path)).filter((f) => f.endsWith('.pub')).sort()) {
        keys.set(n, await readFile(join(path, n)));
      }
    } else {
      keys.set(basename(path.replace(/[?#].*$/, '')), await readKey(uri, signal));
    }
  }
  return [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, pem]) => ({ name, pem }));
}

export function keyringOf(keys: readonly BuildKey[]): Keyring {
  return new Map(keys.map((k) => [k.name, parsePublicKey(k.pem, k.name)]));
}
