import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, scryptSync } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  COSIGN_SCRYPT,
  decodePem,
  encodePem,
  encryptCosignPrivateKey,
  generateCosignKeyPair,
  keySigner,
  loadCosignPrivateKey,
  loadPublicKey,
  publicKeyPem,
  SIGSTORE_PRIVATE_KEY_PEM,
  secretboxOpen,
  verifySignature,
} from '../../../src/sign/index.js';
import { assertCode, assertCodeSync } from '../../helpers/assert-code.js';

// A key written by `cosign generate-key-pair` with an empty password (old PEM type, N=32768), and the
// cosign.pub printed beside it, as published in a public test (edgelesssys/constellation,
// cli config fetch-measurements test).
const COSIGN_KEY_EMPTY_PASSWORD = `-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----
eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjozMjc2OCwiciI6
OCwicCI6MX0sInNhbHQiOiJlRHVYMWRQMGtIWVRnK0xkbjcxM0tjbFVJaU92eFVX
VXgvNi9BbitFVk5BPSJ9LCJjaXBoZXIiOnsibmFtZSI6Im5hY2wvc2VjcmV0Ym94
Iiwibm9uY2UiOiJwaWhLL2txNmFXa2hqSVVHR3RVUzhTVkdHTDNIWWp4TCJ9LCJj
aXBoZXJ0ZXh0Ijoidm81SHVWRVFWcUZ2WFlQTTVPaTVaWHM5a255bndZU2dvcyth
VklIeHcrOGFPamNZNEtvVjVmL3lHRHR0K3BHV2toanJPR1FLOWdBbmtsazFpQ0c5
a2czUXpPQTZsU2JRaHgvZlowRVRZQ0hLeElncEdPRVRyTDlDenZDemhPZXVSOXJ6
TDcvRjBBVy9vUDVqZXR3dmJMNmQxOEhjck9kWE8yVmYxY2w0YzNLZjVRcnFSZzlN
dlRxQWFsNXJCNHNpY1JaMVhpUUJjb0YwNHc9PSJ9
-----END ENCRYPTED COSIGN PRIVATE KEY-----
`;
const COSIGN_PUB_EMPTY_PASSWORD = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEu78QgxOOcao6U91CSzEXxrKhvFTt
JHNy+eX6EMePtDm8CnDF9HSwnTlD0itGJ/XHPQA5YX10fJAqI1y+ehlFMw==
-----END PUBLIC KEY-----
`;

// A newer cosign key (SIGSTORE PEM type, scrypt N=65536) with the password published beside it.
const SIGSTORE_KEY_WITH_PASSWORD = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----
eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjo2NTUzNiwiciI6
OCwicCI6MX0sInNhbHQiOiI2ZDRHWHJOMFE5MkJqSVk5d2ZOMHMxTXV4YWtML3NC
bEFGWW9FaUV2eFdJPSJ9LCJjaXBoZXIiOnsibmFtZSI6Im5hY2wvc2VjcmV0Ym94
Iiwibm9uY2UiOiI3ZCtTWHd1T29GYXpQN2ZOU3ZoeWRGV2Q2TWI0cDZ5OCJ9LCJj
aXBoZXJ0ZXh0IjoiWk5kY090b3BPQjNsZ3BkeE1Ba1dEZlFYT0tLR1FvMVA3RGtJ
ZDArRU5VWkRwQ3lmVThoWnVXZ0hMclZ0OEI4RXNWNHBLTlh1dTJYZEcwV3VNR0tq
YUJwcU5PMy9VTzIyM1FKRlN1bmN2enlnTFJIQXZ3c2tZUzZNeGhVTjFyY2NER2JF
dnJiRWRHZndwZ3RoSllMa3hCNzhFdm0ybjV3NEJSemZzWmVUSnpPQSt0MWY2cDBE
M0t6UkgwQVUwKzl3L3lvb1dOejhwbVR2WHc9PSJ9
-----END ENCRYPTED SIGSTORE PRIVATE KEY-----
`;

function keyJson(pem: string): Record<string, unknown> {
  return JSON.parse(decodePem(pem, 'key').body.toString('utf8')) as Record<string, unknown>;
}

describe('cosign keys written by cosign', () => {
  test('a cosign generate-key-pair key (empty password) decrypts to the private key of its cosign.pub', async () => {
    const key = await loadCosignPrivateKey(COSIGN_KEY_EMPTY_PASSWORD, '');
    assert.equal(publicKeyPem(createPublicKey(key)), COSIGN_PUB_EMPTY_PASSWORD);
  });

  test('a SIGSTORE key with N=65536 opens with its password and not with another', async () => {
    const key = await loadCosignPrivateKey(SIGSTORE_KEY_WITH_PASSWORD, 'bluebuild-temp-password');
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    await assertCode(
      () => loadCosignPrivateKey(SIGSTORE_KEY_WITH_PASSWORD, 'bluebuild-temp-passwore'),
      'SIGN_BAD_PASSWORD',
    );
    await assertCode(() => loadCosignPrivateKey(COSIGN_KEY_EMPTY_PASSWORD, 'x'), 'SIGN_BAD_PASSWORD');
  });
});

describe('cosign keys written by lupine', () => {
  test('cosign.key decrypts with its password, not with a wrong one, and matches cosign.pub', async () => {
    const pair = await generateCosignKeyPair('correct horse');
    const key = await loadCosignPrivateKey(pair.privateKeyPem, 'correct horse');
    assert.equal(publicKeyPem(createPublicKey(key)), pair.publicKeyPem);
    await assertCode(() => loadCosignPrivateKey(pair.privateKeyPem, 'correct horsE'), 'SIGN_BAD_PASSWORD');
    await assertCode(() => loadCosignPrivateKey(pair.privateKeyPem, ''), 'SIGN_BAD_PASSWORD');
  });

  test('PEM and JSON structure: the fields, order and sizes go-securesystemslib writes', async () => {
    const pair = await generateCosignKeyPair('pw');
    const lines = pair.privateKeyPem.trimEnd().split('\n');
    assert.equal(lines[0], '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----');
    assert.equal(lines.at(-1), '-----END ENCRYPTED SIGSTORE PRIVATE KEY-----');
    for (const l of lines.slice(1, -2)) assert.equal(l.length, 64);
    const body = decodePem(pair.privateKeyPem, 'key').body.toString('utf8');
    assert.match(
      body,
      /^\{"kdf":\{"name":"scrypt","params":\{"N":32768,"r":8,"p":1\},"salt":"[A-Za-z0-9+/]{43}="\},"cipher":\{"name":"nacl\/secretbox","nonce":"[A-Za-z0-9+/]{32}"\},"ciphertext":"[A-Za-z0-9+/=]+"\}$/,
    );
    const j = keyJson(pair.privateKeyPem) as {
      kdf: { salt: string };
      cipher: { nonce: string };
      ciphertext: string;
    };
    const salt = Buffer.from(j.kdf.salt, 'base64');
    const nonce = Buffer.from(j.cipher.nonce, 'base64');
    const ciphertext = Buffer.from(j.ciphertext, 'base64');
    assert.equal(salt.length, 32);
    assert.equal(nonce.length, 24);
    // Open it with node's scrypt directly: the plaintext is the PKCS#8 DER of a P-256 key, 16 bytes shorter.
    const boxKey = scryptSync('pw', salt, 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const der = secretboxOpen(ciphertext, nonce, boxKey);
    assert.ok(der);
    assert.equal(der.length, ciphertext.length - 16);
    const priv = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
    assert.equal(priv.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(publicKeyPem(createPublicKey(priv)), pair.publicKeyPem);
    assert.match(pair.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
  });

  test('encryption is a function of key, password, salt and nonce', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const opts = { salt: Buffer.alloc(32, 7), nonce: Buffer.alloc(24, 9) };
    const a = await encryptCosignPrivateKey(privateKey, 'pw', opts);
    assert.equal(a, await encryptCosignPrivateKey(privateKey, 'pw', opts));
    assert.notEqual(a, await encryptCosignPrivateKey(privateKey, 'pw2', opts));
    assert.equal(COSIGN_SCRYPT.N, 32768);
  });

  test('tampered parameters, cipher, PEM type and ciphertext are refused', async () => {
    const pair = await generateCosignKeyPair('pw');
    const j = keyJson(pair.privateKeyPem) as {
      kdf: { params: { N: number } };
      cipher: { name: string };
      ciphertext: string;
    };
    const rewrap = (o: unknown, type = SIGSTORE_PRIVATE_KEY_PEM) => encodePem(type, Buffer.from(JSON.stringify(o)));
    await assertCode(
      () => loadCosignPrivateKey(rewrap({ ...j, kdf: { ...j.kdf, params: { N: 1 << 20, r: 8, p: 1 } } }), 'pw'),
      'SIGN_BAD_KEY',
    );
    await assertCode(
      () => loadCosignPrivateKey(rewrap({ ...j, cipher: { ...j.cipher, name: 'aes-gcm' } }), 'pw'),
      'SIGN_BAD_KEY',
    );
    await assertCode(() => loadCosignPrivateKey(rewrap(j, 'EC PRIVATE KEY'), 'pw'), 'SIGN_BAD_KEY');
    await assertCode(() => loadCosignPrivateKey('not a key', 'pw'), 'SIGN_BAD_KEY');
    const ct = Buffer.from(j.ciphertext, 'base64');
    ct[20] = (ct[20] as number) ^ 1;
    await assertCode(
      () => loadCosignPrivateKey(rewrap({ ...j, ciphertext: ct.toString('base64') }), 'pw'),
      'SIGN_BAD_PASSWORD',
    );
  });
});

describe('signing and verifying bytes', () => {
  test('ECDSA P-256 SHA-256 DER signatures verify with the public key only', async () => {
    const pair = await generateCosignKeyPair('');
    const other = await generateCosignKeyPair('');
    const signer = keySigner(await loadCosignPrivateKey(pair.privateKeyPem, ''));
    assert.equal(signer.publicKeyPem, pair.publicKeyPem);
    const data = Buffer.from('payload');
    const sig = await signer.sign(data);
    assert.equal(sig[0], 0x30); // ASN.1 SEQUENCE
    assert.equal(verifySignature(loadPublicKey(pair.publicKeyPem), data, sig), true);
    assert.equal(verifySignature(loadPublicKey(pair.publicKeyPem), Buffer.from('payloae'), sig), false);
    assert.equal(verifySignature(loadPublicKey(other.publicKeyPem), data, sig), false);
    assert.equal(verifySignature(loadPublicKey(pair.publicKeyPem), data, Buffer.from('junk')), false);
  });

  test('a public key that is not P-256 is refused', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });
    assertCodeSync(() => loadPublicKey(rsa.toString()), 'SIGN_BAD_KEY');
    assertCodeSync(() => loadPublicKey('nope'), 'SIGN_BAD_KEY');
  });
});
