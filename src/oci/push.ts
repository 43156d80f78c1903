import { LupineError, type Logger, silentLogger } from '../core/index.js';
import { Annotation, isIndexMediaType, isManifestMediaType, MediaType } from './media-types.js';
import type { Descriptor } from './descriptors.js';
import type { Digest } from './digest.js';
import { type ImageIndex, parseIndex } from './image-index.js';
import { readBlob, readLayout } from './layout.js';
import { parseManifest } from './manifest.js';
import type { Reference } from './registry/reference.js';
import type { PushBlobOutcome, RegistryClient } from './registry/registry-client.js';

export interface PushOptions {
  /** Upload blobs in chunks of this many bytes (PATCH + Content-Range); default one PUT each. */
  readonly chunkSize?: number;
  /** Blobs uploaded at once. Default 3. */
  readonly concurrency?: number;
  /** Which entry of index.json to push when it names several (`org.opencontainers.image.ref.name`). */
  readonly refName?: string;
  /** Cross-repository mount source on the same registry, tried before uploading each blob. */
  readonly mountFrom?: string;
  readonly logger?: Logger;
}

export interface PushResult {
  /** Digest of what the tag now points at (the image index for a multi-platform image). */
  readonly digest: Digest;
  readonly mediaType: string;
  /** How each blob got there. */
  readonly blobs: Readonly<Record<PushBlobOutcome, number>>;
  readonly manifests: number;
}

async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

/**
 * What index.json means to push: an apko-style layout (index.json *is* the image index: it has a
 * mediaType and no ref.name annotations) is pushed as it is; otherwise the one entry (or the one whose
 * ref.name is `refName`) is.
 */
function pickTop(
  index: ImageIndex,
  indexBytes: Buffer,
  refName: string | undefined,
): { descriptor?: Descriptor; bytes?: Buffer } {
  const named = index.manifests.filter((m) => m.annotations?.[Annotation.refName] !== undefined);
  if (refName !== undefined) {
    const hit = index.manifests.filter((m) => m.annotations?.[Annotation.refName] === refName);
    if (hit.length !== 1) {
      throw new LupineError('OCI_MANIFEST_UNKNOWN', `index.json has ${hit.length} entries named ${refName}`, {
        details: { refName },
        hint: 'name an entry that index.json has once',
      });
    }
    return { descriptor: hit[0] as Descriptor };
  }
  if (index.mediaType === MediaType.ociIndex && named.length === 0) return { bytes: indexBytes };
  if (index.manifests.length === 1) return { descriptor: index.manifests[0] as Descriptor };
  throw new LupineError('OCI_MANIFEST_UNKNOWN', `index.json names ${index.manifests.length} images; choose one`, {
    details: { refs: named.map((m) => m.annotations?.[Annotation.refName]) },
    hint: 'pass refName to pick an entry of index.json',
  });
}

/**
 * Pushes a layout to `target`: layers and configs (skipping blobs the registry has), then each platform
 * manifest by digest, then the top manifest or index under the tag (or by digest without one).
 */
export async function pushLayout(
  client: RegistryClient,
  layoutDir: string,
  target: Reference,
  options: PushOptions = {},
): Promise<PushResult> {
  const log = options.logger ?? silentLogger;
  const { index, indexBytes } = await readLayout(layoutDir);
  const top = pickTop(index, indexBytes, options.refName);
  const counts: Record<PushBlobOutcome, number> = { existed: 0, mounted: 0, uploaded: 0 };
  let manifests = 0;
  const repo = { registry: target.registry, repository: target.repository };
  const pushed = new Set<string>();

  const pushBlobs = async (ds: readonly Descriptor[]) => {
    const todo = ds.filter((d) => !pushed.has(d.digest) && pushed.add(d.digest));
    await pool(todo, options.concurrency ?? 3, async (d) => {
      const bytes = await readBlob(layoutDir, d.digest);
      const r = await client.pushBlob(repo, bytes, {
        ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
        ...(options.mountFrom !== undefined ? { mountFrom: options.mountFrom } : {}),
      });
      counts[r.outcome]++;
      log.debug(`${d.digest}: ${r.outcome}`);
    });
  };

  /** Pushes everything under a manifest or index; the node itself only when `tag` is undefined. */
  const pushChildren = async (mediaType: string, bytes: Buffer): Promise<void> => {
    if (isIndexMediaType(mediaType)) {
      for (const child of parseIndex(bytes).manifests) {
        const childBytes = await readBlob(layoutDir, child.digest);
        await pushChildren(child.mediaType, childBytes);
        await client.putManifest({ ...repo, digest: child.digest }, childBytes, child.mediaType);
        manifests++;
      }
    } else if (isManifestMediaType(mediaType)) {
      const m = parseManifest(bytes);
      await pushBlobs([...m.layers, m.config]);
    } else {
      throw new LupineError('OCI_MANIFEST_INVALID', `cannot push media type ${mediaType}`, {
        details: { mediaType },
        hint: 'only image manifests and indexes can be pushed',
      });
    }
  };

  const topBytes = top.bytes ?? (await readBlob(layoutDir, (top.descriptor as Descriptor).digest));
  const topType = top.descriptor?.mediaType ?? index.mediaType ?? MediaType.ociIndex;
  await pushChildren(topType, topBytes);
  const digest = await client.putManifest(
    target.tag !== undefined ? { ...repo, tag: target.tag } : { ...repo },
    topBytes,
    topType,
  );
  manifests++;
  return { digest, mediaType: topType, blobs: counts, manifests };
}
