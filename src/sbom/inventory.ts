/**
 * What an SBOM describes: an image (one architecture), an image index, or one package, and the APK
 * packages in it. Plain data; builders (image, package, scan) fill it, toSpdx/toCycloneDx read it.
 */
import type { PackageInfo } from '../apk/index.js';
import { LupineError } from '../core/index.js';
import { parseInstalledDb } from '../install/index.js';
import { parseOsRelease } from './os-release.js';

/** The distribution, from os-release (`ID`, `VERSION_ID`, `NAME`, `PRETTY_NAME`, `HOME_URL`). */
export interface OsInfo {
  /** os-release ID, e.g. `wolfi`; 'unknown' when there is no os-release. */
  readonly id: string;
  /** os-release VERSION_ID; '' when absent. */
  readonly versionId: string;
  /** os-release NAME; '' when absent. */
  readonly name: string;
  readonly prettyName: string;
  readonly homeUrl: string;
}

/** One installed (or built) APK package. */
export interface InventoryPackage {
  readonly name: string;
  readonly version: string;
  readonly arch: string;
  /** The origin (source) package; '' when none. */
  readonly origin: string;
  /** The `L:` field as written. */
  readonly license: string;
  /** `C:` identity (`Q1` + base64 SHA-1 of the control member); '' when unknown. */
  readonly identity: string;
  /** Lower-case hex SHA-256 of the data member; '' when unknown. */
  readonly datahash: string;
  /** `m:` as written (`Name <mail>`); '' when none. */
  readonly maintainer: string;
  readonly url: string;
  readonly description: string;
  /** `c:` source commit; '' when none. */
  readonly commit: string;
  /** `D:` tokens as written. */
  readonly depends: readonly string[];
  /** `p:` tokens as written. */
  readonly provides: readonly string[];
  /** Where the package was downloaded from; '' when unknown. */
  readonly downloadUrl?: string;
  /** The package's own SPDX document (`/var/lib/db/sbom/<name>-<version>.spdx.json`), parsed. */
  readonly embeddedSpdx?: unknown;
}

/** An OCI image layer. */
export interface InventoryLayer {
  /** `sha256:<hex>` of the (compressed) blob. */
  readonly digest: string;
  readonly mediaType: string;
}

/** Where an OCI artifact lives: the purl name and the repository. */
export interface OciLocation {
  /** Repository name's last component, e.g. `static`. */
  readonly name: string;
  /** e.g. `cgr.dev/chainguard/static`; '' when unknown. */
  readonly repositoryUrl: string;
  readonly tag?: string;
}

/** A version-control source: `https://github.com/org/repo` at a commit. */
export interface VcsSource {
  readonly url: string;
  readonly commit: string;
}

export interface ImagePlatform {
  /** OCI os, e.g. `linux`. */
  readonly os: string;
  /** OCI architecture, e.g. `amd64`. */
  readonly architecture: string;
  readonly variant?: string;
}

/** One single-architecture image. */
export interface ImageInventory {
  readonly kind: 'image';
  readonly location: OciLocation;
  /** Manifest digest, `sha256:<hex>`. */
  readonly digest: string;
  /** Manifest media type. */
  readonly mediaType: string;
  readonly platform: ImagePlatform;
  readonly layers: readonly InventoryLayer[];
  readonly os: OsInfo;
  readonly packages: readonly InventoryPackage[];
  /** The config repository the image was built from (vcs-url). */
  readonly source?: VcsSource;
  /** Supplier organization; defaults to the OS name. */
  readonly supplier?: string;
}

/** A multi-architecture image index. */
export interface ImageIndexInventory {
  readonly kind: 'index';
  readonly location: OciLocation;
  readonly digest: string;
  readonly mediaType: string;
  readonly images: readonly ImageInventory[];
  readonly supplier?: string;
}

/** A source a package was built from. */
export type PackageSource =
  | {
      readonly kind: 'fetch';
      readonly uri: string;
      /** `sha256:<hex>` or `sha512:<hex>`; '' when not pinned. */
      readonly checksum: string;
    }
  | {
      readonly kind: 'git';
      readonly repository: string;
      readonly commit: string;
      readonly tag?: string;
    };

/** The build recipe (melange YAML) of a package: the file in its repository at a commit. */
export interface PackageRecipe {
  /** Path inside the repository, e.g. `curl.yaml`. */
  readonly path: string;
  /** Repository URL, e.g. `https://github.com/wolfi-dev/os`; '' when unknown. */
  readonly repository: string;
  readonly commit: string;
}

/** One built package (what melange describes in `/var/lib/db/sbom`). */
export interface PackageInventory {
  readonly kind: 'package';
  readonly package: InventoryPackage;
  readonly os: OsInfo;
  readonly sources: readonly PackageSource[];
  readonly recipe?: PackageRecipe;
  readonly supplier?: string;
}

export type Inventory = ImageInventory | ImageIndexInventory | PackageInventory;

/** A root filesystem's packages, before it becomes an image. */
export interface InstalledInventory {
  readonly os: OsInfo;
  readonly packages: InventoryPackage[];
}

export interface InstalledInventoryOptions {
  /**
   * Embedded SBOM file texts by path relative to the root (`var/lib/db/sbom/<name>-<version>.spdx.json`);
   * looked up with embeddedSbomPaths().
   */
  readonly embeddedSboms?: Readonly<Record<string, string>>;
}

/** Where apko looks for a package's embedded SBOM, in order (with -rN, without it, bare name). */
export function embeddedSbomPaths(name: string, version: string): string[] {
  const dir = 'var/lib/db/sbom';
  const out = [`${dir}/${name}-${version}.spdx.json`];
  const m = /^(.*)-r\d+$/.exec(version);
  if (m) out.push(`${dir}/${name}-${m[1]}.spdx.json`);
  out.push(`${dir}/${name}.spdx.json`);
  return out;
}

function readEmbedded(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new LupineError('SBOM_MALFORMED', `${path}: embedded SBOM is not JSON`, {
      cause,
      details: { path },
      hint: 'the package ships a damaged SBOM; rebuild it',
    });
  }
}

/** A package's facts as an inventory lists them; `identity` defaults to the info's own `C:`. */
export function inventoryPackage(info: PackageInfo, identity: string = info.identity): InventoryPackage {
  return {
    name: info.name,
    version: info.version,
    arch: info.arch,
    origin: info.origin,
    license: info.license,
    identity,
    datahash: info.datahash,
    maintainer: info.maintainer,
    url: info.url,
    description: info.description,
    commit: info.commit,
    depends: [...info.depends],
    provides: [...info.provides],
  };
}

/**
 * The packages of an installed database (`lib/apk/db/installed` text), in database order, with the
 * distribution from os-release text ('' or undefined when the root has none).
 */
export function inventoryFromInstalled(
  installedDbText: string,
  osRelease: string | undefined,
  options: InstalledInventoryOptions = {},
): InstalledInventory {
  const os = parseOsRelease(osRelease ?? '');
  const packages = parseInstalledDb(installedDbText).map(({ info }): InventoryPackage => {
    let embeddedSpdx: unknown;
    for (const path of embeddedSbomPaths(info.name, info.version)) {
      const text = options.embeddedSboms?.[path];
      if (text !== undefined) {
        embeddedSpdx = readEmbedded(text, path);
        break;
      }
    }
    return { ...inventoryPackage(info), ...(embeddedSpdx === undefined ? {} : { embeddedSpdx }) };
  });
  return { os, packages };
}

/** The digest the subject is named by (`sha256:<hex>`, or the package identity). */
export function subjectDigest(inv: Inventory): string {
  if (inv.kind !== 'package') return inv.digest;
  const p = inv.package;
  if (p.datahash !== '') return `sha256:${p.datahash}`;
  if (p.identity !== '') return p.identity;
  return `${p.name}-${p.version}.${p.arch}`;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Throws SBOM_BAD_INVENTORY for digests that are not `sha256:<64 hex>`. */
export function checkInventory(inv: Inventory): void {
  const bad = (what: string, value: string): never => {
    throw new LupineError('SBOM_BAD_INVENTORY', `${what} '${value}' is not a sha256 digest`, {
      details: { [what]: value },
      hint: 'digests are written sha256:<64 lower-case hex digits>',
    });
  };
  const image = (img: ImageInventory): void => {
    if (!DIGEST.test(img.digest)) bad('image digest', img.digest);
    for (const l of img.layers) if (!DIGEST.test(l.digest)) bad('layer digest', l.digest);
  };
  if (inv.kind === 'image') image(inv);
  if (inv.kind === 'index') {
    if (!DIGEST.test(inv.digest)) bad('index digest', inv.digest);
    for (const img of inv.images) image(img);
  }
}
