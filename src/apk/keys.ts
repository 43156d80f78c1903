import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { basename } from 'node:path';
import { LupineError } from '../core/index.js';

export interface RsaKeyPair {
  /** PKCS#1 `BEGIN RSA PRIVATE KEY` PEM, as abuild-keygen and melange write. */
  readonly privatePem: string;
  /** SubjectPublicKeyInfo `BEGIN PUBLIC KEY` PEM, as /etc/apk/keys holds. */
  readonly publicPem: string;
}

export async function generateRsaKeyPair(bits = 4096): Promise<RsaKeyPair> {
  if (!Number.isInteger(bits) || bits < 2048 || bits > 16384) {
    throw new LupineError('USAGE', `an RSA key of ${bits} bits is not supported`, {
      hint: 'use --bits 2048, 3072 or 4096',
    });
  }
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: bits,
        publicExponent: 65537,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      },
      (err, publicPem, privatePem) => (err ? reject(err) : resolve({ privatePem, publicPem })),
    );
  });
}

export function parsePrivateKey(pem: string | Uint8Array, source: string): KeyObject {
  try {
    const k = createPrivateKey({ key: Buffer.from(pem), format: 'pem' });
    if (k.asymmetricKeyType !== 'rsa') throw new Error(`a ${k.asymmetricKeyType} key`);
    return k;
  } catch (err) {
    throw new LupineError(
      'APK_BAD_KEY',
      `${source} is not an RSA private key in PEM form (${(err as Error).message})`,
      {
        cause: err,
        details: { path: source },
        hint: "make one with 'lupine keygen NAME'",
      },
    );
  }
}

export function parsePublicKey(pem: string | Uint8Array, source: string): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(pem), format: 'pem' });
  } catch (err) {
    throw new LupineError('APK_BAD_KEY', `${source} is not a public key in PEM form (${(err as Error).message})`, {
      cause: err,
      details: { path: source },
      hint: 'apk keys are PEM files beginning with -----BEGIN PUBLIC KEY-----',
    });
  }
}

/**
 * The key name a signature made with this private key file carries: the public key's file name,
 * `<basename>.pub` (melange, abuild: `foo.rsa` → `foo.rsa.pub`).
 */
export function keyNameForPrivateKey(path: string): string {
  const b = basename(path);
  return b.endsWith('.pub') ? b : `${b}.pub`;
}
