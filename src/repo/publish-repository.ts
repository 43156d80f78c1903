/**
 * Adds packages to a repository directory (`<repo>/<arch>/`) and merges them into its
 * `APKINDEX.tar.gz`: the one way `lupine pkg build`, the distro scheduler and the cluster
 * coordinator publish. The index being merged into is kept and re-signed, so when the result is
 * signed its signature is checked first against the signing key (and any other trusted key): an
 * index changed since it was signed, or signed by a key we do not trust, is refused before anything
 * is written. Each file goes to a temporary name and is renamed into place; the whole publish holds
 * the directory's index lock, so builds running side by side merge one at a time.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Keyring, PackageInfo, SigningKey } from '../apk/index.js';
import { isLupineError, LupineError, readOptionalFile } from '../core/index.js';
import { mergeIndexes, readApkIndexArchive, writeApkIndexArchive } from './apkindex-archive.js';
import { acquireLock } from './cache-lock.js';

/** One package to publish: its file name in the directory, its bytes and its index record. */
export interface PublishedFile {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly record: PackageInfo;
}

export interface PublishOptions {
  /** Signs the merged index; its public key is trusted for the existing one. */
  readonly signingKey?: SigningKey;
  /** More keys the existing index may be signed by. */
  readonly keys?: Keyring;
}

/** Writes `bytes` to a temporary name beside `path` and renames it into place. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

function trustedKeys(o: PublishOptions): Keyring | undefined {
  if (o.signingKey === undefined) return o.keys;
  const keys = new Map(o.keys ?? []);
  keys.set(o.signingKey.keyName, createPublicKey(o.signingKey.key));
  return keys;
}

/**
 * The records of the index at `path` ([] when there is none). With `keys` it must be signed by one
 * of them: its entries are about to be re-signed.
 */
async function existingRecords(path: string, keys: Keyring | undefined): Promise<PackageInfo[]> {
  const bytes = await readOptionalFile(path, 'index');
  if (bytes === undefined) return [];
  if (keys === undefined) return readApkIndexArchive(bytes, { source: path, allowUntrusted: true }).packages;
  try {
    return readApkIndexArchive(bytes, { source: path, keys }).packages;
  } catch (err) {
    if (!isLupineError(err) || !['INDEX_UNTRUSTED', 'INDEX_BAD_SIGNATURE'].includes(err.code)) throw err;
    throw new LupineError(
      err.code === 'INDEX_BAD_SIGNATURE' ? 'INDEX_BAD_SIGNATURE' : 'INDEX_UNTRUSTED',
      `${err.message}: refusing to merge new packages into it and sign it again`,
      {
        cause: err,
        details: { ...err.details, path },
        hint: `the existing index is not the one this key signed: check ${path} (it may have been tampered with), then remove it and build again, or publish to an empty directory`,
      },
    );
  }
}

/**
 * Publishes `files` into `archDir` and merges their records into its index (signed when
 * `signingKey`). The existing index is read and checked before any file is written: refused, it
 * leaves the directory as it was.
 */
export async function publishToRepository(
  archDir: string,
  files: readonly PublishedFile[],
  o: PublishOptions = {},
): Promise<void> {
  await mkdir(archDir, { recursive: true });
  const indexPath = join(archDir, 'APKINDEX.tar.gz');
  const lock = await acquireLock(join(archDir, '.APKINDEX.lock'), { owner: { pid: 0 }, staleMs: 120_000 });
  try {
    const existing = await existingRecords(indexPath, trustedKeys(o));
    for (const f of files) await writeFileAtomic(join(archDir, f.file), f.bytes);
    const index = writeApkIndexArchive(
      mergeIndexes(
        existing,
        files.map((f) => f.record),
      ),
      o.signingKey ? { signingKey: o.signingKey.key, keyName: o.signingKey.keyName } : {},
    );
    await writeFileAtomic(indexPath, index);
  } finally {
    await lock.release();
  }
}
