import { createSign, createVerify, type KeyObject } from 'node:crypto';

/** apk's signature kinds: RSA (PKCS#1 v1.5) over SHA-1, SHA-256 or SHA-512; legacy DSA over SHA-1. */
export type SignatureAlgorithm = 'RSA' | 'RSA256' | 'RSA512' | 'DSA';

/** A `.SIGN.<ALG>.<keyname>` entry of a package or index signature member. */
export interface SignatureEntry {
  readonly algorithm: SignatureAlgorithm;
  /** The public key's file name, e.g. `alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub`. */
  readonly keyName: string;
  readonly signature: Buffer;
}

/** Trusted public keys by file name (the name used in `.SIGN.*.<keyname>`). */
export type Keyring = ReadonlyMap<string, KeyObject>;

const HASH: Record<SignatureAlgorithm, string> = { RSA: 'sha1', RSA256: 'sha256', RSA512: 'sha512', DSA: 'sha1' };

/** Splits `.SIGN.RSA256.melange.rsa.pub`; undefined for a name that is not a signature of a known kind. */
export function parseSignatureName(name: string): { algorithm: SignatureAlgorithm; keyName: string } | undefined {
  const m = /^\.SIGN\.(RSA|RSA256|RSA512|DSA)\.(.+)$/.exec(name);
  if (!m) return undefined;
  return { algorithm: m[1] as SignatureAlgorithm, keyName: m[2] as string };
}

export function signatureEntryName(algorithm: SignatureAlgorithm, keyName: string): string {
  return `.SIGN.${algorithm}.${keyName}`;
}

/** What `openssl dgst -<hash> -sign key` produces over `data`. */
export function signBytes(data: Uint8Array, key: KeyObject, algorithm: SignatureAlgorithm = 'RSA256'): Buffer {
  const s = createSign(HASH[algorithm]);
  s.update(data);
  return s.sign(key);
}

export function verifyBytes(
  data: Uint8Array,
  signature: Uint8Array,
  key: KeyObject,
  algorithm: SignatureAlgorithm,
): boolean {
  try {
    const v = createVerify(HASH[algorithm]);
    v.update(data);
    return v.verify(key, signature);
  } catch {
    return false;
  }
}

/**
 * apk's rule: skip entries whose key is not trusted (and bodies over 64 KiB); the first entry whose key
 * is present decides, with no fallback to later entries.
 */
export function chooseSignature(entries: readonly SignatureEntry[], keys: Keyring): SignatureEntry | undefined {
  return entries.find((e) => e.signature.length <= 65536 && keys.has(e.keyName));
}
