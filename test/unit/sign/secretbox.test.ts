import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  hsalsa20,
  poly1305,
  salsa20Block,
  secretboxOpen,
  secretboxSeal,
  xsalsa20Xor,
} from '../../../src/sign/index.js';

const hex = (s: string) => Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex');
/** `,0x12,0x34` lists as libsodium's test files print them. */
const cbytes = (s: string) => Buffer.from((s.match(/0x[0-9a-f]{2}/gi) ?? []).map((x) => Number.parseInt(x, 16)));

// NaCl / libsodium test vectors (jedisct1/libsodium test/default/{core1,stream,secretbox_easy}.c and .exp).
const FIRSTKEY = cbytes(`0x1b,0x27,0x55,0x64,0x73,0xe9,0x85,0xd4,0x62,0xcd,0x51,0x19,0x7a,0x9a,0x46,0xc7
,0x60,0x09,0x54,0x9e,0xac,0x64,0x74,0xf2,0x06,0xc4,0xee,0x08,0x44,0xf6,0x83,0x89`);
const NONCE = cbytes(`0x69,0x69,0x6e,0xe9,0x55,0xb6,0x2b,0x73,0xcd,0x62,0xbd,0xa8,0x75,0xfc,0x73,0xd6
,0x82,0x19,0xe0,0x03,0x6b,0x7a,0x0b,0x37`);
const SHARED = cbytes(`0x4a,0x5d,0x9d,0x5b,0xa4,0xce,0x2d,0xe1,0x72,0x8e,0x3b,0xf4,0x80,0x35,0x0f,0x25
,0xe0,0x7e,0x21,0xc9,0x47,0xd1,0x9e,0x33,0x76,0xf0,0x9b,0x3c,0x1e,0x16,0x17,0x42`);
const MESSAGE = cbytes(`0xbe,0x07,0x5f,0xc5,0x3c,0x81,0xf2,0xd5,0xcf,0x14,0x13,0x16,0xeb,0xeb,0x0c,0x7b
,0x52,0x28,0xc5,0x2a,0x4c,0x62,0xcb,0xd4,0x4b,0x66,0x84,0x9b,0x64,0x24,0x4f,0xfc
,0xe5,0xec,0xba,0xaf,0x33,0xbd,0x75,0x1a,0x1a,0xc7,0x28,0xd4,0x5e,0x6c,0x61,0x29
,0x6c,0xdc,0x3c,0x01,0x23,0x35,0x61,0xf4,0x1d,0xb6,0x6c,0xce,0x31,0x4a,0xdb,0x31
,0x0e,0x3b,0xe8,0x25,0x0c,0x46,0xf0,0x6d,0xce,0xea,0x3a,0x7f,0xa1,0x34,0x80,0x57
,0xe2,0xf6,0x55,0x6a,0xd6,0xb1,0x31,0x8a,0x02,0x4a,0x83,0x8f,0x21,0xaf,0x1f,0xde
,0x04,0x89,0x77,0xeb,0x48,0xf5,0x9f,0xfd,0x49,0x24,0xca,0x1c,0x60,0x90,0x2e,0x52
,0xf0,0xa0,0x89,0xbc,0x76,0x89,0x70,0x40,0xe0,0x82,0xf9,0x37,0x76,0x38,0x48,0x64
,0x5e,0x07,0x05`);
const BOX = cbytes(`,0xf3,0xff,0xc7,0x70,0x3f,0x94,0x00,0xe5,0x2a,0x7d,0xfb,0x4b,0x3d,0x33,0x05,0xd9
,0x8e,0x99,0x3b,0x9f,0x48,0x68,0x12,0x73,0xc2,0x96,0x50,0xba,0x32,0xfc,0x76,0xce
,0x48,0x33,0x2e,0xa7,0x16,0x4d,0x96,0xa4,0x47,0x6f,0xb8,0xc5,0x31,0xa1,0x18,0x6a
,0xc0,0xdf,0xc1,0x7c,0x98,0xdc,0xe8,0x7b,0x4d,0xa7,0xf0,0x11,0xec,0x48,0xc9,0x72
,0x71,0xd2,0xc2,0x0f,0x9b,0x92,0x8f,0xe2,0x27,0x0d,0x6f,0xb8,0x63,0xd5,0x17,0x38
,0xb4,0x8e,0xee,0xe3,0x14,0xa7,0xcc,0x8a,0xb9,0x32,0x16,0x45,0x48,0xe5,0x26,0xae
,0x90,0x22,0x43,0x68,0x51,0x7a,0xcf,0xea,0xbd,0x6b,0xb3,0x73,0x2b,0xc0,0xe9,0xda
,0x99,0x83,0x2b,0x61,0xca,0x01,0xb6,0xde,0x56,0x24,0x4a,0x9e,0x88,0xd5,0xf9,0xb3
,0x79,0x73,0xf6,0x22,0xa4,0x3d,0x14,0xa6,0x59,0x9b,0x1f,0x65,0x4c,0xb4,0x5a,0x74
,0xe3,0x55,0xa5`);

describe('Salsa20 / XSalsa20 (NaCl vectors)', () => {
  test('HSalsa20 of the shared secret and a zero input is firstkey (core1)', () => {
    assert.equal(Buffer.from(hsalsa20(SHARED, new Uint8Array(16))).toString('hex'), FIRSTKEY.toString('hex'));
  });

  test('4 MiB of XSalsa20 keystream hashes to the libsodium stream vector', () => {
    const stream = xsalsa20Xor(FIRSTKEY, NONCE, new Uint8Array(4194304));
    assert.equal(
      createHash('sha256').update(stream).digest('hex'),
      '662b9d0e3463029156069b12f918691a98f7dfb2ca0393c96bbfc6b1fbd630a2',
    );
  });

  test('the keystream is continuous across the 64-byte block boundary and its counter', () => {
    const whole = xsalsa20Xor(FIRSTKEY, NONCE, new Uint8Array(200));
    const subkey = hsalsa20(FIRSTKEY, NONCE.subarray(0, 16));
    const input = new Uint8Array(16);
    input.set(NONCE.subarray(16), 0);
    input[8] = 2; // block counter 2, little-endian
    assert.deepEqual(Buffer.from(whole.subarray(128, 192)), Buffer.from(salsa20Block(subkey, input)));
  });

  test('XOR twice gives the input back', () => {
    const data = randomBytes(1000);
    const key = randomBytes(32);
    const nonce = randomBytes(24);
    assert.deepEqual(Buffer.from(xsalsa20Xor(key, nonce, xsalsa20Xor(key, nonce, data))), data);
  });

  test('wrong key and nonce sizes are refused', () => {
    assert.throws(() => xsalsa20Xor(new Uint8Array(31), NONCE, new Uint8Array(1)), RangeError);
    assert.throws(() => xsalsa20Xor(FIRSTKEY, new Uint8Array(23), new Uint8Array(1)), RangeError);
  });
});

describe('Poly1305', () => {
  test('RFC 8439 §2.5.2: "Cryptographic Forum Research Group"', () => {
    const key = hex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
    const tag = poly1305(key, Buffer.from('Cryptographic Forum Research Group'));
    assert.equal(Buffer.from(tag).toString('hex'), 'a8061dc1305136c6c22b8baf0c0127a9');
  });

  test('RFC 8439 A.3 #1: zero key, 64 zero bytes → zero tag', () => {
    assert.equal(Buffer.from(poly1305(new Uint8Array(32), new Uint8Array(64))).toString('hex'), '0'.repeat(32));
  });

  test('RFC 8439 A.3 edge cases (#5, #6, #9): carries and reduction mod 2^130-5', () => {
    const r2 = (s: string) => Buffer.concat([hex(`02${'00'.repeat(15)}`), hex(s)]);
    assert.equal(
      Buffer.from(poly1305(r2('00'.repeat(16)), hex('ff'.repeat(16)))).toString('hex'),
      `03${'00'.repeat(15)}`,
    );
    assert.equal(
      Buffer.from(poly1305(r2('ff'.repeat(16)), hex(`02${'00'.repeat(15)}`))).toString('hex'),
      `03${'00'.repeat(15)}`,
    );
    assert.equal(
      Buffer.from(poly1305(r2('00'.repeat(16)), hex(`fd${'ff'.repeat(15)}`))).toString('hex'),
      `fa${'ff'.repeat(15)}`,
    );
  });

  // OpenSSL's ChaCha20-Poly1305 tag is Poly1305 keyed by the first 32 bytes of the ChaCha20 block 0,
  // over aad || pad16 || ciphertext || pad16 || le64(len aad) || le64(len ct) (RFC 8439 §2.8).
  test('matches OpenSSL ChaCha20-Poly1305 tags for 0..200-byte messages', () => {
    const pad16 = (n: number) => Buffer.alloc((16 - (n % 16)) % 16);
    const le64 = (n: number) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(n));
      return b;
    };
    for (let len = 0; len <= 200; len += 7) {
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const aad = randomBytes(len % 23);
      const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
      c.setAAD(aad, { plaintextLength: len });
      const ct = Buffer.concat([c.update(randomBytes(len)), c.final()]);
      const openssl = c.getAuthTag();
      const block0 = createCipheriv('chacha20', key, Buffer.concat([Buffer.alloc(4), nonce])).update(Buffer.alloc(32));
      const macData = Buffer.concat([aad, pad16(aad.length), ct, pad16(ct.length), le64(aad.length), le64(ct.length)]);
      assert.equal(Buffer.from(poly1305(block0, macData)).toString('hex'), openssl.toString('hex'), `length ${len}`);
    }
  });
});

describe('secretbox (XSalsa20-Poly1305)', () => {
  test('seals the NaCl 131-byte message to the published 147-byte box', () => {
    const box = secretboxSeal(MESSAGE, NONCE, FIRSTKEY);
    assert.equal(box.length, 147);
    assert.equal(Buffer.from(box).toString('hex'), BOX.toString('hex'));
  });

  test('opens the published box', () => {
    assert.deepEqual(Buffer.from(secretboxOpen(BOX, NONCE, FIRSTKEY) ?? []), MESSAGE);
  });

  test('refuses a box with any one byte flipped, a wrong key, a wrong nonce or a short box', () => {
    for (const i of [0, 15, 16, 100, 146]) {
      const bad = Buffer.from(BOX);
      bad[i] = (bad[i] as number) ^ 1;
      assert.equal(secretboxOpen(bad, NONCE, FIRSTKEY), undefined, `byte ${i}`);
    }
    const key = Buffer.from(FIRSTKEY);
    key[0] = (key[0] as number) ^ 0x80;
    assert.equal(secretboxOpen(BOX, NONCE, key), undefined);
    const nonce = Buffer.from(NONCE);
    nonce[23] = (nonce[23] as number) ^ 1;
    assert.equal(secretboxOpen(BOX, nonce, FIRSTKEY), undefined);
    assert.equal(secretboxOpen(BOX.subarray(0, 15), NONCE, FIRSTKEY), undefined);
  });

  test('round-trips an empty message and odd lengths', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(24);
    for (const n of [0, 1, 31, 32, 33, 63, 64, 65, 500]) {
      const m = randomBytes(n);
      const box = secretboxSeal(m, nonce, key);
      assert.equal(box.length, n + 16);
      assert.deepEqual(Buffer.from(secretboxOpen(box, nonce, key) ?? [1]), m);
    }
  });
});
