/**
 * `cosign sign --key` / `cosign verify --key` over a registry, offline: simple-signing payloads signed
 * with ECDSA P-256, stored as layers of the `sha256-<hex>.sig` image in the signed image's repository.
 */
import type { KeyObject } from 'node:crypto';
import { type Clock, LupineError } from '../core/index.js';
import type { Digest, Reference, RegistryClient } from '../oci/index.js';
import {
  COSIGN_SIGNATURE_TYPE,
  CosignAnnotation,
  parseSimpleSigningPayload,
  SIMPLE_SIGNING_MEDIA_TYPE,
  signatureLayer,
  simpleSigningPayload,
} from './cosign-layout.js';
import { loadPublicKey, type Signer, verifySignature } from './keys.js';
import { readCosignImage, resolveImage, writeCosignImage } from './registry-store.js';

export interface SignImageOptions {
  /** `--annotations k=v`: the payload's `optional` claims. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** The signature image's created time. */
  readonly clock: Clock;
}

export interface SignImageResult {
  /** The signed image. */
  readonly name: string;
  readonly digest: Digest;
  /** `sha256-<hex>.sig` and the digest of that manifest now. */
  readonly tag: string;
  readonly signatureManifest: Digest;
  readonly payload: Buffer;
  /** Layers in the signature image after signing. */
  readonly signatures: number;
  /** False when an equal signature by the same key was already there (cosign's dupe detection). */
  readonly appended: boolean;
}

/**
 * Signs what `ref` points at now and appends the signature to its `.sig` image (creating it when
 * absent). Appending is read-modify-write, as in cosign: two signers at once can lose one signature.
 */
export async function signImage(
  client: RegistryClient,
  ref: Reference,
  signer: Signer,
  options: SignImageOptions,
): Promise<SignImageResult> {
  const image = await resolveImage(client, ref);
  const payload = simpleSigningPayload({
    dockerReference: image.name,
    manifestDigest: image.digest,
    ...(options.annotations ? { optional: options.annotations } : {}),
  });
  const existing = await readCosignImage(client, image.repo, image.digest, 'sig');
  const publicKey = loadPublicKey(signer.publicKeyPem, 'signing key');
  const dupe = existing?.layers.find(
    (l) =>
      l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE &&
      Buffer.from(l.payload).equals(payload) &&
      verifySignature(publicKey, l.payload, Buffer.from(l.annotations[CosignAnnotation.signature] ?? '', 'base64')),
  );
  if (existing && dupe) {
    return {
      name: image.name,
      digest: image.digest,
      tag: existing.tag,
      signatureManifest: existing.digest,
      payload,
      signatures: existing.layers.length,
      appended: false,
    };
  }
  const signature = await signer.sign(payload);
  const layers = [...(existing?.layers ?? []), signatureLayer(payload, signature)];
  const written = await writeCosignImage(client, image.repo, image.digest, 'sig', layers, options.clock.now());
  return {
    name: image.name,
    digest: image.digest,
    tag: written.tag,
    signatureManifest: written.digest,
    payload,
    signatures: written.layers,
    appended: true,
  };
}

/** One signature that verified. */
export interface VerifiedSignature {
  /** Digest of the payload layer. */
  readonly layer: Digest;
  readonly dockerReference: string;
  readonly manifestDigest: string;
  readonly optional: Readonly<Record<string, unknown>> | null;
  readonly signature: string;
}

export interface VerifyImageResult {
  readonly name: string;
  readonly digest: Digest;
  readonly tag: string;
  readonly signatures: readonly VerifiedSignature[];
}

export interface VerifyImageOptions {
  /** Claims every accepted signature's `optional` must hold (cosign verify `-a k=v`). */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * Verifies the `.sig` image of what `ref` points at now: each simple-signing layer's signature
 * against `publicKey`, its type, and that its payload names the image's current digest (the layer
 * bytes were already checked against their digests when downloaded). At least one must pass.
 */
export async function verifyImage(
  client: RegistryClient,
  ref: Reference,
  publicKey: KeyObject,
  options: VerifyImageOptions = {},
): Promise<VerifyImageResult> {
  const image = await resolveImage(client, ref);
  const stored = await readCosignImage(client, image.repo, image.digest, 'sig');
  const where = `${image.name}@${image.digest}`;
  if (!stored || stored.layers.length === 0) {
    throw new LupineError('SIGN_NO_SIGNATURES', `${where}: no signatures found`, {
      details: { image: image.name, digest: image.digest },
      hint: "sign it with 'lupine image sign'; a pushed change to the image needs a new signature",
    });
  }
  const verified: VerifiedSignature[] = [];
  const otherDigests: string[] = [];
  let claimsMissing = 0;
  for (const layer of stored.layers) {
    if (layer.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) continue;
    const b64 = layer.annotations[CosignAnnotation.signature] ?? '';
    if (!verifySignature(publicKey, layer.payload, Buffer.from(b64, 'base64'))) continue;
    const p = parseSimpleSigningPayload(layer.payload);
    if (!p || p.type !== COSIGN_SIGNATURE_TYPE) continue;
    if (p.manifestDigest !== image.digest) {
      otherDigests.push(p.manifestDigest);
      continue;
    }
    const want = Object.entries(options.annotations ?? {});
    if (want.some(([k, v]) => p.optional?.[k] !== v)) {
      claimsMissing++;
      continue;
    }
    verified.push({
      layer: layer.descriptor.digest,
      dockerReference: p.dockerReference,
      manifestDigest: p.manifestDigest,
      optional: p.optional,
      signature: b64,
    });
  }
  if (verified.length > 0) return { name: image.name, digest: image.digest, tag: stored.tag, signatures: verified };
  if (otherDigests.length > 0) {
    throw new LupineError(
      'SIGN_DIGEST_MISMATCH',
      `${where}: the signatures are for ${otherDigests.join(', ')}, not the image's current digest`,
      {
        details: { image: image.name, digest: image.digest, signed: otherDigests },
        hint: 'the image changed after it was signed (or a signature was copied onto it); sign the new digest',
      },
    );
  }
  if (claimsMissing > 0) {
    throw new LupineError('SIGN_BAD_SIGNATURE', `${where}: no valid signature carries the required annotations`, {
      details: { image: image.name, digest: image.digest, required: options.annotations ?? {} },
      hint: 'sign with --annotations carrying these claims',
    });
  }
  throw new LupineError(
    'SIGN_BAD_SIGNATURE',
    `${where}: none of ${stored.layers.length} signature(s) verifies with this key`,
    {
      details: { image: image.name, digest: image.digest, signatures: stored.layers.length },
      hint: 'check that --key is the public key matching the signing key',
    },
  );
}
