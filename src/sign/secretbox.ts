/**
 * NaCl secretbox (XSalsa20-Poly1305), as golang.org/x/crypto/nacl/secretbox writes it: the box is the
 * 16-byte Poly1305 tag followed by the ciphertext. Node's crypto has neither Salsa20 nor a raw
 * Poly1305, so both are here: Salsa20/20 and HSalsa20 over 32-bit words, Poly1305 over 2^130-5.
 *
 * Poly1305 uses BigInt arithmetic, which is not constant-time; the only secret it handles is the
 * one-time key of a local key file being opened. The tag comparison is constant-time.
 */
import { timingSafeEqual } from 'node:crypto';

export const SECRETBOX_KEY_BYTES = 32;
export const SECRETBOX_NONCE_BYTES = 24;
export const SECRETBOX_TAG_BYTES = 16;

/** "expand 32-byte k" as four little-endian words. */
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] as const;

function load32(b: Uint8Array, i: number): number {
  return (
    ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24)) >>> 0
  );
}

function store32(b: Uint8Array, i: number, v: number): void {
  b[i] = v & 0xff;
  b[i + 1] = (v >>> 8) & 0xff;
  b[i + 2] = (v >>> 16) & 0xff;
  b[i + 3] = (v >>> 24) & 0xff;
}

function rotl(v: number, n: number): number {
  return ((v << n) | (v >>> (32 - n))) >>> 0;
}

/** The 16-word input block: constants on the diagonal, key, and 16 bytes of nonce/counter. */
function initialState(key: Uint8Array, input: Uint8Array): Uint32Array {
  const x = new Uint32Array(16);
  x[0] = SIGMA[0];
  x[5] = SIGMA[1];
  x[10] = SIGMA[2];
  x[15] = SIGMA[3];
  for (let i = 0; i < 4; i++) {
    x[1 + i] = load32(key, 4 * i);
    x[11 + i] = load32(key, 16 + 4 * i);
    x[6 + i] = load32(input, 4 * i);
  }
  return x;
}

/** 20 rounds (10 double rounds) of the Salsa20 permutation, in place. */
function doubleRounds(x: Uint32Array): void {
  const qr = (a: number, b: number, c: number, d: number) => {
    x[b] = (x[b] as number) ^ rotl(((x[a] as number) + (x[d] as number)) >>> 0, 7);
    x[c] = (x[c] as number) ^ rotl(((x[b] as number) + (x[a] as number)) >>> 0, 9);
    x[d] = (x[d] as number) ^ rotl(((x[c] as number) + (x[b] as number)) >>> 0, 13);
    x[a] = (x[a] as number) ^ rotl(((x[d] as number) + (x[c] as number)) >>> 0, 18);
  };
  for (let i = 0; i < 10; i++) {
    // columns
    qr(0, 4, 8, 12);
    qr(5, 9, 13, 1);
    qr(10, 14, 2, 6);
    qr(15, 3, 7, 11);
    // rows
    qr(0, 1, 2, 3);
    qr(5, 6, 7, 4);
    qr(10, 11, 8, 9);
    qr(15, 12, 13, 14);
  }
}

/** Salsa20/20 core: 64 bytes of keystream for a 32-byte key and 16 bytes of nonce || counter. */
export function salsa20Block(key: Uint8Array, input: Uint8Array): Uint8Array {
  const init = initialState(key, input);
  const x = init.slice();
  doubleRounds(x);
  const out = new Uint8Array(64);
  for (let i = 0; i < 16; i++) store32(out, 4 * i, ((x[i] as number) + (init[i] as number)) >>> 0);
  return out;
}

/** HSalsa20: derives a 32-byte subkey from a key and 16 bytes of input (no feed-forward). */
export function hsalsa20(key: Uint8Array, input: Uint8Array): Uint8Array {
  checkLength(key, 32, 'HSalsa20 key');
  checkLength(input, 16, 'HSalsa20 input');
  const x = initialState(key, input);
  doubleRounds(x);
  const out = new Uint8Array(32);
  const words = [0, 5, 10, 15, 6, 7, 8, 9];
  words.forEach((w, i) => {
    store32(out, 4 * i, x[w] as number);
  });
  return out;
}

/** XORs `data` with the XSalsa20 keystream (key 32 bytes, nonce 24 bytes), starting at block 0. */
export function xsalsa20Xor(key: Uint8Array, nonce: Uint8Array, data: Uint8Array): Uint8Array {
  checkLength(key, 32, 'XSalsa20 key');
  checkLength(nonce, 24, 'XSalsa20 nonce');
  const subkey = hsalsa20(key, nonce.subarray(0, 16));
  const input = new Uint8Array(16);
  input.set(nonce.subarray(16, 24), 0);
  const out = new Uint8Array(data.length);
  let counter = 0n;
  for (let off = 0; off < data.length; off += 64) {
    for (let i = 0; i < 8; i++) input[8 + i] = Number((counter >> BigInt(8 * i)) & 0xffn);
    const block = salsa20Block(subkey, input);
    const n = Math.min(64, data.length - off);
    for (let i = 0; i < n; i++) out[off + i] = (data[off + i] as number) ^ (block[i] as number);
    counter++;
  }
  return out;
}

const P1305 = (1n << 130n) - 5n;

function leBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
  return v;
}

/** One-time authenticator Poly1305 (RFC 8439 §2.5) with a 32-byte key r || s. */
export function poly1305(key: Uint8Array, message: Uint8Array): Uint8Array {
  checkLength(key, 32, 'Poly1305 key');
  const r = leBigInt(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = leBigInt(key.subarray(16, 32));
  let acc = 0n;
  for (let off = 0; off < message.length; off += 16) {
    const chunk = message.subarray(off, Math.min(off + 16, message.length));
    const n = leBigInt(chunk) | (1n << BigInt(8 * chunk.length));
    acc = ((acc + n) * r) % P1305;
  }
  acc = (acc + s) & ((1n << 128n) - 1n);
  const tag = new Uint8Array(16);
  for (let i = 0; i < 16; i++) tag[i] = Number((acc >> BigInt(8 * i)) & 0xffn);
  return tag;
}

/** Seals `message`: tag || ciphertext, 16 bytes longer than the message. */
export function secretboxSeal(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  const stream = xsalsa20Xor(key, nonce, concat(new Uint8Array(32), message));
  const polyKey = stream.subarray(0, 32);
  const ciphertext = stream.subarray(32);
  const out = new Uint8Array(SECRETBOX_TAG_BYTES + ciphertext.length);
  out.set(poly1305(polyKey, ciphertext), 0);
  out.set(ciphertext, SECRETBOX_TAG_BYTES);
  return out;
}

/** Opens a box; undefined when it is too short or its tag does not match (wrong key or tampered). */
export function secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  if (box.length < SECRETBOX_TAG_BYTES) return undefined;
  const tag = box.subarray(0, SECRETBOX_TAG_BYTES);
  const ciphertext = box.subarray(SECRETBOX_TAG_BYTES);
  const polyKey = xsalsa20Xor(key, nonce, new Uint8Array(32));
  const expected = poly1305(polyKey, ciphertext);
  if (!timingSafeEqual(expected, tag)) return undefined;
  const plain = xsalsa20Xor(key, nonce, concat(new Uint8Array(32), ciphertext));
  return plain.subarray(32);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function checkLength(b: Uint8Array, n: number, what: string): void {
  if (b.length !== n) throw new RangeError(`${what} must be ${n} bytes, got ${b.length}`);
}
