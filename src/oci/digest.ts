import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { LupineError } from '../core/index.js';

/** A content digest as OCI writes it: `sha256:<64 hex>`. */
export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: string): value is Digest {
  return DIGEST_RE.test(value);
}

/** Checks a digest string; only sha256 is accepted (the algorithm every registry and apko use). */
export function parseDigest(value: string): Digest {
  if (!isDigest(value)) {
    throw new LupineError('OCI_BAD_DIGEST', `"${value}" is not a sha256 digest`, {
      details: { digest: value },
      hint: 'a digest looks like sha256: followed by 64 lowercase hex digits',
    });
  }
  return value;
}

/** The hex part of a digest (the blob's file name under blobs/sha256/). */
export function digestHex(d: Digest): string {
  return d.slice('sha256:'.length);
}

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Hashes while bytes stream past, counting them too. */
export class DigestingCounter {
  #hash: Hash = createHash('sha256');
  #size = 0;
  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
  }
  get size(): number {
    return this.#size;
  }
  /** The digest of everything seen; call once. */
  digest(): Digest {
    return `sha256:${this.#hash.digest('hex')}`;
  }
}

/** The digest and size of any async stream of chunks (a file, a response body). */
export async function digestStream(chunks: AsyncIterable<Uint8Array>): Promise<{ digest: Digest; size: number }> {
  const c = new DigestingCounter();
  for await (const chunk of chunks) c.update(chunk);
  return { digest: c.digest(), size: c.size };
}

export async function digestFile(path: string): Promise<{ digest: Digest; size: number }> {
  return digestStream(createReadStream(path));
}

/** Throws OCI_DIGEST_MISMATCH unless `data` hashes to `expected`. */
export function verifyDigest(data: Uint8Array, expected: Digest, what: string): void {
  const actual = sha256Digest(data);
  if (actual !== expected) {
    throw new LupineError('OCI_DIGEST_MISMATCH', `${what} hashes to ${actual}, expected ${expected}`, {
      details: { expected, actual },
      hint: 'the content was damaged in transit or on disk; fetch or build it again',
    });
  }
}
