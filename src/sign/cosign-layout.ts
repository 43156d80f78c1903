/**
 * cosign's legacy registry layout, as pure builders: the simple-signing payload, and the signature
 * (or attestation) "image" stored at tag `sha256-<hex>.sig` / `.att` in the signed image's repository.
 *
 * That image is what go-containerregistry makes of `mutate.Append(empty.Image, static layers...)`:
 * an OCI manifest, an OCI config whose rootfs lists each layer's digest as its diff_id with one empty
 * history entry per layer, and one layer per signature carrying its annotations.
 */
import {
  buildManifest,
  type Descriptor,
  type Digest,
  describe,
  digestHex,
  encodeJson,
  fields,
  type ImageManifest,
  type JsonValue,
  MediaType,
  parseDigest,
  rfc3339,
  sortedObject,
} from '../oci/index.js';

export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

/** Layer annotation keys cosign reads. */
export const CosignAnnotation = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
  rfc3161Timestamp: 'dev.sigstore.cosign/rfc3161timestamp',
  predicateType: 'predicateType',
} as const;

export type CosignSuffix = 'sig' | 'att' | 'sbom';

/** `sha256:<hex>` → `sha256-<hex>.sig` (or `.att`, `.sbom`). */
export function cosignTag(digest: Digest, suffix: CosignSuffix): string {
  return `sha256-${digestHex(parseDigest(digest))}.${suffix}`;
}

/** A signature payload, as cosign's payload.Cosign writes it. */
export interface SimpleSigningInput {
  /** `registry/repository` of the signed image (cosign: the digest reference's repository name). */
  readonly dockerReference: string;
  readonly manifestDigest: Digest;
  /** Free-form claims (`--annotations`); `null` in the JSON when absent. */
  readonly optional?: Readonly<Record<string, string>>;
}

/** The payload bytes: Go's json.Marshal of SimpleContainerImage (fields in order, map keys sorted). */
export function simpleSigningPayload(input: SimpleSigningInput): Buffer {
  const optional =
    input.optional && Object.keys(input.optional).length > 0 ? sortedObject(input.optional, (v) => v) : null;
  return encodeJson(
    fields(
      [
        'critical',
        fields(
          ['identity', fields(['docker-reference', input.dockerReference])],
          ['image', fields(['docker-manifest-digest', input.manifestDigest])],
          ['type', COSIGN_SIGNATURE_TYPE],
        ),
      ],
      ['optional', optional],
    ),
  );
}

/** A parsed (untrusted until verified) simple-signing payload. */
export interface SimpleSigningPayload {
  readonly dockerReference: string;
  readonly manifestDigest: string;
  readonly type: string;
  readonly optional: Readonly<Record<string, unknown>> | null;
}

/** Reads a payload; undefined when it is not a simple-signing payload. */
export function parseSimpleSigningPayload(bytes: Uint8Array): SimpleSigningPayload | undefined {
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
  const get = (v: unknown, k: string): unknown =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined;
  const critical = get(o, 'critical');
  const ref = get(get(critical, 'identity'), 'docker-reference');
  const digest = get(get(critical, 'image'), 'docker-manifest-digest');
  const type = get(critical, 'type');
  const optional = get(o, 'optional');
  if (typeof ref !== 'string' || typeof digest !== 'string' || typeof type !== 'string') return undefined;
  const opt =
    typeof optional === 'object' && optional !== null && !Array.isArray(optional)
      ? (optional as Record<string, unknown>)
      : null;
  return { dockerReference: ref, manifestDigest: digest, type, optional: opt };
}

/** One layer of a signature image: the payload bytes and the descriptor annotations. */
export interface CosignLayer {
  readonly payload: Uint8Array;
  readonly mediaType: string;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A simple-signing layer: the payload with its base64 DER signature. */
export function signatureLayer(payload: Uint8Array, signature: Uint8Array): CosignLayer {
  return {
    payload,
    mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
    annotations: { [CosignAnnotation.signature]: Buffer.from(signature).toString('base64') },
  };
}

/** An attestation layer: a DSSE envelope; the signature is inside it, so the annotation is empty. */
export function attestationLayer(envelope: Uint8Array, predicateType: string): CosignLayer {
  return {
    payload: envelope,
    mediaType: DSSE_MEDIA_TYPE,
    annotations: { [CosignAnnotation.signature]: '', [CosignAnnotation.predicateType]: predicateType },
  };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface BuiltCosignImage {
  readonly manifest: ImageManifest;
  readonly manifestBytes: Buffer;
  readonly manifestDescriptor: Descriptor;
  readonly configBytes: Buffer;
  /** Every blob to push: the config and each layer payload. */
  readonly blobs: readonly Buffer[];
}

/** The config file go-containerregistry writes for static layers appended to the empty image. */
export function cosignConfig(layerDigests: readonly Digest[], created: number): Buffer {
  const cfg: JsonValue = fields(
    ['architecture', ''],
    ['created', rfc3339(new Date(created * 1000))],
    ['history', layerDigests.map(() => fields(['created', ZERO_TIME]))],
    ['os', ''],
    ['rootfs', fields(['type', 'layers'], ['diff_ids', [...layerDigests]])],
    ['config', fields()],
  );
  return encodeJson(cfg);
}

/**
 * The signature image holding `layers` (existing ones first, as cosign appends). `created` (seconds)
 * comes from the clock, so the same layers at the same time give the same manifest digest.
 */
export function buildCosignImage(layers: readonly CosignLayer[], created: number): BuiltCosignImage {
  const descriptors = layers.map((l) => describe(l.payload, l.mediaType, { annotations: { ...l.annotations } }));
  const configBytes = cosignConfig(
    descriptors.map((d) => d.digest),
    created,
  );
  const config = describe(configBytes, MediaType.ociConfig);
  const built = buildManifest({ config, layers: descriptors, flavor: 'oci' });
  return {
    manifest: built.manifest,
    manifestBytes: built.bytes,
    manifestDescriptor: built.descriptor,
    configBytes,
    blobs: [configBytes, ...layers.map((l) => Buffer.from(l.payload))],
  };
}
