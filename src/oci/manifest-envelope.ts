/**
 * What an image manifest and an image index share around their lists: `schemaVersion`, `mediaType`
 * and the optional `artifactType`, `subject` and `annotations`, built, encoded and parsed one way.
 */
import { encodeJson, fields, type JsonValue, optionalMap } from './canonical-json.js';
import {
  type Descriptor,
  descriptorFields,
  type JsonObject,
  optString,
  optStringMap,
  parseDescriptor,
} from './descriptors.js';

/** The optional fields of a manifest or an index. */
export interface EnvelopeFields {
  readonly artifactType?: string;
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Only the optional fields that are set (annotations only when not empty), to spread into a new document. */
export function envelopeFields(input: EnvelopeFields): EnvelopeFields {
  return {
    ...(input.artifactType ? { artifactType: input.artifactType } : {}),
    ...(input.subject ? { subject: input.subject } : {}),
    ...(input.annotations && Object.keys(input.annotations).length > 0 ? { annotations: input.annotations } : {}),
  };
}

/** The optional fields of a parsed manifest or index, checked. */
export function parseEnvelopeFields(o: JsonObject, what: string): EnvelopeFields {
  const artifactType = optString(o, 'artifactType', what);
  const subject =
    o.subject === undefined || o.subject === null ? undefined : parseDescriptor(o.subject, `${what} subject`);
  const annotations = optStringMap(o, 'annotations', what);
  return {
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(subject ? { subject } : {}),
    ...(annotations !== undefined ? { annotations } : {}),
  };
}

/**
 * Canonical bytes in go-containerregistry's field order: schemaVersion, mediaType, then artifactType
 * (which ggcr does not model; the image-spec lists it after mediaType), the document's own `body`
 * fields, annotations, subject.
 */
export function encodeEnvelope(
  doc: EnvelopeFields & { readonly schemaVersion: number; readonly mediaType?: string },
  body: readonly (readonly [string, JsonValue])[],
): Buffer {
  return encodeJson(
    fields(
      ['schemaVersion', doc.schemaVersion],
      ['mediaType', doc.mediaType || undefined],
      ['artifactType', doc.artifactType || undefined],
      ...body,
      ['annotations', optionalMap(doc.annotations)],
      ['subject', doc.subject ? descriptorFields(doc.subject) : undefined],
    ),
  );
}
