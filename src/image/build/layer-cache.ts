/**
 * Compressed layers kept on disk between builds, keyed by diffid: `<dir>/<diffid hex>.json` names the
 * blob `<dir>/<digest hex>.blob`. A warm rebuild with an unchanged tar compresses nothing. Entries
 * are written to a temp name and renamed, so a crash never leaves a torn entry; a blob whose digest
 * does not match is ignored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest, Layer, LayerCache } from '../../oci/index.js';

interface Meta {
  readonly digest: string;
  readonly size: number;
  readonly uncompressedSize: number;
  readonly mediaType: string;
}

const hexOf = (d: string) => d.replace(/^sha256:/, '');

async function atomicWrite(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export function diskLayerCache(dir: string): LayerCache {
  return {
    async get(diffId: Digest): Promise<Layer | undefined> {
      try {
        const meta = JSON.parse(await readFile(join(dir, `${hexOf(diffId)}.json`), 'utf8')) as Meta;
        const blob = await readFile(join(dir, `${hexOf(meta.digest)}.blob`));
        if (`sha256:${createHash('sha256').update(blob).digest('hex')}` !== meta.digest) return undefined;
        return {
          diffId,
          digest: meta.digest as Digest,
          size: blob.length,
          uncompressedSize: meta.uncompressedSize,
          mediaType: meta.mediaType,
          blob,
        };
      } catch {
        return undefined;
      }
    },
    async put(layer: Layer): Promise<void> {
      await mkdir(dir, { recursive: true });
      await atomicWrite(join(dir, `${hexOf(layer.digest)}.blob`), layer.blob);
      const meta: Meta = {
        digest: layer.digest,
        size: layer.size,
        uncompressedSize: layer.uncompressedSize,
        mediaType: layer.mediaType,
      };
      await atomicWrite(join(dir, `${hexOf(layer.diffId)}.json`), JSON.stringify(meta));
    },
  };
}
