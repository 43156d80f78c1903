/**
 * cosign key pairs: ECDSA P-256. `cosign.key` is the PKCS#8 private key encrypted into an
 * `ENCRYPTED SIGSTORE PRIVATE KEY` PEM block; `cosign.pub` is a PEM `PUBLIC KEY` (SPKI).
 * A `Signer` signs bytes (ECDSA over SHA-256, ASN.1 DER); verification is a pure function.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { LupineError } from '../core/index.js';
import {
  COSIGN_PRIVATE_KEY_PEM,
  decodePem,
  decryptKeyData,
  type EncryptOptions,
  encodeEncryptedKeyJson,
  encodePem,
  encryptKeyData,
  parseEncryptedKeyJson,
  SIGSTORE_PRIVATE_KEY_PEM,
} from './encrypted-key.js';

/** Signs bytes with a private key; the one effect the signing code needs. */
export interface Signer {
  /** The public key, PEM SPKI. */
  readonly publicKeyPem: string;
  /** A DER-encoded signature over the bytes (the signer hashes them). */
  sign(data: Uint8Array): Promise<Buffer>;
}

export interface CosignKeyPair {
  /** Contents of `cosign.key`. */
  readonly privateKeyPem: string;
  /** Contents of `cosign.pub`. */
  readonly publicKeyPem: string;
}

function badKey(what: string, problem: string, cause?: unknown): LupineError {
  return new LupineError('SIGN_BAD_KEY', `${what}: ${problem}`, {
    ...(cause !== undefined ? { cause } : {}),
    details: { key: what },
    hint: "use a key written by 'lupine image keygen' or 'cosign generate-key-pair'",
  });
}

function checkP256(key: KeyObject, what: string): void {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType !== 'ec' || d?.namedCurve !== 'prime256v1') {
    throw badKey(what, `expected an ECDSA P-256 key, got ${key.asymmetricKeyType ?? 'unknown'} ${d?.namedCurve ?? ''}`);
  }
}

/** Encrypts a private key as cosign does (PKCS#8 DER inside the secretbox). */
export async function encryptCosignPrivateKey(
  key: KeyObject,
  password: string,
  options: EncryptOptions = {},
): Promise<string> {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  const data = await encryptKeyData(der, password, options);
  return encodePem(SIGSTORE_PRIVATE_KEY_PEM, encodeEncryptedKeyJson(data));
}

/** A fresh P-256 key pair, the private key encrypted with `password` (may be empty, as cosign allows). */
export async function generateCosignKeyPair(password: string, options: EncryptOptions = {}): Promise<CosignKeyPair> {
  const { privateKey, publicKey } = await new Promise<{ privateKey: KeyObject; publicKey: KeyObject }>(
    (resolve, reject) =>
      generateKeyPair('ec', { namedCurve: 'prime256v1' }, (err, publicKey, privateKey) =>
        err ? reject(err) : resolve({ publicKey, privateKey }),
      ),
  );
  return {
    privateKeyPem: await encryptCosignPrivateKey(privateKey, password, options),
    publicKeyPem: publicKeyPem(publicKey),
  };
}

export function publicKeyPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'spki' }).toString();
}

/** Decrypts `cosign.key`; SIGN_BAD_PASSWORD for a wrong password, SIGN_BAD_KEY for anything else. */
export async function loadCosignPrivateKey(pem: string, password: string, what = 'cosign.key'): Promise<KeyObject> {
  const { type, body } = decodePem(pem, what);
  if (type !== SIGSTORE_PRIVATE_KEY_PEM && type !== COSIGN_PRIVATE_KEY_PEM) {
    throw badKey(what, `unsupported PEM type ${type}`);
  }
  const der = await decryptKeyData(parseEncryptedKeyJson(body, what), password, what);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw badKey(what, 'the decrypted key is not PKCS#8', err);
  }
  checkP256(key, what);
  return key;
}

/** Reads `cosign.pub` (PEM SPKI). */
export function loadPublicKey(pem: string, what = 'cosign.pub'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw badKey(what, 'not a PEM public key', err);
  }
  checkP256(key, what);
  return key;
}

/** A Signer over a private key object: ECDSA with SHA-256, DER signatures. */
export function keySigner(privateKey: KeyObject): Signer {
  const pub = publicKeyPem(createPublicKey(privateKey));
  return {
    publicKeyPem: pub,
    sign: async (data) => nodeSign('sha256', data, { key: privateKey, dsaEncoding: 'der' }),
  };
}

/** Whether `signature` (DER) is a valid ECDSA-SHA256 signature of `data` under `publicKey`. */
export function verifySignature(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return nodeVerify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}
