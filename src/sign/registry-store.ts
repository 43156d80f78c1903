/**
 * The registry side of cosign's legacy layout: resolve an image to its digest, read the signature or
 * attestation image at `sha256-<hex>.<suffix>`, and write it back with more layers.
 */
import { isLupineError, LupineError } from '../core/index.js';
import {
  type Descriptor,
  type Digest,
  parseManifest,
  type Reference,
  type RegistryClient,
  type Repo,
} from '../oci/index.js';
import { buildCosignImage, type CosignLayer, type CosignSuffix, cosignTag } from './cosign-layout.js';

/** Largest signature or attestation payload read (an SBOM attestation can be big). */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

export interface ResolvedImage {
  readonly repo: Repo;
  readonly digest: Digest;
  readonly mediaType: string;
  /** Size of the manifest in bytes. */
  readonly size: number;
  /** `registry/repository`, what cosign writes as the identity and subject name. */
  readonly name: string;
}

/** The digest a reference points at now (a digest reference is checked to exist). */
export async function resolveImage(client: RegistryClient, ref: Reference): Promise<ResolvedImage> {
  const repo = { registry: ref.registry, repository: ref.repository };
  const head = await client.headManifest(ref);
  const target = ref.digest ?? ref.tag ?? 'latest';
  if (!head) {
    throw new LupineError('OCI_MANIFEST_UNKNOWN', `${ref.registry}/${ref.repository}: no manifest ${target}`, {
      details: { registry: ref.registry, repository: ref.repository, reference: target },
      hint: 'check the tag or digest and the repository name',
    });
  }
  const digest = ref.digest ?? head.digest;
  return { repo, digest, mediaType: head.mediaType, size: head.size, name: `${ref.registry}/${ref.repository}` };
}

/** A layer as read back: its descriptor and payload. */
export interface StoredLayer extends CosignLayer {
  readonly descriptor: Descriptor;
}

export interface StoredCosignImage {
  readonly tag: string;
  readonly digest: Digest;
  readonly layers: readonly StoredLayer[];
}

/** Reads the `.sig`/`.att` image of `digest`, or undefined when there is none. */
export async function readCosignImage(
  client: RegistryClient,
  repo: Repo,
  digest: Digest,
  suffix: CosignSuffix,
): Promise<StoredCosignImage | undefined> {
  const tag = cosignTag(digest, suffix);
  let fetched: Awaited<ReturnType<RegistryClient['getManifest']>>;
  try {
    fetched = await client.getManifest({ ...repo, tag });
  } catch (err) {
    if (isLupineError(err, 'OCI_MANIFEST_UNKNOWN')) return undefined;
    throw err;
  }
  const manifest = parseManifest(fetched.bytes);
  const layers: StoredLayer[] = [];
  for (const d of manifest.layers) {
    if (d.size > MAX_PAYLOAD_BYTES) {
      throw new LupineError('LIMIT_EXCEEDED', `${tag}: layer ${d.digest} is ${d.size} bytes`, {
        details: { size: d.size, limit: MAX_PAYLOAD_BYTES },
        hint: 'signature and attestation layers are small JSON documents; this one is not',
      });
    }
    const payload = await client.getBlob(repo, d.digest);
    layers.push({ descriptor: d, payload, mediaType: d.mediaType, annotations: d.annotations ?? {} });
  }
  return { tag, digest: fetched.digest, layers };
}

export interface WrittenCosignImage {
  readonly tag: string;
  /** Digest of the signature/attestation manifest. */
  readonly digest: Digest;
  readonly layers: number;
}

/** Pushes the blobs and manifest of a signature/attestation image under its tag. */
export async function writeCosignImage(
  client: RegistryClient,
  repo: Repo,
  subject: Digest,
  suffix: CosignSuffix,
  layers: readonly CosignLayer[],
  created: number,
): Promise<WrittenCosignImage> {
  const built = buildCosignImage(layers, created);
  for (const blob of built.blobs) await client.pushBlob(repo, blob);
  const tag = cosignTag(subject, suffix);
  const digest = await client.putManifest({ ...repo, tag }, built.manifestBytes, built.manifest.mediaType);
  return { tag, digest, layers: layers.length };
}
