/**
 * The content-addressed source store: `<store>/sha256/<hex>` (and `sha512/<hex>`) holds a source
 * archive under the checksum of its bytes. Sources are identified by checksum only: a file whose
 * bytes do not hash to its name is refused. Writes are atomic (a temporary file renamed into place).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LupineError } from '../../core/index.js';

export type SourceAlgorithm = 'sha256' | 'sha512';

/** A source's pinned checksum, as a recipe's `fetch` step names it. */
export interface SourceChecksum {
  readonly algorithm: SourceAlgorithm;
  readonly hex: string;
}

const HEX_LENGTH: Record<SourceAlgorithm, number> = { sha256: 64, sha512: 128 };

export function isChecksum(algorithm: SourceAlgorithm, hex: string): boolean {
  return new RegExp(`^[0-9a-f]{${HEX_LENGTH[algorithm]}}$`).test(hex);
}

export function hashBytes(algorithm: SourceAlgorithm, bytes: Uint8Array): string {
  return createHash(algorithm).update(bytes).digest('hex');
}

export async function hashFile(algorithm: SourceAlgorithm, path: string): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const exists = (p: string) =>
  stat(p).then(
    (s) => s.isFile(),
    () => false,
  );

export class SourceStore {
  constructor(readonly dir: string) {}

  path(c: SourceChecksum): string {
    return join(this.dir, c.algorithm, c.hex);
  }

  /** The stored file when present and its bytes match its name; a mismatch is SOURCE_CHECKSUM_MISMATCH. */
  async lookup(c: SourceChecksum, what: string): Promise<string | undefined> {
    const p = this.path(c);
    if (!(await exists(p))) return undefined;
    const actual = await hashFile(c.algorithm, p);
    if (actual !== c.hex) {
      throw new LupineError(
        'SOURCE_CHECKSUM_MISMATCH',
        `the source store's copy of ${what} is damaged: ${p} has ${c.algorithm} ${actual}, its name says ${c.hex}`,
        {
          details: { path: p, expected: `${c.algorithm}:${c.hex}`, actual: `${c.algorithm}:${actual}` },
          hint: `remove ${p} and fetch the source again (lupine distro fetch, or a build with the network)`,
        },
      );
    }
    return p;
  }

  /** Stores bytes under their own checksum (both sha256 and, when asked, sha512); returns the path. */
  async put(bytes: Uint8Array, algorithm: SourceAlgorithm = 'sha256'): Promise<string> {
    const p = this.path({ algorithm, hex: hashBytes(algorithm, bytes) });
    if (await exists(p)) return p;
    await mkdir(dirname(p), { recursive: true });
    const tmp = `${p}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, p);
    } finally {
      await rm(tmp, { force: true });
    }
    return p;
  }

  /** Moves a file already hashed to `c` into the store (atomic rename; the source file is consumed). */
  async adopt(file: string, c: SourceChecksum): Promise<string> {
    const p = this.path(c);
    await mkdir(dirname(p), { recursive: true });
    await rename(file, p);
    return p;
  }
}

/** Makes `dest` a hard link to (or, across file systems, a copy of) `src`, replacing what was there. */
export async function linkOrCopy(src: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await link(src, tmp).catch(() => copyFile(src, tmp));
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}
