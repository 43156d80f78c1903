/**
 * Opening what `lupine report IMAGE` names — an OCI layout directory, an oci-archive file or a registry
 * reference (pulled) — as a blob getter and the top descriptors (I/O edge).
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readTar } from '../archive/index.js';
import { type Limits, LupineError } from '../core/index.js';
import {
  type Descriptor,
  type Digest,
  parseIndex,
  pullImage,
  type Reference,
  type RegistryClient,
  readBlob,
  readLayout,
} from '../oci/index.js';
import type { BlobGetter } from '../scan/index.js';

export interface ImageSource {
  /** The image as named. */
  readonly name: string;
  readonly getBlob: BlobGetter;
  /** index.json's manifests, or the pulled top (an index or a manifest). */
  readonly top: readonly Descriptor[];
}

export interface OpenImageOptions {
  /** Base for relative paths. */
  readonly cwd: string;
  readonly limits?: Limits;
  /** Opens a registry reference; without it a name that is not a file is an error. */
  readonly openRegistry?: (name: string) => { readonly reference: Reference; readonly client: RegistryClient };
}

function badImage(name: string, problem: string, cause?: unknown): LupineError {
  return new LupineError('REPORT_BAD_IMAGE', `${name}: ${problem}`, {
    cause,
    details: { image: name },
    hint: 'name an OCI layout directory, an oci-archive file or an image reference (host/repo:tag)',
  });
}

async function kindOf(path: string): Promise<'dir' | 'file' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

function archiveSource(bytes: Buffer, name: string, limits: Limits | undefined): ImageSource {
  const files = new Map<string, Buffer>();
  for (const { entry, data } of readTar(bytes, limits ? { limits } : {}).items) {
    if (entry.type === 'file') files.set(entry.name.replace(/^\.\//, ''), data);
  }
  const indexJson = files.get('index.json');
  if (!files.has('oci-layout') || !indexJson) {
    const docker = files.has('manifest.json') ? ' (it looks like a docker-archive)' : '';
    throw badImage(name, `this tar is not an oci-archive${docker}`);
  }
  const getBlob = async (d: string): Promise<Buffer> => {
    const b = files.get(`blobs/sha256/${d.replace(/^sha256:/, '')}`);
    if (!b) throw new LupineError('OCI_BLOB_UNKNOWN', `blob ${d} is not in ${name}`, { details: { digest: d } });
    return b;
  };
  return { name, getBlob, top: parseIndex(indexJson).manifests };
}

async function registrySource(name: string, options: OpenImageOptions): Promise<ImageSource> {
  if (!options.openRegistry) throw badImage(name, 'no such file or directory');
  const { reference, client } = options.openRegistry(name);
  let pulled: Awaited<ReturnType<typeof pullImage>>;
  try {
    pulled = await pullImage(client, reference);
  } finally {
    client.close();
  }
  const blobs = new Map<string, Buffer>(pulled.blobs);
  blobs.set(pulled.digest, pulled.bytes);
  const getBlob = async (d: string): Promise<Buffer> => {
    const b = blobs.get(d);
    if (!b)
      throw new LupineError('OCI_BLOB_UNKNOWN', `blob ${d} was not pulled from ${name}`, { details: { digest: d } });
    return b;
  };
  return { name, getBlob, top: [{ mediaType: pulled.mediaType, digest: pulled.digest, size: pulled.bytes.length }] };
}

/** Opens an image by what is there: a layout directory, an oci-archive, else a registry reference. */
export async function openImage(name: string, options: OpenImageOptions): Promise<ImageSource> {
  const path = resolve(options.cwd, name);
  const kind = await kindOf(path);
  if (kind === 'dir') {
    if ((await kindOf(join(path, 'oci-layout'))) !== 'file')
      throw badImage(name, 'this directory is not an OCI layout');
    const { index } = await readLayout(path);
    return { name, getBlob: (d) => readBlob(path, d as Digest), top: index.manifests };
  }
  if (kind === 'file') {
    const bytes = await readFile(path);
    if (bytes.length >= 512 && bytes.subarray(257, 262).toString('latin1') === 'ustar') {
      return archiveSource(bytes, name, options.limits);
    }
    throw badImage(name, 'this file is not an oci-archive');
  }
  if (/^[./~]/.test(name) || !/[/:]/.test(name.replace(/^https?:\/\//, ''))) {
    throw badImage(name, 'no such file or directory');
  }
  return registrySource(name, options);
}
