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
  parseImageConfig,
  parseIndex,
  parseManifest,
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
  const stack = new LayerStack();
  for (const l of m.layers) stack.add(layerTar(await getBlob(l.digest), `layer ${l.digest}`, limits), limits);
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
  return {
    digest: d.digest,
    mediaType: d.mediaType,
    platform,
    arch: safeArch(platform),
    layers: m.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType })),
    dbPath,
    installed,
    osRelease,
    embeddedSboms,
  };
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
  if (images.length === 0) {
    throw new LupineError(
      'SCAN_BAD_TARGET',
      `${options.what} holds no image${options.arch ? ` for ${options.arch}` : ''}`,
      {
        details: { target: options.what, arch: options.arch },
        hint: options.arch ? 'drop --arch or name an architecture the image has' : 'is this an image?',
      },
    );
  }
  return images.sort((a, b) => (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0));
}
