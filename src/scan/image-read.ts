/**
 * Reading images for a scan: walk an index or manifest through a blob getter (an OCI layout, an
 * oci-archive in memory, or blobs pulled from a registry), merge each image's layers and pick out the
 * installed database, os-release and embedded SBOMs.
 */
import { type Limits, LupineError } from '../core/index.js';
import {
  apkArch,
  apkArchOf,
  type Descriptor,
  isIndexMediaType,
  isManifestMediaType,
  MediaType,
  parseImageConfig,
  parseIndex,
  parseManifest,
  sha256Digest,
} from '../oci/index.js';
import type { ImagePlatform, InventoryLayer } from '../sbom/index.js';
import { LayerStack, layerTar } from './root-files.js';

/** One single-platform image, as far as a scan cares. */
export interface ImageFacts {
  readonly digest: string;
  readonly mediaType: string;
  readonly platform: ImagePlatform;
  /** The apk arch of the platform ('' when lupine does not know it). */
  readonly arch: string;
  readonly layers: readonly InventoryLayer[];
  /** Where the installed database was found (`lib/apk/db/installed`, …); '' when none. */
  readonly dbPath: string;
  readonly installed: string | undefined;
  readonly osRelease: string | undefined;
  /** dpkg's installed database (`var/lib/dpkg/status` and/or distroless `status.d/*`, joined). */
  readonly dpkg?: {
    readonly path: string;
    readonly status: string;
    /** Each file read (path, text), so that a problem names its own file and line. */
    readonly parts?: ReadonlyArray<readonly [string, string]>;
  };
  /** Embedded package SBOMs by path (`var/lib/db/sbom/…`). */
  readonly embeddedSboms: Readonly<Record<string, string>>;
}

export type BlobGetter = (digest: string) => Promise<Buffer>;

const DB_PATHS = ['lib/apk/db/installed', 'usr/lib/apk/db/installed'];
const OS_RELEASE_PATHS = ['etc/os-release', 'usr/lib/os-release'];

function safeArch(p: ImagePlatform): string {
  try {
    return apkArchOf(p);
  } catch {
    return '';
  }
}

async function readImage(getBlob: BlobGetter, d: Descriptor, limits?: Limits): Promise<ImageFacts> {
  const m = parseManifest(await getBlob(d.digest));
  const config = parseImageConfig(await getBlob(m.config.digest));
  const platform: ImagePlatform = d.platform
    ? {
        os: d.platform.os,
        architecture: d.platform.architecture,
        ...(d.platform.variant ? { variant: d.platform.variant } : {}),
      }
    : {
        os: config.os,
        architecture: config.architecture,
        ...(config.variant ? { variant: config.variant } : {}),
      };
  return assembleImage(
    { digest: d.digest, mediaType: d.mediaType, platform, layers: m.layers },
    (digest) => getBlob(digest),
    limits,
  );
}

/** Merges an image's layers and picks out what a scan reads. */
async function assembleImage(
  img: {
    readonly digest: string;
    readonly mediaType: string;
    readonly platform: ImagePlatform;
    readonly layers: readonly { readonly digest: string; readonly mediaType: string }[];
  },
  getLayer: (digest: string) => Promise<Buffer>,
  limits?: Limits,
): Promise<ImageFacts> {
  const stack = new LayerStack();
  for (const l of img.layers) stack.add(layerTar(await getLayer(l.digest), `layer ${l.digest}`, limits), limits);
  let dbPath = '';
  let installed: string | undefined;
  for (const p of DB_PATHS) {
    const b = await stack.read(p);
    if (b) {
      dbPath = p;
      installed = b.toString('utf8');
      break;
    }
  }
  let osRelease: string | undefined;
  for (const p of OS_RELEASE_PATHS) {
    const b = await stack.read(p);
    if (b) {
      osRelease = b.toString('utf8');
      break;
    }
  }
  const embeddedSboms: Record<string, string> = {};
  for (const [p, b] of stack.filesUnder('var/lib/db/sbom')) embeddedSboms[p] = b.toString('utf8');
  const dpkgParts: Array<[string, string]> = [];
  const status = await stack.read('var/lib/dpkg/status');
  if (status) dpkgParts.push(['var/lib/dpkg/status', status.toString('utf8')]);
  const statusD = [...stack.filesUnder('var/lib/dpkg/status.d')].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (const [p, b] of statusD) if (!p.endsWith('.md5sums')) dpkgParts.push([p, b.toString('utf8')]);
  const dpkg = joinDpkg(dpkgParts);
  return {
    digest: img.digest,
    mediaType: img.mediaType,
    platform: img.platform,
    arch: safeArch(img.platform),
    layers: img.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType })),
    dbPath,
    installed,
    osRelease,
    ...(dpkg ? { dpkg } : {}),
    embeddedSboms,
  };
}

/** One dpkg database from its parts (status, status.d files); undefined when there are none. */
export function joinDpkg(parts: ReadonlyArray<readonly [string, string]>): ImageFacts['dpkg'] {
  if (parts.length === 0) return undefined;
  const path =
    parts.length === 1
      ? (parts[0]?.[0] as string)
      : parts.some((p) => p[0] === 'var/lib/dpkg/status')
        ? 'var/lib/dpkg/status'
        : 'var/lib/dpkg/status.d';
  return { path, status: parts.map((p) => `${p[1].trimEnd()}\n`).join('\n'), parts };
}

function noImage(what: string, arch: string | undefined): LupineError {
  return new LupineError('SCAN_BAD_TARGET', `${what} holds no image${arch ? ` for ${arch}` : ''}`, {
    details: { target: what, arch },
    hint: arch ? 'drop --arch or name an architecture the image has' : 'is this an image?',
  });
}

/**
 * The images of a docker-archive (`docker save`): `manifest.json` names each image's config and layer
 * files. An image is named by its config digest (docker's image id); layers by their file digests.
 */
export async function readDockerArchiveImages(
  files: ReadonlyMap<string, Buffer>,
  options: { readonly arch?: string; readonly limits?: Limits; readonly what: string },
): Promise<ImageFacts[]> {
  let manifest: unknown;
  try {
    manifest = JSON.parse((files.get('manifest.json') ?? Buffer.from('')).toString('utf8'));
  } catch (cause) {
    throw new LupineError('SCAN_BAD_TARGET', `${options.what}: manifest.json is not JSON`, { cause });
  }
  const bad = (problem: string) =>
    new LupineError('SCAN_BAD_TARGET', `${options.what}: ${problem}`, {
      details: { target: options.what },
      hint: 'the docker-archive is damaged; save the image again',
    });
  if (!Array.isArray(manifest)) throw bad('manifest.json is not a list');
  const file = (name: unknown): Buffer => {
    const b = typeof name === 'string' ? files.get(name.replace(/^\.\//, '')) : undefined;
    if (!b) throw bad(`${String(name)} is named in manifest.json but missing`);
    return b;
  };
  const want = options.arch === undefined ? undefined : apkArch(options.arch);
  const images: ImageFacts[] = [];
  for (const entry of manifest as { Config?: unknown; Layers?: unknown }[]) {
    const configBytes = file(entry.Config);
    const config = parseImageConfig(configBytes);
    const platform: ImagePlatform = {
      os: config.os,
      architecture: config.architecture,
      ...(config.variant ? { variant: config.variant } : {}),
    };
    if (want !== undefined && safeArch(platform) !== want) continue;
    const byDigest = new Map<string, Buffer>();
    const layers = (Array.isArray(entry.Layers) ? entry.Layers : []).map((name) => {
      const bytes = file(name);
      const digest = sha256Digest(bytes);
      byDigest.set(digest, bytes);
      return { digest, mediaType: MediaType.dockerLayerGzip };
    });
    images.push(
      await assembleImage(
        { digest: sha256Digest(configBytes), mediaType: MediaType.dockerManifest, platform, layers },
        async (d) => byDigest.get(d) as Buffer,
        options.limits,
      ),
    );
  }
  if (images.length === 0) throw noImage(options.what, options.arch);
  return images.sort((a, b) => (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0));
}

/**
 * Every image under the given descriptors (through nested indexes), or only those of one apk arch.
 * Attestation manifests and platforms lupine does not know are skipped when another image is there.
 */
export async function readImages(
  getBlob: BlobGetter,
  top: readonly Descriptor[],
  options: { readonly arch?: string; readonly limits?: Limits; readonly what: string },
): Promise<ImageFacts[]> {
  const found: Descriptor[] = [];
  const walk = async (ds: readonly Descriptor[]): Promise<void> => {
    for (const d of ds) {
      if (isIndexMediaType(d.mediaType)) await walk(parseIndex(await getBlob(d.digest)).manifests);
      else if (isManifestMediaType(d.mediaType) && d.platform?.os !== 'unknown') found.push(d);
    }
  };
  await walk(top);
  const want = options.arch === undefined ? undefined : apkArch(options.arch);
  const images: ImageFacts[] = [];
  for (const d of found) {
    if (want !== undefined && d.platform && safeArch(d.platform) !== want) continue;
    const img = await readImage(getBlob, d, options.limits);
    if (want !== undefined && img.arch !== want) continue;
    images.push(img);
  }
  if (images.length === 0) throw noImage(options.what, options.arch);
  return images.sort((a, b) => (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0));
}
