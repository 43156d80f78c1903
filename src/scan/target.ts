/**
 * What `lupine scan TARGET` / `lupine sbom TARGET` point at, read from disk or a registry: an OCI
 * layout, an oci-archive, a registry reference, a root directory, an SBOM, or an .apk.
 */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type ApkPackage, readPackage } from '../apk/index.js';
import { readTar } from '../archive/index.js';
import { type Limits, LupineError, readRootText, rootDir } from '../core/index.js';
import {
  type Descriptor,
  parseIndex,
  pullImage,
  type Reference,
  type RegistryClient,
  readBlob,
  readLayout,
} from '../oci/index.js';
import { readSbom, type SbomContents } from '../sbom/index.js';
import { type ImageFacts, joinDpkg, readDockerArchiveImages, readImages } from './image-read.js';
import { MAX_SCAN_FILE } from './root-files.js';
import type { RootLookup } from './root-path.js';

export interface ImageTarget {
  readonly kind: 'image';
  /** The target as named. */
  readonly name: string;
  /** Repository-ish name for purls (`static`), and the repository when pulled. */
  readonly repository: string;
  readonly tag?: string;
  /** The top descriptor (index or manifest); undefined for a layout with several entries. */
  readonly top?: { readonly digest: string; readonly mediaType: string };
  readonly images: readonly ImageFacts[];
}

export interface RootTarget {
  readonly kind: 'root';
  readonly name: string;
  readonly dbPath: string;
  readonly installed: string | undefined;
  readonly osRelease: string | undefined;
  /** dpkg's installed database, when the root has one. */
  readonly dpkg?: ImageFacts['dpkg'];
  readonly embeddedSboms: Readonly<Record<string, string>>;
}

export interface SbomTarget {
  readonly kind: 'sbom';
  readonly name: string;
  readonly sbom: SbomContents;
}

export interface PackageTarget {
  readonly kind: 'package';
  readonly name: string;
  readonly pkg: ApkPackage;
}

export type ScanTarget = ImageTarget | RootTarget | SbomTarget | PackageTarget;

export interface ReadTargetOptions {
  /** Base for relative paths. */
  readonly cwd: string;
  /** Only images of this apk arch (images with several platforms). */
  readonly arch?: string;
  readonly limits?: Limits;
  /**
   * Opens a registry reference (`host/repo:tag`, or a URL with scheme and credentials); without it a
   * reference is an error. The CLI supplies one with the user's credentials.
   */
  readonly openRegistry?: (target: string) => { readonly reference: Reference; readonly client: RegistryClient };
}

function badTarget(target: string, problem: string, hint: string, cause?: unknown): LupineError {
  return new LupineError('SCAN_BAD_TARGET', `${target}: ${problem}`, { cause, details: { target }, hint });
}

const HINT =
  'name an OCI layout directory, an oci-archive or docker-archive, a root directory, an SBOM (.json), an .apk or an image reference';

async function kindOf(path: string): Promise<'dir' | 'file' | 'missing'> {
  try {
    const st = await lstat(path);
    return st.isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/** A lookup over a directory on disk (symlinks reported, not followed). */
export function diskLookup(root: string): RootLookup {
  return async (path) => {
    const p = join(root, path);
    try {
      const st = await lstat(p);
      if (st.isSymbolicLink()) return { kind: 'symlink', target: await readlink(p) };
      return st.isDirectory() ? { kind: 'dir' } : { kind: 'file' };
    } catch {
      return { kind: 'missing' };
    }
  };
}

/**
 * The first candidate that exists, read confined to the root (symlinks resolved inside it), and its
 * text. A FIFO, device or socket there (it would block or never end) and an oversized file are
 * errors naming the path.
 */
async function readRootFile(root: string, candidates: readonly string[]): Promise<[string, string] | undefined> {
  const fail = (c: string, why: string) =>
    badTarget(root, `${c} ${why}`, 'a scanned root holds its package database as plain files');
  for (const c of candidates) {
    const text = readRootText(root, c, { maxBytes: MAX_SCAN_FILE, fail });
    if (text !== undefined) return [c, text];
  }
  return undefined;
}

/** The names in a directory of the root, found confined to it (a symlink to a host directory lists nothing). */
async function rootListing(root: string, path: string): Promise<string[]> {
  const real = rootDir(root, path);
  if (real === undefined) return [];
  return (await readdir(join(root, real)).catch(() => [] as string[])).sort();
}

async function readRoot(dir: string, name: string): Promise<RootTarget> {
  const db = await readRootFile(dir, ['lib/apk/db/installed', 'usr/lib/apk/db/installed']);
  const os = await readRootFile(dir, ['etc/os-release', 'usr/lib/os-release']);
  const embeddedSboms: Record<string, string> = {};
  for (const f of await rootListing(dir, 'var/lib/db/sbom')) {
    if (!f.endsWith('.spdx.json')) continue;
    const part = await readRootFile(dir, [`var/lib/db/sbom/${f}`]);
    if (part) embeddedSboms[part[0]] = part[1];
  }
  const dpkgParts: Array<[string, string]> = [];
  const status = await readRootFile(dir, ['var/lib/dpkg/status']);
  if (status) dpkgParts.push(status);
  for (const f of await rootListing(dir, 'var/lib/dpkg/status.d')) {
    if (f.endsWith('.md5sums')) continue;
    const part = await readRootFile(dir, [`var/lib/dpkg/status.d/${f}`]);
    if (part) dpkgParts.push(part);
  }
  const dpkg = joinDpkg(dpkgParts);
  return {
    kind: 'root',
    name,
    dbPath: db?.[0] ?? '',
    installed: db?.[1],
    osRelease: os?.[1],
    ...(dpkg ? { dpkg } : {}),
    embeddedSboms,
  };
}

function topOf(index: { manifests: readonly Descriptor[] }): ImageTarget['top'] {
  const only = index.manifests.length === 1 ? index.manifests[0] : undefined;
  return only ? { digest: only.digest, mediaType: only.mediaType } : undefined;
}

function refName(index: { manifests: readonly Descriptor[] }): string | undefined {
  return index.manifests.map((d) => d.annotations?.['org.opencontainers.image.ref.name']).find((x) => x);
}

async function readOciArchive(bytes: Buffer, name: string, options: ReadTargetOptions): Promise<ImageTarget> {
  const files = new Map<string, Buffer>();
  for (const { entry, data } of readTar(bytes, options.limits ? { limits: options.limits } : {}).items) {
    if (entry.type === 'file') files.set(entry.name.replace(/^\.\//, ''), data);
  }
  const indexJson = files.get('index.json');
  if (!files.has('oci-layout') || !indexJson) {
    if (files.has('manifest.json')) {
      const images = await readDockerArchiveImages(files, { ...options, what: name });
      const tag = dockerTag(files.get('manifest.json') as Buffer);
      return {
        kind: 'image',
        name,
        repository: tag?.repository ?? basename(name).replace(/\.(tar|docker)$/, ''),
        ...(tag?.tag ? { tag: tag.tag } : {}),
        images,
      };
    }
    throw badTarget(name, 'this tar is neither an oci-archive nor a docker-archive', HINT);
  }
  const index = parseIndex(indexJson);
  const getBlob = async (d: string): Promise<Buffer> => {
    const b = files.get(`blobs/sha256/${d.replace(/^sha256:/, '')}`);
    if (!b) throw new LupineError('OCI_BLOB_UNKNOWN', `blob ${d} is not in ${name}`, { details: { digest: d } });
    return b;
  };
  const images = await readImages(getBlob, index.manifests, { ...options, what: name });
  // an oci-archive names its image with a full reference (name:tag), an older one with a bare tag
  const ref = refName(index);
  const full = ref !== undefined && /[:/]/.test(ref) ? splitReference(ref) : undefined;
  const tag = full ? full.tag : ref;
  return {
    kind: 'image',
    name,
    repository: full?.repository || basename(name).replace(/\.(tar|oci|oci-archive)$/, ''),
    ...(tag ? { tag } : {}),
    ...(topOf(index) ? { top: topOf(index) } : {}),
    images,
  };
}

/** `name[:tag]` → repository and tag ('' when there is none). */
function splitReference(t: string): { repository: string; tag: string } {
  const slash = t.lastIndexOf('/');
  const colon = t.lastIndexOf(':');
  return colon > slash ? { repository: t.slice(0, colon), tag: t.slice(colon + 1) } : { repository: t, tag: '' };
}

/** The first `RepoTags` entry of a docker-archive, split into repository and tag. */
function dockerTag(manifestJson: Buffer): { repository: string; tag: string } | undefined {
  try {
    const m = JSON.parse(manifestJson.toString('utf8')) as { RepoTags?: unknown }[];
    const t = m.map((e) => (Array.isArray(e.RepoTags) ? e.RepoTags[0] : undefined)).find((x) => typeof x === 'string');
    return typeof t === 'string' ? splitReference(t) : undefined;
  } catch {
    return undefined;
  }
}

async function readRegistry(name: string, options: ReadTargetOptions): Promise<ImageTarget> {
  if (!options.openRegistry) throw badTarget(name, 'no such file or directory', HINT);
  const { reference: ref, client } = options.openRegistry(name);
  let pulled: Awaited<ReturnType<typeof pullImage>>;
  try {
    pulled = await pullImage(client, ref);
  } finally {
    client.close();
  }
  const blobs = new Map<string, Buffer>([...pulled.blobs].map(([d, b]) => [d, b]));
  blobs.set(pulled.digest, pulled.bytes);
  const getBlob = async (d: string): Promise<Buffer> => blobs.get(d) as Buffer;
  const top = { digest: pulled.digest, mediaType: pulled.mediaType, size: pulled.bytes.length } as Descriptor;
  const images = await readImages(getBlob, [top], { ...options, what: name });
  return {
    kind: 'image',
    name,
    repository: `${ref.registry}/${ref.repository}`,
    ...(ref.tag ? { tag: ref.tag } : {}),
    top: { digest: pulled.digest, mediaType: pulled.mediaType },
    images,
  };
}

/** Reads a target, deciding its kind from what is there. */
export async function readScanTarget(target: string, options: ReadTargetOptions): Promise<ScanTarget> {
  const path = resolve(options.cwd, target);
  const kind = await kindOf(path);
  if (kind === 'dir') {
    if ((await kindOf(join(path, 'oci-layout'))) === 'file') {
      const { index } = await readLayout(path);
      const images = await readImages((d) => readBlob(path, d as never), index.manifests, {
        ...options,
        what: target,
      });
      const tag = refName(index);
      return {
        kind: 'image',
        name: target,
        repository: basename(path),
        ...(tag ? { tag } : {}),
        ...(topOf(index) ? { top: topOf(index) } : {}),
        images,
      };
    }
    return readRoot(path, target);
  }
  if (kind === 'file') {
    const bytes = await readFile(path);
    if (target.endsWith('.apk')) {
      return { kind: 'package', name: target, pkg: readPackage(bytes, { source: target }) };
    }
    const head = bytes.subarray(0, 64).toString('utf8').trimStart();
    if (head.startsWith('{')) return { kind: 'sbom', name: target, sbom: readSbom(bytes.toString('utf8')) };
    if (bytes.length >= 512 && bytes.subarray(257, 262).toString('latin1') === 'ustar') {
      return readOciArchive(bytes, target, options);
    }
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      return { kind: 'package', name: target, pkg: readPackage(bytes, { source: target }) };
    }
    throw badTarget(target, 'lupine cannot tell what this file is', HINT);
  }
  if (/^[./~]/.test(target) || !/[/:]/.test(target.replace(/^https?:\/\//, ''))) {
    throw badTarget(target, 'no such file or directory', HINT);
  }
  return readRegistry(target, options);
}
