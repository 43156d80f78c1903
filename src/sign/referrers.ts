/**
 * OCI 1.1 referrers, with the distribution spec's tag fallback: a registry without the referrers API
 * (CNCF distribution among them) lists the referrers of `sha256:<hex>` in an image index stored at tag
 * `sha256-<hex>`, which the client that pushes a referrer keeps up to date (read, add, write back).
 *
 * The referrer manifest is what cosign's `--registry-referrers-mode oci-1-1` writes for attestations
 * (ociremote.WriteReferrer): an empty `{}` config of media type `application/vnd.oci.empty.v1+json`
 * carrying the artifactType, the layers without annotations, the subject, and a created annotation.
 */
import { isLupineError, LupineError } from '../core/index.js';
import {
  Annotation,
  buildIndex,
  buildManifest,
  type Descriptor,
  type Digest,
  describe,
  digestHex,
  type ImageIndex,
  type ImageManifest,
  MediaType,
  parseIndex,
  parseManifest,
  type RegistryClient,
  type Repo,
  rfc3339,
} from '../oci/index.js';
import type { CosignLayer } from './cosign-layout.js';
import { MAX_PAYLOAD_BYTES } from './registry-store.js';

export const EMPTY_JSON = Buffer.from('{}');

/** The fallback tag that lists the referrers of `digest`. */
export function referrersTag(digest: Digest): string {
  return `sha256-${digestHex(digest)}`;
}

export interface ReferrerInput {
  /** The manifest referred to (media type, digest, size). */
  readonly subject: Descriptor;
  readonly artifactType: string;
  readonly layers: readonly CosignLayer[];
  /** Seconds since the epoch, for `org.opencontainers.image.created`. */
  readonly created: number;
}

export interface BuiltReferrer {
  readonly manifest: ImageManifest;
  readonly bytes: Buffer;
  readonly descriptor: Descriptor;
  readonly blobs: readonly Buffer[];
}

/** A referrer manifest (pure). */
export function buildReferrer(input: ReferrerInput): BuiltReferrer {
  const config = describe(EMPTY_JSON, MediaType.ociEmpty, { artifactType: input.artifactType });
  const layers = input.layers.map((l) => describe(l.payload, l.mediaType));
  const built = buildManifest({
    config,
    layers,
    annotations: { [Annotation.created]: rfc3339(new Date(input.created * 1000)) },
    subject: { mediaType: input.subject.mediaType, digest: input.subject.digest, size: input.subject.size },
    artifactType: input.artifactType,
    flavor: 'oci',
  });
  return {
    manifest: built.manifest,
    bytes: built.bytes,
    descriptor: built.descriptor,
    blobs: [EMPTY_JSON, ...input.layers.map((l) => Buffer.from(l.payload))],
  };
}

/** The referrers-index entry for a referrer manifest: its descriptor, artifactType and annotations. */
export function referrerEntry(r: BuiltReferrer): Descriptor {
  return {
    ...r.descriptor,
    artifactType: r.manifest.artifactType ?? r.manifest.config.mediaType,
    ...(r.manifest.annotations ? { annotations: r.manifest.annotations } : {}),
  };
}

/** The fallback index with `entry` added (an entry with the same digest is replaced). */
export function addReferrer(existing: ImageIndex | undefined, entry: Descriptor): Buffer {
  const kept = (existing?.manifests ?? []).filter((m) => m.digest !== entry.digest);
  return buildIndex({ manifests: [...kept, entry] }).bytes;
}

/** Reads the fallback index of `subject`; undefined when there is none. */
export async function readReferrersIndex(
  client: RegistryClient,
  repo: Repo,
  subject: Digest,
): Promise<ImageIndex | undefined> {
  try {
    const m = await client.getManifest({ ...repo, tag: referrersTag(subject) }, MediaType.ociIndex);
    return parseIndex(m.bytes);
  } catch (err) {
    if (isLupineError(err, 'OCI_MANIFEST_UNKNOWN')) return undefined;
    throw err;
  }
}

/**
 * Pushes a referrer (blobs, then the manifest by digest) and adds it to the fallback index. The index
 * update is read-modify-write: two writers at once can drop an entry, as with every tag-schema client.
 */
export async function pushReferrer(
  client: RegistryClient,
  repo: Repo,
  input: ReferrerInput,
): Promise<{ digest: Digest; tag: string }> {
  const r = buildReferrer(input);
  for (const blob of r.blobs) await client.pushBlob(repo, blob);
  const digest = await client.putManifest({ ...repo, digest: r.descriptor.digest }, r.bytes, r.manifest.mediaType);
  const existing = await readReferrersIndex(client, repo, input.subject.digest);
  const tag = referrersTag(input.subject.digest);
  await client.putManifest({ ...repo, tag }, addReferrer(existing, referrerEntry(r)), MediaType.ociIndex);
  return { digest, tag };
}

/** A referrer as read back: its manifest digest and layers with payloads. */
export interface FetchedReferrer {
  readonly digest: Digest;
  readonly manifest: ImageManifest;
  readonly layers: readonly (CosignLayer & { readonly descriptor: Descriptor })[];
}

/**
 * The referrers of `subject` with `artifactType` (from the fallback index), each manifest checked to
 * name that subject.
 */
export async function fetchReferrers(
  client: RegistryClient,
  repo: Repo,
  subject: Digest,
  artifactType: string,
): Promise<FetchedReferrer[]> {
  const index = await readReferrersIndex(client, repo, subject);
  const out: FetchedReferrer[] = [];
  for (const entry of index?.manifests ?? []) {
    if (entry.artifactType !== artifactType) continue;
    const fetched = await client.getManifest({ ...repo, digest: entry.digest });
    const manifest = parseManifest(fetched.bytes);
    if (manifest.subject?.digest !== subject) continue;
    const layers = [];
    for (const d of manifest.layers) {
      if (d.size > MAX_PAYLOAD_BYTES) {
        throw new LupineError('LIMIT_EXCEEDED', `referrer ${fetched.digest}: layer ${d.digest} is ${d.size} bytes`, {
          details: { size: d.size, limit: MAX_PAYLOAD_BYTES },
          hint: 'attestation layers are JSON documents; this one is too big',
        });
      }
      const payload = await client.getBlob(repo, d.digest);
      layers.push({ descriptor: d, payload, mediaType: d.mediaType, annotations: d.annotations ?? {} });
    }
    out.push({ digest: fetched.digest, manifest, layers });
  }
  return out;
}
