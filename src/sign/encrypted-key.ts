/**
 * cosign's encrypted private key file: a PEM block `ENCRYPTED SIGSTORE PRIVATE KEY` (older keys say
 * `ENCRYPTED COSIGN PRIVATE KEY`) whose body is the JSON of go-securesystemslib's `encrypted` package:
 *
 *   {"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"<b64>"},
 *    "cipher":{"name":"nacl/secretbox","nonce":"<b64>"},"ciphertext":"<b64>"}
 *
 * The key is scrypt(password, salt, N, r, p, 32); the ciphertext is a NaCl secretbox of the PKCS#8
 * DER private key. Only the three parameter sets the Go code accepts are read (a tampered N could
 * otherwise make us burn memory).
 */
import { randomBytes, scrypt } from 'node:crypto';
import { LupineError } from '../core/index.js';
import { SECRETBOX_NONCE_BYTES, secretboxOpen, secretboxSeal } from './secretbox.js';

export const SIGSTORE_PRIVATE_KEY_PEM = 'ENCRYPTED SIGSTORE PRIVATE KEY';
export const COSIGN_PRIVATE_KEY_PEM = 'ENCRYPTED COSIGN PRIVATE KEY';

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** go-securesystemslib's Legacy set, which cosign's keys use. */
export const COSIGN_SCRYPT: ScryptParams = { N: 32768, r: 8, p: 1 };
const ACCEPTED: readonly ScryptParams[] = [COSIGN_SCRYPT, { N: 65536, r: 8, p: 1 }, { N: 131072, r: 8, p: 1 }];

/** The decoded JSON of an encrypted key. */
export interface EncryptedKeyData {
  readonly kdf: { readonly name: string; readonly params: ScryptParams; readonly salt: Uint8Array };
  readonly cipher: { readonly name: string; readonly nonce: Uint8Array };
  readonly ciphertext: Uint8Array;
}

export interface EncryptOptions {
  readonly params?: ScryptParams;
  /** Salt (32 bytes) and nonce (24 bytes); random by default. For tests only. */
  readonly salt?: Uint8Array;
  readonly nonce?: Uint8Array;
}

function scryptKey(password: string | Uint8Array, salt: Uint8Array, p: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

function badKey(what: string, problem: string): LupineError {
  return new LupineError('SIGN_BAD_KEY', `${what}: ${problem}`, {
    details: { key: what },
    hint: "use a key written by 'lupine image keygen' or 'cosign generate-key-pair'",
  });
}

/** Go's json.Marshal of the `data` struct: fields in declaration order, []byte as standard base64. */
export function encodeEncryptedKeyJson(d: EncryptedKeyData): Buffer {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  const json =
    `{"kdf":{"name":${JSON.stringify(d.kdf.name)},"params":{"N":${d.kdf.params.N},"r":${d.kdf.params.r},"p":${d.kdf.params.p}},"salt":"${b64(d.kdf.salt)}"},` +
    `"cipher":{"name":${JSON.stringify(d.cipher.name)},"nonce":"${b64(d.cipher.nonce)}"},"ciphertext":"${b64(d.ciphertext)}"}`;
  return Buffer.from(json, 'utf8');
}

/** Encrypts a PKCS#8 DER private key into the JSON body of cosign's key file. */
export async function encryptKeyData(
  plaintext: Uint8Array,
  password: string | Uint8Array,
  options: EncryptOptions = {},
): Promise<EncryptedKeyData> {
  const params = options.params ?? COSIGN_SCRYPT;
  const salt = options.salt ?? randomBytes(32);
  const nonce = options.nonce ?? randomBytes(SECRETBOX_NONCE_BYTES);
  const key = await scryptKey(password, salt, params);
  return {
    kdf: { name: 'scrypt', params, salt },
    cipher: { name: 'nacl/secretbox', nonce },
    ciphertext: secretboxSeal(plaintext, nonce, key),
  };
}

function b64Field(v: unknown, what: string, field: string): Uint8Array {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw badKey(what, `"${field}" is not base64`);
  return Buffer.from(v, 'base64');
}

/** Parses (and checks) the JSON body of an encrypted key. */
export function parseEncryptedKeyJson(bytes: Uint8Array, what: string): EncryptedKeyData {
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw badKey(what, 'the encrypted key is not JSON');
  }
  const obj = (v: unknown, field: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badKey(what, `"${field}" is not an object`);
    return v as Record<string, unknown>;
  };
  const root = obj(o, 'encrypted key');
  const kdf = obj(root.kdf, 'kdf');
  const params = obj(kdf.params, 'kdf.params');
  const cipher = obj(root.cipher, 'cipher');
  if (kdf.name !== 'scrypt') throw badKey(what, `unknown kdf ${JSON.stringify(kdf.name)}`);
  if (cipher.name !== 'nacl/secretbox') throw badKey(what, `unknown cipher ${JSON.stringify(cipher.name)}`);
  const p = { N: params.N, r: params.r, p: params.p };
  const known = ACCEPTED.find((a) => a.N === p.N && a.r === p.r && a.p === p.p);
  if (!known) throw badKey(what, `unsupported scrypt parameters ${JSON.stringify(p)}`);
  const nonce = b64Field(cipher.nonce, what, 'cipher.nonce');
  if (nonce.length !== SECRETBOX_NONCE_BYTES) throw badKey(what, 'the secretbox nonce is not 24 bytes');
  return {
    kdf: { name: 'scrypt', params: known, salt: b64Field(kdf.salt, what, 'kdf.salt') },
    cipher: { name: 'nacl/secretbox', nonce },
    ciphertext: b64Field(root.ciphertext, what, 'ciphertext'),
  };
}

/** Decrypts the key data; SIGN_BAD_PASSWORD when the secretbox does not open. */
export async function decryptKeyData(
  data: EncryptedKeyData,
  password: string | Uint8Array,
  what: string,
): Promise<Uint8Array> {
  const key = await scryptKey(password, data.kdf.salt, data.kdf.params);
  const plain = secretboxOpen(data.ciphertext, data.cipher.nonce, key);
  if (!plain) {
    throw new LupineError('SIGN_BAD_PASSWORD', `${what}: decryption failed (wrong password or damaged key)`, {
      details: { key: what },
      hint: 'set COSIGN_PASSWORD to the password the key was written with',
    });
  }
  return plain;
}

/** A PEM block with 64-character lines, as Go's pem.Encode writes it. */
export function encodePem(type: string, body: Uint8Array): string {
  const b64 = Buffer.from(body).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/** The first PEM block of a text: its type and decoded body. */
export function decodePem(text: string, what: string): { type: string; body: Buffer } {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) throw badKey(what, 'no PEM block');
  const b64 = (m[2] as string).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw badKey(what, 'the PEM body is not base64');
  return { type: m[1] as string, body: Buffer.from(b64, 'base64') };
}
