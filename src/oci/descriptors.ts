import { LupineError } from '../core/index.js';
import { fields, type JsonFields, optionalList, optionalMap } from './canonical-json.js';
import { type Digest, isDigest, sha256Digest } from './digest.js';
import type { Platform } from './platform.js';

/** A content descriptor (image-spec descriptor.md). */
export interface Descriptor {
  readonly mediaType: string;
  readonly size: number;
  readonly digest: Digest;
  /** Embedded content, base64 in JSON. */
  readonly data?: string;
  readonly urls?: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: Platform;
  readonly artifactType?: string;
}

/** A descriptor of `bytes`, with optional extra fields. */
export function describe(
  bytes: Uint8Array,
  mediaType: string,
  extra: Partial<Omit<Descriptor, 'mediaType' | 'size' | 'digest'>> = {},
): Descriptor {
  return { mediaType, size: bytes.length, digest: sha256Digest(bytes), ...extra };
}

export function platformFields(p: Platform): JsonFields {
  return fields(
    ['architecture', p.architecture],
    ['os', p.os],
    ['os.version', p['os.version'] || undefined],
    ['os.features', optionalList(p['os.features'])],
    ['variant', p.variant || undefined],
    ['features', optionalList(p.features)],
  );
}

/** Field order of go-containerregistry's v1.Descriptor. */
export function descriptorFields(d: Descriptor): JsonFields {
  return fields(
    ['mediaType', d.mediaType],
    ['size', d.size],
    ['digest', d.digest],
    ['data', d.data || undefined],
    ['urls', optionalList(d.urls)],
    ['annotations', optionalMap(d.annotations)],
    ['platform', d.platform ? platformFields(d.platform) : undefined],
    ['artifactType', d.artifactType || undefined],
  );
}

export function invalid(what: string, problem: string, details: Record<string, unknown> = {}): LupineError {
  return new LupineError('OCI_MANIFEST_INVALID', `${what}: ${problem}`, {
    details: { what, ...details },
    hint: 'the manifest, index or config is not valid OCI JSON; rebuild it or check where it came from',
  });
}

export type JsonObject = Record<string, unknown>;

export function asObject(v: unknown, what: string): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(what, 'expected a JSON object');
  return v as JsonObject;
}

export function optString(o: JsonObject, key: string, what: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(what, `"${key}" must be a string`);
  return v;
}

export function reqString(o: JsonObject, key: string, what: string): string {
  const v = optString(o, key, what);
  if (v === undefined) throw invalid(what, `"${key}" is missing`);
  return v;
}

export function optStrings(o: JsonObject, key: string, what: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw invalid(what, `"${key}" must be a list of strings`);
  return v as string[];
}

export function optStringMap(o: JsonObject, key: string, what: string): Record<string, string> | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  const m = asObject(v, `${what}.${key}`);
  for (const [k, x] of Object.entries(m))
    if (typeof x !== 'string') throw invalid(what, `"${key}.${k}" must be a string`);
  return m as Record<string, string>;
}

export function parsePlatform(v: unknown, what: string): Platform {
  const o = asObject(v, what);
  const p: { -readonly [K in keyof Platform]: Platform[K] } = {
    architecture: reqString(o, 'architecture', what),
    os: reqString(o, 'os', what),
  };
  const osVersion = optString(o, 'os.version', what);
  if (osVersion !== undefined) p['os.version'] = osVersion;
  const osFeatures = optStrings(o, 'os.features', what);
  if (osFeatures !== undefined) p['os.features'] = osFeatures;
  const variant = optString(o, 'variant', what);
  if (variant !== undefined) p.variant = variant;
  const features = optStrings(o, 'features', what);
  if (features !== undefined) p.features = features;
  return p;
}

/** Validates a descriptor read from JSON. */
export function parseDescriptor(v: unknown, what: string): Descriptor {
  const o = asObject(v, what);
  const digest = reqString(o, 'digest', what);
  if (!isDigest(digest)) throw invalid(what, `"digest" ${JSON.stringify(digest)} is not a sha256 digest`);
  const size = o.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw invalid(what, '"size" must be a non-negative integer');
  const d: { -readonly [K in keyof Descriptor]: Descriptor[K] } = {
    mediaType: reqString(o, 'mediaType', what),
    size,
    digest,
  };
  const data = optString(o, 'data', what);
  if (data !== undefined) d.data = data;
  const urls = optStrings(o, 'urls', what);
  if (urls !== undefined) d.urls = urls;
  const annotations = optStringMap(o, 'annotations', what);
  if (annotations !== undefined) d.annotations = annotations;
  if (o.platform !== undefined && o.platform !== null) d.platform = parsePlatform(o.platform, `${what}.platform`);
  const artifactType = optString(o, 'artifactType', what);
  if (artifactType !== undefined) d.artifactType = artifactType;
  return d;
}

/** Parses JSON bytes into an object, or throws OCI_MANIFEST_INVALID. */
export function parseJsonObject(bytes: Uint8Array, what: string): JsonObject {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw invalid(what, `not JSON (${(err as Error).message})`);
  }
  return asObject(v, what);
}
