/**
 * Packed indexes kept in a cache directory (`<cache>/packs/<sha256 of the index bytes>.pack`, see
 * pack-cache-directory.ts), read through by the index reader: the signature is checked on every read, as
 * before; only the inflating and parsing are skipped when a pack of exactly these bytes exists.
 */
import type { PackageInfo } from '../apk/index.js';
import { type Logger, LupineError, sha256Hex, silentLogger } from '../core/index.js';
import { checkApkIndexSignature, type ReadApkIndexOptions, readApkIndexArchive } from './apkindex-archive.js';
import type { PackStore } from './pack-cache-directory.js';
import type { PackedIndex } from './packed-index.js';
import { packIndex } from './packed-index-builder.js';
import { decodePackedIndex, encodePackedIndex } from './packed-index-codec.js';

/** An index as the resolver wants it: the packed form, with the records made from it when asked. */
export interface PackedContents {
  /** The records in file order (made from the pack on first read). */
  readonly packages: PackageInfo[];
  readonly description: string;
  readonly packed: PackedIndex;
  /** Whether the pack came from the store (the index was not inflated and parsed). */
  readonly fromPack: boolean;
}

function contentsOf(packed: PackedIndex, fromPack: boolean, records?: PackageInfo[]): PackedContents {
  let packages = records;
  return {
    get packages() {
      packages ??= packed.infos();
      return packages;
    },
    description: packed.description,
    packed,
    fromPack,
  };
}

/**
 * Reads an `APKINDEX.tar.gz` through a pack store: the signature is checked (as `readApkIndexArchive`
 * does, same errors), then the pack of these exact bytes is used if the store has a good one; else
 * the index is read and its pack stored for next time. A store that fails only costs speed.
 */
export async function readIndexThroughPacks(
  bytes: Uint8Array,
  store: PackStore,
  options: ReadApkIndexOptions & { readonly logger?: Logger } = {},
): Promise<PackedContents> {
  const logger = options.logger ?? silentLogger;
  const key = sha256Hex(bytes);
  const stored = await store.get(key).catch(() => undefined);
  if (stored !== undefined) {
    // The pack replaces parsing, never the signature check (reading the index below does its own).
    checkApkIndexSignature(bytes, options);
    try {
      return contentsOf(decodePackedIndex(stored, key), true);
    } catch (err) {
      if (!(err instanceof LupineError)) throw err;
      logger.debug(`${options.source ?? 'index'}: ${err.message}; reading the index`);
    }
  }
  const archive = readApkIndexArchive(bytes, options);
  const packed = packIndex(archive.packages, archive.description, { complete: true });
  try {
    await store.put(key, encodePackedIndex(packed, key));
  } catch (err) {
    logger.debug(`${options.source ?? 'index'}: the pack was not stored: ${(err as Error).message}`);
  }
  return contentsOf(packed, false, archive.packages);
}
