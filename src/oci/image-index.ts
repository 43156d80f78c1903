import { encodeJson, fields, optionalMap } from './canonical-json.js';
import type { BuiltBlob } from './config.js';
import {
  type Descriptor,
  describe,
  descriptorFields,
  invalid,
  optString,
  optStringMap,
  parseDescriptor,
  parseJsonObject,
} from './descriptors.js';
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
  const ix: { -readonly [K in keyof ImageIndex]: ImageIndex[K] } = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: input.manifests,
  };
  if (input.subject) ix.subject = input.subject;
  if (input.annotations && Object.keys(input.annotations).length > 0) ix.annotations = input.annotations;
  return ix;
}

/** Canonical bytes of an index: go-containerregistry's v1.IndexManifest field order. */
export function encodeIndex(ix: ImageIndex): Buffer {
  return encodeJson(
    fields(
      ['schemaVersion', ix.schemaVersion],
      ['mediaType', ix.mediaType || undefined],
      ['artifactType', ix.artifactType || undefined],
      ['manifests', ix.manifests.map(descriptorFields)],
      ['annotations', optionalMap(ix.annotations)],
      ['subject', ix.subject ? descriptorFields(ix.subject) : undefined],
    ),
  );
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
  const ix: { -readonly [K in keyof ImageIndex]: ImageIndex[K] } = {
    schemaVersion: 2,
    manifests: o.manifests.map((m, i) => parseDescriptor(m, `${what} manifest ${i}`)),
  };
  if (mediaType !== undefined) ix.mediaType = mediaType;
  const artifactType = optString(o, 'artifactType', what);
  if (artifactType !== undefined) ix.artifactType = artifactType;
  if (o.subject !== undefined && o.subject !== null) ix.subject = parseDescriptor(o.subject, `${what} subject`);
  const annotations = optStringMap(o, 'annotations', what);
  if (annotations !== undefined) ix.annotations = annotations;
  return ix;
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
