import { createHash } from 'node:crypto';

export type HashAlgorithm = 'sha1' | 'sha256' | 'sha512';

export function digest(algorithm: HashAlgorithm, ...chunks: Uint8Array[]): Buffer {
  const h = createHash(algorithm);
  for (const c of chunks) h.update(c);
  return h.digest();
}

export function sha1Hex(data: Uint8Array | string): string {
  return createHash('sha1').update(data).digest('hex');
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
