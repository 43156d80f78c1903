import type { BuiltBlob } from './config.js';
import {
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

/** An image index (image-spec image-index.md) or a Docker manifest list. Also the shape of a layout's index.json. */
export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly manifests: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface IndexInput {
  readonly manifests: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly subject?: Descriptor;
  /** Default `oci`. A Docker manifest list carries no annotations. */
  readonly flavor?: MediaFlavor;
}

export function makeIndex(input: IndexInput): ImageIndex {
  if (input.flavor === 'docker') {
    return { schemaVersion: 2, mediaType: MediaType.dockerManifestList, manifests: input.manifests };
  }
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: input.manifests, ...envelopeFields(input) };
}

/** Canonical bytes of an index: go-containerregistry's v1.IndexManifest field order. */
export function encodeIndex(ix: ImageIndex): Buffer {
  return encodeEnvelope(ix, [['manifests', ix.manifests.map(descriptorFields)]]);
}

export function buildIndex(input: IndexInput): BuiltBlob & { readonly index: ImageIndex } {
  const index = makeIndex(input);
  const bytes = encodeIndex(index);
  return { index, bytes, descriptor: describe(bytes, index.mediaType ?? MediaType.ociIndex) };
}

/** Reads and checks an image index, a Docker manifest list, or a layout's index.json. */
export function parseIndex(bytes: Uint8Array): ImageIndex {
  const what = 'image index';
  const o = parseJsonObject(bytes, what);
  if (o.schemaVersion !== 2) throw invalid(what, '"schemaVersion" must be 2');
  const mediaType = optString(o, 'mediaType', what);
  if (mediaType !== undefined && mediaType !== MediaType.ociIndex && mediaType !== MediaType.dockerManifestList) {
    throw invalid(what, `media type ${mediaType} is not an image index`);
  }
  if (!Array.isArray(o.manifests)) throw invalid(what, '"manifests" must be a list');
  return {
    schemaVersion: 2,
    manifests: o.manifests.map((m, i) => parseDescriptor(m, `${what} manifest ${i}`)),
    ...(mediaType !== undefined ? { mediaType } : {}),
    ...parseEnvelopeFields(o, what),
  };
}

/**
 * The descriptor of a platform manifest inside an index. Like go-containerregistry (and so apko), an
 * OCI entry carries `artifactType` = the manifest's config media type.
 */
export function indexEntry(
  manifest: BuiltBlob & { readonly manifest: { readonly config: Descriptor } },
  platform: Descriptor['platform'],
  annotations?: Readonly<Record<string, string>>,
): Descriptor {
  const d = manifest.descriptor;
  const oci = d.mediaType === MediaType.ociManifest;
  return {
    mediaType: d.mediaType,
    size: d.size,
    digest: d.digest,
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
    ...(platform ? { platform } : {}),
    ...(oci ? { artifactType: manifest.manifest.config.mediaType } : {}),
  };
}
