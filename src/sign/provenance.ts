/**
 * SLSA provenance v1 (https://slsa.dev/spec/v1.0/provenance) as an in-toto statement, for images and
 * packages alike. Times come from the caller's clock (seconds), so the output is reproducible.
 */
import { apkIdentitySha1 } from '../apk/index.js';
import { rfc3339 } from '../oci/index.js';
import {
  type InTotoStatement,
  makeStatement,
  PredicateType,
  type ResourceDescriptor,
  type StatementSubject,
} from './statement.js';

export interface ProvenanceInput {
  /** What was built: image name + digest, or package file name + digest. */
  readonly subject: readonly StatementSubject[];
  /** URI of the build type, e.g. `https://lupine.dev/build/image/v1`. */
  readonly buildType: string;
  /** `runDetails.builder.id`. */
  readonly builderId: string;
  readonly builderVersion?: Readonly<Record<string, string>>;
  /** The inputs a user controls (config file, its digest, target archs...). */
  readonly externalParameters: Readonly<Record<string, unknown>>;
  readonly internalParameters?: Readonly<Record<string, unknown>>;
  /** Everything the build used: packages with their digests, base images, sources. */
  readonly resolvedDependencies?: readonly ResourceDescriptor[];
  /** Other artifacts the build made (SBOMs, logs). */
  readonly byproducts?: readonly ResourceDescriptor[];
  /** Seconds since the epoch, from a Clock. */
  readonly startedOn?: number;
  readonly finishedOn?: number;
  readonly invocationId?: string;
}

/** Statement JSON wants plain objects; drop undefined members so key order stays as written. */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function resource(r: ResourceDescriptor): Record<string, unknown> {
  return clean({
    name: r.name,
    uri: r.uri,
    digest: r.digest ? sortedCopy(r.digest) : undefined,
    downloadLocation: r.downloadLocation,
    mediaType: r.mediaType,
    annotations: r.annotations ? sortedCopy(r.annotations) : undefined,
  });
}

function sortedCopy(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function time(seconds: number | undefined): string | undefined {
  return seconds === undefined ? undefined : rfc3339(new Date(seconds * 1000));
}

/** Sorts descriptors by uri, then name, so the same inputs always give the same bytes. */
function sortedResources(list: readonly ResourceDescriptor[] | undefined): Record<string, unknown>[] | undefined {
  if (!list || list.length === 0) return undefined;
  const key = (r: ResourceDescriptor) => `${r.uri ?? ''}\u0000${r.name ?? ''}`;
  return [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)).map(resource);
}

/** A SLSA v1 provenance statement. */
export function buildProvenance(input: ProvenanceInput): InTotoStatement {
  const metadata = clean({
    invocationId: input.invocationId,
    startedOn: time(input.startedOn),
    finishedOn: time(input.finishedOn),
  });
  const predicate = {
    buildDefinition: clean({
      buildType: input.buildType,
      externalParameters: input.externalParameters,
      internalParameters: input.internalParameters,
      resolvedDependencies: sortedResources(input.resolvedDependencies),
    }),
    runDetails: clean({
      builder: clean({ id: input.builderId, version: input.builderVersion }),
      metadata: Object.keys(metadata).length > 0 ? metadata : undefined,
      byproducts: sortedResources(input.byproducts),
    }),
  };
  return makeStatement(input.subject, PredicateType.slsaProvenanceV1, predicate);
}

/** A package as a resolved dependency: purl-style URI and its checksum. */
export function packageDependency(p: {
  readonly name: string;
  readonly version: string;
  readonly arch?: string;
  readonly namespace?: string;
  readonly sha256?: string;
  readonly sha1?: string;
  /** The apk `C:` identity (`Q1<base64 sha1>`): gives `sha1` when that is not passed. */
  readonly identity?: string;
  readonly downloadLocation?: string;
}): ResourceDescriptor {
  const ns = p.namespace ? `${encodeURIComponent(p.namespace)}/` : '';
  const q = p.arch ? `?arch=${encodeURIComponent(p.arch)}` : '';
  const digest: Record<string, string> = {};
  const sha1 = p.sha1 ?? (p.identity ? apkIdentitySha1(p.identity) : undefined);
  if (p.sha256) digest.sha256 = p.sha256;
  if (sha1) digest.sha1 = sha1;
  return {
    name: p.name,
    uri: `pkg:apk/${ns}${encodeURIComponent(p.name)}@${encodeURIComponent(p.version)}${q}`,
    ...(Object.keys(digest).length > 0 ? { digest } : {}),
    ...(p.downloadLocation ? { downloadLocation: p.downloadLocation } : {}),
  };
}
