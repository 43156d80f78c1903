/**
 * Gathering the facts of one image for `lupine report` (I/O edge): the image is opened and read through
 * the scan module (the same images, packages and findings as `lupine scan`), and its manifest, config
 * and merged layers give sizes, shells and user.
 */
import { isLupineError } from '../core/index.js';
import { parseImageConfig, parseManifest, platformString } from '../oci/index.js';
import {
  type AdvisorySet,
  type ImageFacts,
  layerTar,
  parseDpkgStatus,
  readImages,
  scanInput,
  scanReport,
  summarize,
} from '../scan/index.js';
import { inventoryFromInstalled, parseOsRelease } from '../sbom/index.js';
import type { ImageReportFacts, VulnerabilityCounts } from './facts.js';
import { type ImageSource, type OpenImageOptions, openImage } from './image-source.js';
import { LayerTree } from './layer-tree.js';
import { countLicenses } from './licenses.js';
import { resolveUser } from './user.js';

export interface CollectOptions extends OpenImageOptions {
  /** Only the image of this apk arch; an error when there is none. */
  readonly arch?: string;
  /** The image of this apk arch when there is one (the host's), else the first image. */
  readonly preferredArch?: string;
  /** Scan with these advisories; without them the facts say "not scanned" (null). */
  readonly advisories?: AdvisorySet;
}

async function pickImage(source: ImageSource, options: CollectOptions): Promise<ImageFacts> {
  const read = (arch: string | undefined) =>
    readImages(source.getBlob, source.top, {
      ...(arch === undefined ? {} : { arch }),
      ...(options.limits ? { limits: options.limits } : {}),
      what: source.name,
    });
  if (options.arch !== undefined) return (await read(options.arch))[0] as ImageFacts;
  if (options.preferredArch !== undefined) {
    try {
      return (await read(options.preferredArch))[0] as ImageFacts;
    } catch (err) {
      if (!isLupineError(err) || (err.code !== 'SCAN_BAD_TARGET' && err.code !== 'OCI_BAD_PLATFORM')) throw err;
    }
  }
  return (await read(undefined))[0] as ImageFacts;
}

function osName(osRelease: string | undefined): string {
  const os = parseOsRelease(osRelease ?? '');
  if (os.prettyName !== '') return os.prettyName;
  return [os.name, os.versionId].filter((s) => s !== '').join(' ');
}

function vulnerabilities(
  name: string,
  img: ImageFacts,
  advisories: AdvisorySet,
): { counts: VulnerabilityCounts | null; notScanned: string } {
  const input = scanInput({ kind: 'image', name, repository: name, images: [img] });
  const report = scanReport(input, advisories, { target: name, targetKind: 'image', created: 0, toolVersion: '' });
  if (report.notScanned) return { counts: null, notScanned: report.notScanned };
  const s = summarize(report.findings);
  const ids = [...new Set(report.findings.map((f) => f.vulnerability))].sort();
  return {
    counts: {
      findings: s.total,
      vulnerabilities: s.vulnerabilities,
      fixable: s.fixable,
      bySeverity: s.bySeverity,
      ids,
    },
    notScanned: '',
  };
}

/** The facts of one image: the one of `arch`, else of `preferredArch` when present, else the first. */
export async function collectImageFacts(name: string, options: CollectOptions): Promise<ImageReportFacts> {
  const source = await openImage(name, options);
  const img = await pickImage(source, options);
  const manifestBytes = await source.getBlob(img.digest);
  const manifest = parseManifest(manifestBytes);
  const config = parseImageConfig(await source.getBlob(manifest.config.digest));
  const tree = new LayerTree();
  for (const l of manifest.layers) {
    tree.add(layerTar(await source.getBlob(l.digest), `layer ${l.digest}`, options.limits), options.limits);
  }
  const packages = img.installed === undefined ? [] : inventoryFromInstalled(img.installed, img.osRelease).packages;
  const dpkgPackages = img.dpkg ? parseDpkgStatus(img.dpkg.status).length : 0;
  const scanned = options.advisories ? vulnerabilities(name, img, options.advisories) : undefined;
  const passwd = await tree.read('etc/passwd');
  return {
    name,
    digest: img.digest,
    platform: platformString(img.platform),
    os: osName(img.osRelease),
    compressedSize: manifestBytes.length + manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0),
    unpackedSize: tree.unpackedSize(),
    layers: manifest.layers.length,
    packages: packages.length + dpkgPackages,
    shells: await tree.shells(),
    user: resolveUser(config.config.User ?? '', passwd?.toString('utf8')),
    entrypoint: [...(config.config.Entrypoint ?? [])],
    cmd: [...(config.config.Cmd ?? [])],
    vulnerabilities: scanned?.counts ?? null,
    notScanned: scanned?.notScanned ?? '',
    licenses: countLicenses(packages.map((p) => p.license)),
  };
}
