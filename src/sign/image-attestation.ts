/**
 * `cosign attest --key` / `cosign verify-attestation --key`, offline: an in-toto Statement about the
 * image, signed in a DSSE envelope, stored as a layer of the `sha256-<hex>.att` image with a
 * `predicateType` annotation.
 */
import type { KeyObject } from 'node:crypto';
import { type Clock, LupineError } from '../core/index.js';
import { type Digest, digestHex, type Reference, type RegistryClient } from '../oci/index.js';
import { attestationLayer, CosignAnnotation, DSSE_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE } from './cosign-layout.js';
import { encodeEnvelope, envelopePayload, parseEnvelope, signEnvelope, verifyEnvelope } from './dsse.js';
import type { Signer } from './keys.js';
import { fetchReferrers, pushReferrer, referrersTag } from './referrers.js';
import { readCosignImage, resolveImage, type StoredLayer, writeCosignImage } from './registry-store.js';
import { encodeStatement, type InTotoStatement, makeStatement, parseStatement } from './statement.js';

export interface AttestImageOptions {
  readonly predicateType: string;
  /** The predicate (parsed JSON). */
  readonly predicate: unknown;
  readonly clock: Clock;
  /** Drop existing attestations of the same predicate type first (cosign `--replace`; legacy mode only). */
  readonly replace?: boolean;
  /**
   * `legacy` (default): a layer of the `sha256-<hex>.att` image. `oci-1-1`: a referrer manifest
   * (artifactType `application/vnd.in-toto+json`) listed in the fallback index at tag `sha256-<hex>`.
   */
  readonly mode?: ReferrersMode;
}

export type ReferrersMode = 'legacy' | 'oci-1-1';

export interface AttestImageResult {
  readonly name: string;
  readonly digest: Digest;
  /** `sha256-<hex>.att`, or the referrers fallback tag `sha256-<hex>` in oci-1-1 mode. */
  readonly tag: string;
  readonly attestationManifest: Digest;
  readonly statement: InTotoStatement;
  readonly envelope: Buffer;
  /** Layers of the `.att` image after attesting (1 in oci-1-1 mode: one referrer per attestation). */
  readonly attestations: number;
}

/** The statement cosign makes for an image: subject = repository name and the manifest's sha256. */
export function imageStatement(
  name: string,
  digest: Digest,
  predicateType: string,
  predicate: unknown,
): InTotoStatement {
  return makeStatement([{ name, digest: { sha256: digestHex(digest) } }], predicateType, predicate);
}

export async function attestImage(
  client: RegistryClient,
  ref: Reference,
  signer: Signer,
  options: AttestImageOptions,
): Promise<AttestImageResult> {
  const image = await resolveImage(client, ref);
  const statement = imageStatement(image.name, image.digest, options.predicateType, options.predicate);
  const envelope = encodeEnvelope(await signEnvelope(encodeStatement(statement), IN_TOTO_PAYLOAD_TYPE, signer));
  const layer = attestationLayer(envelope, options.predicateType);
  const common = { name: image.name, digest: image.digest, statement, envelope };
  if (options.mode === 'oci-1-1') {
    const size =
      image.size > 0 ? image.size : (await client.getManifest({ ...image.repo, digest: image.digest })).bytes.length;
    const pushed = await pushReferrer(client, image.repo, {
      subject: { mediaType: image.mediaType, digest: image.digest, size },
      artifactType: IN_TOTO_PAYLOAD_TYPE,
      layers: [layer],
      created: options.clock.now(),
    });
    return { ...common, tag: pushed.tag, attestationManifest: pushed.digest, attestations: 1 };
  }
  const existing = await readCosignImage(client, image.repo, image.digest, 'att');
  const kept = (existing?.layers ?? []).filter(
    (l) => !options.replace || l.annotations[CosignAnnotation.predicateType] !== options.predicateType,
  );
  const written = await writeCosignImage(
    client,
    image.repo,
    image.digest,
    'att',
    [...kept, layer],
    options.clock.now(),
  );
  return { ...common, tag: written.tag, attestationManifest: written.digest, attestations: written.layers };
}

export interface VerifiedAttestation {
  readonly layer: Digest;
  readonly predicateType: string;
  readonly statement: InTotoStatement;
}

export interface VerifyAttestationsResult {
  readonly name: string;
  readonly digest: Digest;
  readonly tag: string;
  readonly attestations: readonly VerifiedAttestation[];
}

/**
 * Verifies the `.att` image (or, in oci-1-1 mode, the in-toto referrers listed in the fallback index)
 * of what `ref` points at now: each DSSE layer's signature against
 * `publicKey`, that it carries an in-toto statement, and that a subject has the image's digest.
 * With `predicateType`, only statements of that type count. At least one must pass.
 */
export async function verifyAttestations(
  client: RegistryClient,
  ref: Reference,
  publicKey: KeyObject,
  options: { readonly predicateType?: string; readonly mode?: ReferrersMode } = {},
): Promise<VerifyAttestationsResult> {
  const image = await resolveImage(client, ref);
  let stored: { tag: string; layers: readonly StoredLayer[] } | undefined;
  if (options.mode === 'oci-1-1') {
    const referrers = await fetchReferrers(client, image.repo, image.digest, IN_TOTO_PAYLOAD_TYPE);
    stored = { tag: referrersTag(image.digest), layers: referrers.flatMap((r) => r.layers) };
  } else {
    stored = await readCosignImage(client, image.repo, image.digest, 'att');
  }
  const where = `${image.name}@${image.digest}`;
  if (!stored || stored.layers.length === 0) {
    throw new LupineError('SIGN_NO_ATTESTATIONS', `${where}: no attestations found`, {
      details: { image: image.name, digest: image.digest },
      hint: "attest it with 'lupine image attest'",
    });
  }
  const hex = digestHex(image.digest);
  const verified: VerifiedAttestation[] = [];
  let valid = 0;
  let otherSubject = 0;
  for (const layer of stored.layers) {
    if (layer.mediaType !== DSSE_MEDIA_TYPE) continue;
    let env: ReturnType<typeof parseEnvelope>;
    try {
      env = parseEnvelope(layer.payload);
    } catch {
      continue;
    }
    if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE || !verifyEnvelope(env, publicKey)) continue;
    let statement: InTotoStatement;
    try {
      statement = parseStatement(envelopePayload(env));
    } catch {
      continue; // signed, but not an in-toto statement: it attests nothing
    }
    valid++;
    if (!statement.subject.some((s) => s.digest.sha256 === hex)) {
      otherSubject++;
      continue;
    }
    if (options.predicateType !== undefined && statement.predicateType !== options.predicateType) continue;
    verified.push({ layer: layer.descriptor.digest, predicateType: statement.predicateType, statement });
  }
  if (verified.length > 0) {
    return { name: image.name, digest: image.digest, tag: stored.tag, attestations: verified };
  }
  if (valid === 0) {
    throw new LupineError(
      'SIGN_BAD_SIGNATURE',
      `${where}: none of ${stored.layers.length} attestation(s) verifies with this key`,
      {
        details: { image: image.name, digest: image.digest, attestations: stored.layers.length },
        hint: 'check that --key is the public key matching the signing key',
      },
    );
  }
  if (otherSubject === valid) {
    throw new LupineError('SIGN_DIGEST_MISMATCH', `${where}: the attestations are about another digest`, {
      details: { image: image.name, digest: image.digest },
      hint: 'the image changed after it was attested (or an attestation was copied onto it); attest the new digest',
    });
  }
  throw new LupineError(
    'SIGN_NO_ATTESTATIONS',
    `${where}: no verified attestation has predicate type ${options.predicateType ?? ''}`,
    {
      details: { image: image.name, digest: image.digest, predicateType: options.predicateType },
      hint: 'check --type, or attest with that predicate type',
    },
  );
}
