/**
 * DSSE (Dead Simple Signing Envelope) v1: the signature covers the pre-authentication encoding
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal bytes.
 * The envelope JSON is go-securesystemslib's: payloadType, payload (base64), signatures[{keyid, sig}].
 */
import type { KeyObject } from 'node:crypto';
import { LupineError } from '../core/index.js';
import { encodeJson, fields } from '../oci/index.js';
import { jsonObjectOf } from './json-object.js';
import { type Signer, verifySignature } from './keys.js';

export interface DsseSignature {
  readonly keyid: string;
  /** Base64 of the DER signature. */
  readonly sig: string;
}

export interface DsseEnvelope {
  readonly payloadType: string;
  /** Base64 of the payload. */
  readonly payload: string;
  readonly signatures: readonly DsseSignature[];
}

/** The bytes a DSSE signature covers. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
    type,
    Buffer.from(` ${payload.length} `, 'utf8'),
    payload,
  ]);
}

/** Signs `payload` into an envelope with one signature (keyid empty, as cosign writes it). */
export async function signEnvelope(
  payload: Uint8Array,
  payloadType: string,
  signer: Signer,
  keyid = '',
): Promise<DsseEnvelope> {
  const sig = await signer.sign(pae(payloadType, payload));
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: [{ keyid, sig: sig.toString('base64') }],
  };
}

export function encodeEnvelope(env: DsseEnvelope): Buffer {
  return encodeJson(
    fields(
      ['payloadType', env.payloadType],
      ['payload', env.payload],
      ['signatures', env.signatures.map((s) => fields(['keyid', s.keyid], ['sig', s.sig]))],
    ),
  );
}

function badEnvelope(problem: string): LupineError {
  return new LupineError('SIGN_BAD_PAYLOAD', `DSSE envelope: ${problem}`, {
    details: { problem },
    hint: 'the attestation layer is not a DSSE envelope; it was not written by cosign or lupine',
  });
}

/** Reads an envelope (shape only; nothing is trusted until `verifyEnvelope`). */
export function parseEnvelope(bytes: Uint8Array): DsseEnvelope {
  const e = jsonObjectOf(bytes, badEnvelope);
  if (typeof e.payloadType !== 'string') throw badEnvelope('"payloadType" is missing');
  if (typeof e.payload !== 'string') throw badEnvelope('"payload" is missing');
  if (!Array.isArray(e.signatures)) throw badEnvelope('"signatures" is not a list');
  const signatures = e.signatures.map((s): DsseSignature => {
    const r = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
    if (typeof r.sig !== 'string') throw badEnvelope('a signature has no "sig"');
    return { keyid: typeof r.keyid === 'string' ? r.keyid : '', sig: r.sig };
  });
  return { payloadType: e.payloadType, payload: e.payload, signatures };
}

/** The decoded payload bytes. */
export function envelopePayload(env: DsseEnvelope): Buffer {
  return Buffer.from(env.payload, 'base64');
}

/** Whether any signature of the envelope verifies under `publicKey`. */
export function verifyEnvelope(env: DsseEnvelope, publicKey: KeyObject): boolean {
  const message = pae(env.payloadType, envelopePayload(env));
  return env.signatures.some((s) => verifySignature(publicKey, message, Buffer.from(s.sig, 'base64')));
}
