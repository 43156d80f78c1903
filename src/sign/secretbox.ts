/**
 * NaCl secretbox (XSalsa20-Poly1305), as golang.org/x/crypto/nacl/secretbox writes it: the box is the
 * 16-byte Poly1305 tag followed by the ciphertext. Node's crypto has neither Salsa20 nor a raw
 * Poly1305; the cipher comes from `@noble/ciphers` (audited, constant-time), not from our own code.
 */
import { xsalsa20, xsalsa20poly1305 } from '@noble/ciphers/salsa';

export const SECRETBOX_KEY_BYTES = 32;
export const SECRETBOX_NONCE_BYTES = 24;
export const SECRETBOX_TAG_BYTES = 16;

/** XSalsa20 keystream XORed over `data` (the same call encrypts and decrypts). */
export function xsalsa20Xor(key: Uint8Array, nonce: Uint8Array, data: Uint8Array): Uint8Array {
  checkLength(key, SECRETBOX_KEY_BYTES, 'key');
  checkLength(nonce, SECRETBOX_NONCE_BYTES, 'nonce');
  return xsalsa20(key, nonce, data);
}

/** Seals `message`: tag || ciphertext, 16 bytes longer than the message. */
export function secretboxSeal(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  checkLength(key, SECRETBOX_KEY_BYTES, 'key');
  checkLength(nonce, SECRETBOX_NONCE_BYTES, 'nonce');
  return xsalsa20poly1305(key, nonce).encrypt(message);
}

/** Opens a box; undefined when it is too short or its tag does not match (wrong key or tampered). */
export function secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  checkLength(key, SECRETBOX_KEY_BYTES, 'key');
  checkLength(nonce, SECRETBOX_NONCE_BYTES, 'nonce');
  if (box.length < SECRETBOX_TAG_BYTES) return undefined;
  try {
    return xsalsa20poly1305(key, nonce).decrypt(box);
  } catch {
    return undefined; // the library throws on a tag mismatch: wrong key, wrong nonce or tampered
  }
}

function checkLength(b: Uint8Array, n: number, what: string): void {
  if (b.length !== n) throw new RangeError(`${what} must be ${n} bytes, got ${b.length}`);
}
