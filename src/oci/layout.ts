import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LupineError } from '../core/index.js';
import { type Digest, digestHex, parseDigest, sha256Digest, verifyDigest } from './digest.js';
import { encodeIndex, type ImageIndex, parseIndex } from './image-index.js';

/** The `oci-layout` file exactly as go-containerregistry (and so apko) writes it. */
export const OCI_LAYOUT_FILE = Buffer.from('{\n    "imageLayoutVersion": "1.0.0"\n}');

export function blobPath(dir: string, d: Digest): string {
  return join(dir, 'blobs', 'sha256', digestHex(d));
}

/** Writes `bytes` to `path` through a temporary file and a rename, so a reader never sees half a file. */
async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(tmp, bytes, { mode: 0o644 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw ioError(`cannot write ${path}`, err, path);
  }
}

function ioError(message: string, cause: unknown, path: string): LupineError {
  return new LupineError('IO_ERROR', `${message}: ${(cause as Error).message}`, { cause, details: { path } });
}

/** Creates the layout skeleton (`oci-layout`, `blobs/sha256/`) if it is not there. */
export async function initLayout(dir: string): Promise<void> {
  try {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  } catch (err) {
    throw ioError(`cannot create the OCI layout ${dir}`, err, dir);
  }
  const marker = join(dir, 'oci-layout');
  const existing = await readFile(marker).catch(() => undefined);
  if (!existing?.equals(OCI_LAYOUT_FILE)) await writeAtomic(marker, OCI_LAYOUT_FILE);
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/**
 * Stores a blob under its digest and returns the digest. A blob already present with the right size is
 * left alone (blobs are content-addressed), so writing the same image twice changes nothing.
 */
export async function writeBlob(dir: string, bytes: Uint8Array, expected?: Digest): Promise<Digest> {
  const d = sha256Digest(bytes);
  if (expected !== undefined && expected !== d) verifyDigest(bytes, expected, 'blob');
  const path = blobPath(dir, d);
  if ((await sizeOf(path)) === bytes.length) return d;
  await writeAtomic(path, bytes);
  return d;
}

export async function hasBlob(dir: string, d: Digest): Promise<boolean> {
  return (await sizeOf(blobPath(dir, d))) !== undefined;
}

/** Reads a blob and checks its digest (unless `verify` is false). */
export async function readBlob(dir: string, d: Digest, verify = true): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(blobPath(dir, d));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LupineError('OCI_BLOB_UNKNOWN', `blob ${d} is not in the layout ${dir}`, {
        details: { digest: d, layout: dir },
        hint: 'the layout is incomplete; write it again',
      });
    }
    throw ioError(`cannot read blob ${d}`, err, dir);
  }
  if (verify) verifyDigest(bytes, d, `blob ${d} in ${dir}`);
  return bytes;
}

/** Every blob digest in the layout, sorted. */
export async function listBlobs(dir: string): Promise<Digest[]> {
  const names = await readdir(join(dir, 'blobs', 'sha256')).catch(() => [] as string[]);
  return names
    .filter((n) => /^[a-f0-9]{64}$/.test(n))
    .sort()
    .map((n) => parseDigest(`sha256:${n}`));
}

/** Writes `index.json` (atomically; canonical bytes) and returns the bytes written. */
export async function writeIndexJson(dir: string, index: ImageIndex | Uint8Array): Promise<Buffer> {
  const bytes = index instanceof Uint8Array ? Buffer.from(index) : encodeIndex(index);
  parseIndex(bytes);
  const path = join(dir, 'index.json');
  const existing = await readFile(path).catch(() => undefined);
  if (!existing?.equals(bytes)) await writeAtomic(path, bytes);
  return bytes;
}

export interface LayoutContents {
  readonly index: ImageIndex;
  readonly indexBytes: Buffer;
}

/** Reads and checks a layout's `oci-layout` and `index.json`. */
export async function readLayout(dir: string): Promise<LayoutContents> {
  const bad = (problem: string, cause?: unknown) =>
    new LupineError('OCI_LAYOUT_INVALID', `${dir} is not an OCI image layout: ${problem}`, {
      cause,
      details: { layout: dir },
      hint: 'point at a directory holding oci-layout, index.json and blobs/',
    });
  let marker: unknown;
  try {
    marker = JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8'));
  } catch (err) {
    throw bad('oci-layout is missing or not JSON', err);
  }
  if ((marker as { imageLayoutVersion?: unknown })?.imageLayoutVersion !== '1.0.0')
    throw bad('imageLayoutVersion is not 1.0.0');
  let indexBytes: Buffer;
  try {
    indexBytes = await readFile(join(dir, 'index.json'));
  } catch (err) {
    throw bad('index.json is missing', err);
  }
  return { index: parseIndex(indexBytes), indexBytes };
}

/** A blob to put in a layout. */
export interface LayoutBlob {
  readonly bytes: Uint8Array;
}

/** Writes a whole layout: skeleton, every blob, then index.json last (so a reader never sees dangling entries). */
export async function writeLayout(
  dir: string,
  input: { readonly blobs: Iterable<LayoutBlob>; readonly index: ImageIndex },
): Promise<Buffer> {
  await initLayout(dir);
  for (const b of input.blobs) await writeBlob(dir, b.bytes);
  for (const m of input.index.manifests) {
    if (!(await hasBlob(dir, m.digest))) {
      throw new LupineError('OCI_BLOB_UNKNOWN', `index.json names ${m.digest}, which was not written`, {
        details: { digest: m.digest },
        hint: 'pass every manifest and index blob the index refers to',
      });
    }
  }
  return writeIndexJson(dir, input.index);
}
