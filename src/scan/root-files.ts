/**
 * The few files a scan reads from a root filesystem — the installed database, os-release, embedded
 * SBOMs — found through symlinks the way the kernel would (inside the root), either in a stack of image
 * layers (whiteouts applied) or on disk.
 */

import { readGzipMembers } from '../archive/index.js';
import { type Limits, LupineError } from '../core/index.js';
import { MergedTree } from './merged-tree.js';

/** Whether a layer path holds something a scan reads. */
export function isScanFile(path: string): boolean {
  return (
    path === 'lib/apk/db/installed' ||
    path === 'usr/lib/apk/db/installed' ||
    path === 'var/lib/dpkg/status' ||
    path.startsWith('var/lib/dpkg/status.d/') ||
    path.endsWith('/os-release') ||
    path === 'os-release' ||
    (path.startsWith('var/lib/db/sbom/') && path.endsWith('.spdx.json'))
  );
}

/** The decompressed tar of a layer blob (gzip or plain tar). */
export function layerTar(blob: Uint8Array, what: string, limits?: Limits): Buffer {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (b[0] === 0x1f && b[1] === 0x8b) return Buffer.concat(readGzipMembers(b, limits).map((m) => m.data));
  if (b.readUInt32LE(0) === 0xfd2fb528) {
    throw new LupineError('SCAN_BAD_TARGET', `${what} is zstd-compressed, which lupine cannot read yet`, {
      details: { layer: what },
      hint: 'convert the image to gzip layers (e.g. skopeo copy --dest-compress-format gzip)',
    });
  }
  return b;
}

/**
 * Largest file a scan reads, from a root directory or an image layer (a dpkg status of ~5,000
 * packages is ~10 MB; past 512 MiB it could not even be made a string).
 */
export const MAX_SCAN_FILE = 256 * 1024 * 1024;

/**
 * The merged view of image layers (bottom first, whiteouts applied) keeping the content of scan files;
 * reading one over `maxFileBytes` (MAX_SCAN_FILE; lower in tests) is LIMIT_EXCEEDED.
 */
export class LayerStack extends MergedTree {
  constructor(maxFileBytes = MAX_SCAN_FILE) {
    super(isScanFile, maxFileBytes);
  }
}
