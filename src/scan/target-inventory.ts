/**
 * From a read target to what matching needs (packages and distro) and to what an SBOM describes
 * (an Inventory). Pure.
 */
import { sha256Hex } from '../core/index.js';
import { MediaType, platformFor } from '../oci/index.js';
import {
  type ImageIndexInventory,
  type ImageInventory,
  type Inventory,
  type InventoryPackage,
  inventoryFromInstalled,
  inventoryPackage,
  type OsInfo,
  parseOsRelease,
  type SbomPackage,
} from '../sbom/index.js';
import { readDpkgStatus } from './dpkg-status.js';
import type { ImageFacts } from './image-read.js';
import type { ScanDistro, ScanPackage } from './match.js';
import type { ScanTarget } from './target.js';

export interface ScanInput {
  readonly distro: ScanDistro;
  readonly packages: ScanPackage[];
  /** Where the packages were read: the installed database path, the SBOM, the .apk. */
  readonly location: string;
  /** Packages that could not be counted (dpkg states other than installed, bad versions). */
  readonly warnings?: readonly string[];
}

function toScan(p: { name: string; version: string; arch: string; origin: string }): ScanPackage {
  return { name: p.name, version: p.version, arch: p.arch, origin: p.origin };
}

/** The purl types of distro packages a scan matches (APK, and Debian's as syft writes them). */
const OS_PURLS = new Set(['apk', 'deb']);

/**
 * A package of an SBOM as matching sees it. A deb purl's `upstream=` is the source package, with its
 * version when it differs (`upstream=sope@5.8.0-1`, as syft writes it).
 */
function sbomScanPackage(p: SbomPackage): ScanPackage {
  if (p.purlType !== 'deb') return toScan(p);
  const at = p.origin.indexOf('@');
  const origin = at < 0 ? p.origin : p.origin.slice(0, at);
  const originVersion = at < 0 ? '' : p.origin.slice(at + 1);
  return {
    name: p.name,
    version: p.version,
    arch: p.arch,
    origin: origin || p.name,
    format: 'deb',
    ...(originVersion !== '' && originVersion !== p.version ? { originVersion } : {}),
  };
}

/** The distro an SBOM's APK purls name (`pkg:apk/wolfi/…?distro=wolfi-20230201`, trivy's `distro=3.19.1`). */
export function sbomDistro(packages: readonly SbomPackage[]): ScanDistro {
  const counts = new Map<string, number>();
  for (const p of packages)
    if (OS_PURLS.has(p.purlType) && p.namespace) counts.set(p.namespace, (counts.get(p.namespace) ?? 0) + 1);
  const ns = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
  if (ns === undefined) return { id: 'unknown', versionId: '' };
  const q = packages.find((p) => p.namespace === ns && p.distro !== '')?.distro ?? '';
  const versionId = q === ns ? '' : q.startsWith(`${ns}-`) ? q.slice(ns.length + 1) : q;
  return { id: ns.toLowerCase(), versionId };
}

function installedPackages(img: { installed: string | undefined; osRelease: string | undefined }): InventoryPackage[] {
  return img.installed === undefined ? [] : inventoryFromInstalled(img.installed, img.osRelease).packages;
}

/** APK packages, then dpkg ones (each with its own version order), and what could not be read. */
function allPackages(img: {
  installed: string | undefined;
  osRelease: string | undefined;
  dpkg?: ImageFacts['dpkg'];
}): { packages: ScanPackage[]; warnings: string[] } {
  const apk = installedPackages(img).map(toScan);
  if (!img.dpkg) return { packages: apk, warnings: [] };
  const read = (img.dpkg.parts ?? [[img.dpkg.path, img.dpkg.status]]).map(([path, text]) => readDpkgStatus(text, path));
  return {
    packages: [...apk, ...read.flatMap((r) => r.packages)],
    warnings: read.flatMap((r) => r.problems),
  };
}

function locationOf(img: { dbPath: string; dpkg?: ImageFacts['dpkg'] }): string {
  return [img.dbPath, img.dpkg?.path ?? ''].filter((p) => p !== '').join(', ');
}

function distroOf(os: OsInfo): ScanDistro {
  return { id: os.id, versionId: os.versionId };
}

/** The packages and distro to match. */
export function scanInput(target: ScanTarget): ScanInput {
  switch (target.kind) {
    case 'image': {
      const first = target.images[0] as ImageFacts;
      const read = target.images.map((img) => allPackages(img));
      return {
        distro: distroOf(parseOsRelease(first.osRelease ?? '')),
        packages: read.flatMap((r) => r.packages),
        location: locationOf(first) || 'lib/apk/db/installed',
        warnings: [...new Set(read.flatMap((r) => r.warnings))],
      };
    }
    case 'root': {
      const read = allPackages(target);
      return {
        distro: distroOf(parseOsRelease(target.osRelease ?? '')),
        packages: read.packages,
        location: locationOf(target) || 'lib/apk/db/installed',
        warnings: read.warnings,
      };
    }
    case 'sbom':
      return {
        distro: sbomDistro(target.sbom.packages),
        packages: target.sbom.packages.filter((p) => OS_PURLS.has(p.purlType) && p.version !== '').map(sbomScanPackage),
        location: target.name,
      };
    case 'package':
      return { distro: { id: 'unknown', versionId: '' }, packages: [toScan(target.pkg.info)], location: target.name };
  }
}

function lastComponent(repository: string): string {
  const parts = repository.split('/');
  return parts[parts.length - 1] || repository;
}

function imageInventory(img: ImageFacts, location: ImageInventory['location']): ImageInventory {
  const inv = inventoryFromInstalled(img.installed ?? '', img.osRelease, { embeddedSboms: img.embeddedSboms });
  return {
    kind: 'image',
    location,
    digest: img.digest,
    mediaType: img.mediaType,
    platform: img.platform,
    layers: img.layers,
    os: inv.os,
    packages: inv.packages,
  };
}

/** What an SBOM of the target describes. An SBOM target has none (undefined). */
export function targetInventory(target: ScanTarget): Inventory | undefined {
  switch (target.kind) {
    case 'image': {
      const location = {
        name: lastComponent(target.repository),
        repositoryUrl: target.repository.includes('/') ? target.repository : '',
        ...(target.tag ? { tag: target.tag } : {}),
      };
      const images = target.images.map((img) => imageInventory(img, location));
      // One platform (even under an index): its packages. Several: the index and its images.
      if (images.length === 1) return images[0];
      const index: ImageIndexInventory = {
        kind: 'index',
        location,
        digest: target.top?.digest ?? `sha256:${sha256Hex(images.map((i) => i.digest).join('\n'))}`,
        mediaType: target.top?.mediaType ?? MediaType.ociIndex,
        images,
      };
      return index;
    }
    case 'root': {
      const inv = inventoryFromInstalled(target.installed ?? '', target.osRelease, {
        embeddedSboms: target.embeddedSboms,
      });
      const arch = inv.packages.find((p) => p.arch !== '' && p.arch !== 'noarch')?.arch;
      let platform = { os: 'linux', architecture: 'unknown' } as ImageInventory['platform'];
      try {
        if (arch) platform = platformFor(arch);
      } catch {
        // an arch lupine does not know: keep 'unknown'
      }
      const name =
        target.name
          .split('/')
          .filter((c) => c !== '' && c !== '.' && c !== '..')
          .pop() || 'root';
      return {
        kind: 'image',
        location: { name, repositoryUrl: '' },
        digest: `sha256:${sha256Hex(target.installed ?? '')}`,
        mediaType: MediaType.ociManifest,
        platform,
        layers: [],
        os: inv.os,
        packages: inv.packages,
      };
    }
    case 'package': {
      const pkg = inventoryPackage(target.pkg.info, target.pkg.identity);
      return { kind: 'package', package: pkg, os: parseOsRelease(''), sources: [] };
    }
    case 'sbom':
      return undefined;
  }
}
