import type { BuiltBlob } from './config.js';
import {
  asObject,
  type Descriptor,
  describe,
  descriptorFields,
  invalid,
  optString,
  parseDescriptor,
  parseJsonObject,
} from './descriptors.js';
import { encodeEnvelope, envelopeFields, parseEnvelopeFields } from './manifest-envelope.js';
import { type MediaFlavor, MediaType } from './media-types.js';

/** An image manifest (image-spec manifest.md, or Docker's schema 2). */
export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ManifestInput {
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly subject?: Descriptor;
  readonly artifactType?: string;
  /** Default `oci`. Docker manifests carry no annotations, subject or artifactType. */
  readonly flavor?: MediaFlavor;
}

export function makeManifest(input: ManifestInput): ImageManifest {
  const flavor = input.flavor ?? 'oci';
  if (flavor === 'docker') {
    return { schemaVersion: 2, mediaType: MediaType.dockerManifest, config: input.config, layers: input.layers };
  }
  return {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: input.config,
    layers: input.layers,
    ...envelopeFields(input),
  };
}

/**
 * Canonical bytes of a manifest. Field order is go-containerregistry's v1.Manifest (schemaVersion,
 * mediaType, config, layers, annotations, subject); artifactType, which ggcr does not model, comes
 * after mediaType as the image-spec lists it.
 */
export function encodeManifest(m: ImageManifest): Buffer {
  return encodeEnvelope(m, [
    ['config', descriptorFields(m.config)],
    ['layers', m.layers.map(descriptorFields)],
  ]);
}

/** Bytes and descriptor of a manifest built from its parts. */
export function buildManifest(input: ManifestInput): BuiltBlob & { readonly manifest: ImageManifest } {
  const manifest = makeManifest(input);
  const bytes = encodeManifest(manifest);
  return { manifest, bytes, descriptor: describe(bytes, manifest.mediaType) };
}

/** Reads and checks an image manifest (OCI or Docker schema 2). */
export function parseManifest(bytes: Uint8Array): ImageManifest {
  const what = 'image manifest';
  const o = parseJsonObject(bytes, what);
  if (o.schemaVersion !== 2) throw invalid(what, '"schemaVersion" must be 2');
  const mediaType = optString(o, 'mediaType', what) ?? MediaType.ociManifest;
  if (mediaType !== MediaType.ociManifest && mediaType !== MediaType.dockerManifest) {
    throw invalid(what, `media type ${mediaType} is not an image manifest`);
  }
  if (!Array.isArray(o.layers)) throw invalid(what, '"layers" must be a list');
  return {
    schemaVersion: 2,
    mediaType,
    config: parseDescriptor(asObject(o.config, `${what} config`), `${what} config`),
    layers: o.layers.map((l, i) => parseDescriptor(l, `${what} layer ${i}`)),
    ...parseEnvelopeFields(o, what),
  };
}
