import type { Descriptor } from './descriptors.js';
import type { Digest } from './digest.js';
import { parseIndex } from './image-index.js';
import { initLayout, writeBlob, writeIndexJson } from './layout.js';
import { parseManifest } from './manifest.js';
import { Annotation, isIndexMediaType, isManifestMediaType, MediaType } from './media-types.js';
import type { Reference } from './registry/reference.js';
import type { RegistryClient } from './registry/registry-client.js';

/** An image (or index) and every blob under it, as pulled. */
export interface PulledImage {
  readonly digest: Digest;
  readonly mediaType: string;
  readonly bytes: Buffer;
  /** Every manifest, config and layer under the top, by digest. */
  readonly blobs: ReadonlyMap<Digest, Buffer>;
}

/** Pulls a manifest or index and everything it reaches, checking every digest. */
export async function pullImage(client: RegistryClient, ref: Reference): Promise<PulledImage> {
  const top = await client.getManifest(ref);
  const repo = { registry: ref.registry, repository: ref.repository };
  const blobs = new Map<Digest, Buffer>();
  const walk = async (mediaType: string, bytes: Buffer): Promise<void> => {
    if (isIndexMediaType(mediaType)) {
      for (const child of parseIndex(bytes).manifests) {
        if (blobs.has(child.digest)) continue;
        const m = await client.getManifest({ ...repo, digest: child.digest });
        blobs.set(child.digest, m.bytes);
        await walk(child.mediaType, m.bytes);
      }
    } else if (isManifestMediaType(mediaType)) {
      const m = parseManifest(bytes);
      for (const d of [m.config, ...m.layers]) {
        if (!blobs.has(d.digest)) blobs.set(d.digest, await client.getBlob(repo, d.digest));
      }
    }
  };
  const mediaType =
    top.mediaType ||
    (JSON.parse(top.bytes.toString('utf8')) as { mediaType?: string }).mediaType ||
    MediaType.ociManifest;
  await walk(mediaType, top.bytes);
  return { digest: top.digest, mediaType, bytes: top.bytes, blobs };
}

/** Pulls into an OCI layout whose index.json names the pulled top with `ref.name` = the tag. */
export async function pullToLayout(client: RegistryClient, ref: Reference, layoutDir: string): Promise<PulledImage> {
  const img = await pullImage(client, ref);
  await initLayout(layoutDir);
  for (const b of img.blobs.values()) await writeBlob(layoutDir, b);
  await writeBlob(layoutDir, img.bytes);
  const top: Descriptor = {
    mediaType: img.mediaType,
    size: img.bytes.length,
    digest: img.digest,
    ...(ref.tag !== undefined ? { annotations: { [Annotation.refName]: ref.tag } } : {}),
  };
  await writeIndexJson(layoutDir, { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [top] });
  return img;
}
