/**
 * `publishImage`: build → OCI layout (temporary) → push every arch and the index to each reference
 * by digest → sign and attest (optional) → tag. Tags are written last, so a tag never points at an
 * image whose signatures and attestations are not in the registry yet.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type Clock,
  type Logger,
  LupineError,
  makeOwnedDir,
  silentLogger,
  sweepStaleDirs,
  userTempDir,
} from '../../core/index.js';
import {
  type CredentialSource,
  clientOptionsForUrl,
  type Digest,
  formatReference,
  type PushResult,
  parseRegistryUrl,
  pushLayout,
  type Reference,
  RegistryClient,
} from '../../oci/index.js';
import {
  attestImage,
  DSSE_MEDIA_TYPE,
  encodeStatement,
  envelopePayload,
  IN_TOTO_PAYLOAD_TYPE,
  imageStatement,
  loadPublicKey,
  parseEnvelope,
  readCosignImage,
  resolveImage,
  type Signer,
  signImage,
  verifyEnvelope,
} from '../../sign/index.js';
import { buildImage } from '../build/build-image.js';
import type { BuildImageOptions, ImageBuildResult } from '../build/types.js';
import { writeImageOutput } from '../build/write-output.js';
import type { ConfigSourceFile } from '../config/load.js';
import type { ResolvedImageConfig } from '../config/types.js';
import { type PlannedAttestation, type PlanProvenance, planPublish } from './plan.js';

export interface PublishSigning {
  readonly signer: Signer;
  /** Created time of the `.sig`/`.att` images and the provenance's start and finish. */
  readonly clock: Clock;
  /** Attest a SLSA provenance v1 on the index and on each arch's manifest. */
  readonly provenance?: {
    /** The config as the user named it (recorded, with its checksum, as an external parameter). */
    readonly configName: string;
    /** The config and its includes as read (`LoadedImageConfig.files`). */
    readonly configFiles: readonly ConfigSourceFile[];
    readonly toolVersion?: string;
  };
}

export interface PublishImageOptions extends BuildImageOptions {
  /** `[registry/]repository[:tag|@digest]` or a URL (`http://user:pass@host:port/repo:tag`). */
  readonly refs: readonly string[];
  readonly credentials?: CredentialSource;
  /** Allow plain HTTP to registries that are not on this machine. */
  readonly insecure?: boolean;
  /** Also write the SBOMs here. */
  readonly sbomDir?: string;
  /**
   * Sign the index and every arch's manifest in each repository, and attest each one's SBOMs
   * (`sbomFormats`; SPDX when none are given) and, on request, its provenance.
   */
  readonly sign?: PublishSigning;
}

/** One reference as pushed (the shape `lupine image push` prints). */
export interface PublishedRef {
  /** The reference as given. */
  readonly ref: string;
  /** `registry/repository@sha256:…` */
  readonly pushed: string;
  readonly result: PushResult;
}

export interface SignedImage {
  /** `registry/repository`. */
  readonly name: string;
  readonly digest: Digest;
  /** `index` or the apk arch. */
  readonly subject: string;
  /** `sha256-<hex>.sig` and that image's manifest digest. */
  readonly tag: string;
  readonly signatureManifest: Digest;
  /** False when this key had already signed this digest (a re-publish). */
  readonly appended: boolean;
}

export interface AttestedImage {
  readonly name: string;
  readonly digest: Digest;
  readonly subject: string;
  readonly predicateType: string;
  /** The SBOM file attested, for SBOM attestations. */
  readonly sbom?: string;
  /** `sha256-<hex>.att` and that image's manifest digest. */
  readonly tag: string;
  readonly attestationManifest: Digest;
  /** False when this key had already attested this very statement (a reproducible re-publish). */
  readonly appended: boolean;
}

export interface PublishImageResult {
  readonly build: ImageBuildResult;
  readonly pushed: readonly PublishedRef[];
  readonly signed: readonly SignedImage[];
  readonly attested: readonly AttestedImage[];
}

interface Target {
  readonly text: string;
  readonly ref: Reference;
  readonly client: RegistryClient;
}

const repoName = (r: Reference) => `${r.registry}/${r.repository}`;

/** The first reference as the SBOMs name the image: as given, or without scheme and credentials for a URL. */
function sbomName(refs: readonly string[]): string | undefined {
  const first = refs[0];
  if (first === undefined) return first;
  const parsed = parseRegistryUrl(first);
  if (!parsed.scheme) return parsed.shown;
  const r = parsed.reference;
  return `${repoName(r)}${r.tag !== undefined ? `:${r.tag}` : ''}`;
}

/** Attests unless an envelope verified by the signer's key already holds exactly this statement. */
async function attestOnce(
  client: RegistryClient,
  ref: Reference,
  signing: PublishSigning,
  a: PlannedAttestation,
): Promise<AttestedImage> {
  const common = {
    name: repoName(ref),
    digest: a.digest,
    subject: a.subject,
    predicateType: a.predicateType,
    ...(a.sbom ? { sbom: a.sbom } : {}),
  };
  const image = await resolveImage(client, ref);
  const statement = encodeStatement(imageStatement(image.name, image.digest, a.predicateType, a.predicate));
  const existing = await readCosignImage(client, image.repo, image.digest, 'att');
  const publicKey = loadPublicKey(signing.signer.publicKeyPem, 'signing key');
  const same = existing?.layers.some((l) => {
    if (l.mediaType !== DSSE_MEDIA_TYPE) return false;
    try {
      const env = parseEnvelope(l.payload);
      return (
        env.payloadType === IN_TOTO_PAYLOAD_TYPE &&
        envelopePayload(env).equals(statement) &&
        verifyEnvelope(env, publicKey)
      );
    } catch {
      return false;
    }
  });
  if (existing && same) {
    return { ...common, tag: existing.tag, attestationManifest: existing.digest, appended: false };
  }
  const r = await attestImage(client, ref, signing.signer, {
    predicateType: a.predicateType,
    predicate: a.predicate,
    clock: signing.clock,
  });
  return { ...common, tag: r.tag, attestationManifest: r.attestationManifest, appended: true };
}

function openTargets(options: PublishImageOptions): Target[] {
  const targets: Target[] = [];
  try {
    for (const text of options.refs) {
      const url = parseRegistryUrl(text);
      const clientOptions = clientOptionsForUrl(url, {
        ...(options.credentials ? { credentials: options.credentials } : {}),
        ...(options.insecure ? { insecure: true } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.env ? { env: options.env } : {}),
      });
      targets.push({ text: url.shown, ref: url.reference, client: new RegistryClient(clientOptions) });
    }
  } catch (err) {
    for (const t of targets) t.client.close();
    throw err;
  }
  return targets;
}

/** The provenance's inputs, when signing asks for provenance. */
function provenanceInput(
  options: PublishImageOptions,
  build: ImageBuildResult,
  startedOn: number,
  finishedOn: number,
): PlanProvenance | undefined {
  const p = options.sign?.provenance;
  if (!p) return undefined;
  return {
    configName: p.configName,
    configFiles: p.configFiles,
    parameters: {
      archs: build.perArch.map((a) => a.arch),
      ...(options.annotations ? { annotations: options.annotations } : {}),
      ...(options.packageAppend ? { packageAppend: options.packageAppend } : {}),
      ...(options.repositoryAppend ? { repositoryAppend: options.repositoryAppend } : {}),
      ...(options.keyringAppend ? { keyringAppend: options.keyringAppend } : {}),
      ...(options.lockfile ? { locked: true } : {}),
    },
    startedOn,
    finishedOn,
    workDir: resolve(options.workDir ?? '.'),
    ...(p.toolVersion ? { toolVersion: p.toolVersion } : {}),
  };
}

const PUBLISH_PREFIX = 'lupine-publish-';

/** Signs and attests the pushed image once per repository (several references may share one). */
async function signOnce(
  targets: ReturnType<typeof openTargets>,
  plan: ReturnType<typeof planPublish>,
  signing: NonNullable<PublishImageOptions['sign']>,
  log: Logger,
): Promise<{ signed: SignedImage[]; attested: AttestedImage[] }> {
  const signed: SignedImage[] = [];
  const attested: AttestedImage[] = [];
  const done = new Set<string>();
  for (const t of targets) {
    const name = repoName(t.ref);
    if (done.has(name)) continue;
    done.add(name);
    for (const s of plan.signatures) {
      const at: Reference = { registry: t.ref.registry, repository: t.ref.repository, digest: s.digest };
      const r = await signImage(t.client, at, signing.signer, { clock: signing.clock });
      log.info(`signed ${name}@${s.digest} (${s.subject})`);
      signed.push({
        name,
        digest: s.digest,
        subject: s.subject,
        tag: r.tag,
        signatureManifest: r.signatureManifest,
        appended: r.appended,
      });
    }
    for (const a of plan.attestations) {
      const at: Reference = { registry: t.ref.registry, repository: t.ref.repository, digest: a.digest };
      attested.push(await attestOnce(t.client, at, signing, a));
      log.info(`attested ${a.predicateType} on ${name}@${a.digest} (${a.subject})`);
    }
  }
  return { signed, attested };
}

/** Builds an image and publishes it to every reference, signed and attested when `sign` is given. */
export async function publishImage(
  config: ResolvedImageConfig,
  options: PublishImageOptions,
): Promise<PublishImageResult> {
  const log: Logger = options.logger ?? silentLogger;
  if (options.refs.length === 0) throw new LupineError('USAGE', 'publish: no reference to push to');
  const signing = options.sign;
  const formats =
    options.sbomFormats && options.sbomFormats.length > 0 ? options.sbomFormats : signing ? ['spdx' as const] : [];
  const targets = openTargets(options);
  // The layout (every blob of the image) is in an owned directory: a killed publish's is swept here.
  const tempParent = options.tempDir ?? (await userTempDir());
  const swept = await sweepStaleDirs(tempParent, PUBLISH_PREFIX);
  for (const p of swept.removed) log.info(`removed ${p}, left by a publish that was killed`);
  for (const f of swept.failed) log.warn(`cannot remove ${f.path}, left by a killed publish: ${f.error}`);
  const tmp = await makeOwnedDir(tempParent, PUBLISH_PREFIX);
  try {
    const startedOn = signing?.clock.now() ?? 0;
    const build = await buildImage(config, {
      ...options,
      sbomFormats: formats,
      tag: options.tag ?? sbomName(options.refs),
    });
    const finishedOn = signing?.clock.now() ?? 0;
    const index = build.index.descriptor;
    for (const t of targets) {
      if (t.ref.digest !== undefined && t.ref.digest !== index.digest) {
        throw new LupineError('OCI_DIGEST_MISMATCH', `${t.text}: the image built is ${index.digest}`, {
          details: { expected: t.ref.digest, actual: index.digest },
          hint: 'push to a tag, or name the digest the build makes',
        });
      }
    }
    const layout = join(tmp, 'layout');
    await writeImageOutput(build, layout, { format: 'oci', ...(options.sbomDir ? { sbomDir: options.sbomDir } : {}) });

    // 1. Content by digest, to every reference.
    const pushed: PublishedRef[] = [];
    for (const t of targets) {
      const repo = { registry: t.ref.registry, repository: t.ref.repository };
      const result = await pushLayout(t.client, layout, repo, { logger: log });
      pushed.push({ ref: t.text, pushed: formatReference({ ...repo, digest: result.digest }), result });
    }

    // 2. Signatures and attestations, once per repository.
    const { signed, attested } = signing
      ? await signOnce(
          targets,
          planPublish(build, provenanceInput(options, build, startedOn, finishedOn)),
          signing,
          log,
        )
      : { signed: [], attested: [] };

    // 3. Tags last.
    for (const t of targets) {
      if (t.ref.tag === undefined) continue;
      await t.client.putManifest(
        { registry: t.ref.registry, repository: t.ref.repository, tag: t.ref.tag },
        build.index.bytes,
        index.mediaType,
      );
    }
    return { build, pushed, signed, attested };
  } finally {
    for (const t of targets) t.client.close();
    await rm(tmp, { recursive: true, force: true });
  }
}
