/**
 * SLSA provenance v1 for an image build: who built it (lupine's apko-compatible builder), from what
 * (the config file and its checksum, the build flags), with what (every installed package with its
 * identity and where it came from), and when (the caller's clock). Pure: same inputs, same bytes.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, relative, sep } from 'node:path';
import { redactUrl } from '../../repo/index.js';
import { buildProvenance, packageDependency, type ResourceDescriptor } from '../../sign/index.js';
import type { ImagePackage, SbomFile } from '../build/types.js';
import { configChecksum, lockPackageUrl } from '../lock/build-lock.js';

/** `runDetails.builder.id` of lupine's image builder. */
export const IMAGE_BUILDER_ID = 'https://lupine.dev/image-builder@v1';
/** `buildDefinition.buildType`: an apko config built into an OCI image by lupine. */
export const IMAGE_BUILD_TYPE = 'https://lupine.dev/buildtypes/apko-image/v1';

/** The build's user-controlled inputs besides the config file. */
export interface ImageBuildParameters {
  /** apk arch names built. */
  readonly archs: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly packageAppend?: readonly string[];
  readonly repositoryAppend?: readonly string[];
  readonly keyringAppend?: readonly string[];
  /** The build installed exactly what a lock file pinned. */
  readonly locked?: boolean;
}

export interface ImageProvenanceInput {
  /** The config as named by the user (e.g. `apko.yaml`). */
  readonly configName: string;
  /** The config, then each include, as read (their checksum is apko.lock.json's `config.checksum`). */
  readonly configFiles: readonly { readonly bytes: Uint8Array }[];
  readonly parameters: ImageBuildParameters;
  /** The packages of the image (one arch's, or every arch's for the index). */
  readonly packages: readonly ImagePackage[];
  /** SBOMs made by the same build, listed as byproducts. */
  readonly sboms?: readonly SbomFile[];
  /** Seconds since the epoch, from a Clock. */
  readonly startedOn: number;
  readonly finishedOn: number;
  /** lupine's version, as `builder.version.lupine`. */
  readonly toolVersion?: string;
  /** Local repositories under this directory are recorded relative to it (`./…`), as apko's lock does. */
  readonly workDir?: string;
}

const SBOM_MEDIA_TYPE = { spdx: 'application/spdx+json', cyclonedx: 'application/vnd.cyclonedx+json' } as const;

/**
 * Where a repository is, for the record: a URL without its password; a local directory under
 * `workDir` as `./relative` (so the record does not depend on where the build ran); else as is.
 */
export function repositoryLocation(repository: string, workDir?: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repository)) return redactUrl(repository);
  if (workDir === undefined || !isAbsolute(repository)) return repository;
  const rel = relative(workDir, repository);
  if (rel === '') return '.';
  return rel.startsWith('..') || isAbsolute(rel) ? repository : `./${rel.split(sep).join('/')}`;
}

/** A package as a resolved dependency: purl, control-segment sha1 (its apk identity), download URL. */
export function imagePackageDependency(p: ImagePackage, workDir?: string): ResourceDescriptor {
  const url =
    p.repository === ''
      ? undefined
      : lockPackageUrl(repositoryLocation(p.repository, workDir), p.arch, p.name, p.version);
  const d = packageDependency({
    name: p.name,
    version: p.version,
    arch: p.arch,
    identity: p.identity,
    ...(url ? { downloadLocation: url } : {}),
  });
  return { ...d, annotations: { 'apk.identity': p.identity, ...(p.origin ? { 'apk.origin': p.origin } : {}) } };
}

function nonEmpty<T>(list: readonly T[] | undefined): readonly T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

/** The externalParameters object: only what was given, in a fixed order. */
function externalParameters(input: ImageProvenanceInput): Record<string, unknown> {
  const p = input.parameters;
  const first = input.configFiles[0];
  const out: Record<string, unknown> = {
    config: {
      name: input.configName,
      ...(first ? { digest: { sha256: createHash('sha256').update(first.bytes).digest('hex') } } : {}),
      checksum: configChecksum(input.configFiles),
    },
    archs: [...p.archs],
  };
  if (p.annotations && Object.keys(p.annotations).length > 0) {
    out.annotations = Object.fromEntries(
      Object.entries(p.annotations).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  }
  const packages = nonEmpty(p.packageAppend);
  if (packages) out.packageAppend = [...packages];
  const repos = nonEmpty(p.repositoryAppend);
  if (repos) out.repositoryAppend = repos.map(redactUrl);
  const keys = nonEmpty(p.keyringAppend);
  if (keys) out.keyringAppend = keys.map(redactUrl);
  if (p.locked) out.locked = true;
  return out;
}

/**
 * The provenance predicate (`buildDefinition`, `runDetails`) for an image or index built from an apko
 * config. The statement's subject is left to the attesting step, which names the pushed digest.
 */
export function imageProvenancePredicate(input: ImageProvenanceInput): unknown {
  const seen = new Set<string>();
  const deps: ResourceDescriptor[] = [];
  for (const p of input.packages) {
    const d = imagePackageDependency(p, input.workDir);
    const key = `${d.uri ?? ''}\u0000${p.identity}`;
    if (seen.has(key)) continue;
    seen.add(key);
    deps.push(d);
  }
  const byproducts = (input.sboms ?? []).map(
    (s): ResourceDescriptor => ({
      name: s.name,
      digest: { sha256: createHash('sha256').update(s.bytes).digest('hex') },
      mediaType: SBOM_MEDIA_TYPE[s.format],
    }),
  );
  return buildProvenance({
    subject: [],
    buildType: IMAGE_BUILD_TYPE,
    builderId: IMAGE_BUILDER_ID,
    ...(input.toolVersion ? { builderVersion: { lupine: input.toolVersion } } : {}),
    externalParameters: externalParameters(input),
    resolvedDependencies: deps,
    byproducts,
    startedOn: input.startedOn,
    finishedOn: input.finishedOn,
  }).predicate;
}
