/**
 * The image builder's public shapes: what `buildImage` takes and returns, and what
 * `writeImageOutput` writes. Plain data, so the publish / lock / show-packages commands can reuse
 * one build result.
 */
import type { Clock, Logger } from '../../core/index.js';
import type {
  BuiltBlob,
  Digest,
  ImageIndex,
  ImageManifest,
  Layer,
  LayerCache,
  ImageConfig as OciImageConfig,
  Platform,
} from '../../oci/index.js';
import type { Fetcher } from '../../repo/index.js';
import type { ApkArch } from '../config/types.js';

/** One package of an arch's locked set, in install order (dependencies first). */
export interface ImagePackage {
  readonly name: string;
  readonly version: string;
  readonly arch: string;
  /** `C:` identity (`Q1…`). */
  readonly identity: string;
  readonly origin: string;
  /** Repository URL (as configured) the package was taken from. */
  readonly repository: string;
  /** `t:` build date, Unix seconds (0 when absent). */
  readonly buildDate: number;
  /** Installed size (`I:`), bytes. */
  readonly installedSize: number;
  readonly replaces: readonly string[];
}

/** A lock (apko.lock.json's packages): the exact packages to install per arch. */
export interface ImageLockPackage {
  readonly name: string;
  readonly version: string;
  /** apk arch name. */
  readonly architecture: string;
  /** `Q1…` identity when the lock records it. */
  readonly checksum?: string;
}

export type SbomFormat = 'spdx' | 'cyclonedx';

export interface BuildImageOptions {
  /** apk arch names; default the config's archs, else every arch apko knows. */
  readonly archs?: readonly ApkArch[];
  /**
   * SOURCE_DATE_EPOCH. When absent, `created` is the newest package build date (per arch; the index
   * takes the newest across arches), as apko does.
   */
  readonly clock?: Clock;
  /** Relative repository and keyring paths in the config resolve against this (apko's -C); default cwd. */
  readonly workDir?: string;
  /** Where `HTTP_AUTH` is read from (passed in, never the process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `--keyring-append`: paths or URLs of extra `*.rsa.pub` keys (build time and /etc/apk/keys). */
  readonly keyringAppend?: readonly string[];
  /** `--repository-append`: used at build time and written to /etc/apk/repositories. */
  readonly repositoryAppend?: readonly string[];
  /** `--build-repository-append`: used at build time only. */
  readonly buildRepositoryAppend?: readonly string[];
  /** `--ignore-signatures`: accept indexes without a trusted signature. */
  readonly allowUntrusted?: boolean;
  /** `--package-append`. */
  readonly packageAppend?: readonly string[];
  /** Downloaded packages and indexes (remote repositories) and compressed layers are cached here. */
  readonly cacheDir?: string;
  /** Remote repositories come from the cache only. */
  readonly offline?: boolean;
  readonly fetcher?: Fetcher;
  readonly logger?: Logger;
  /** Default none. The index SBOM is written when any format is asked for. */
  readonly sbomFormats?: readonly SbomFormat[];
  /** Added to the config's annotations (these win), on manifests, the index and config Labels. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Install exactly these packages per arch; the build fails when the config no longer matches. */
  readonly lockfile?: readonly ImageLockPackage[];
  /** Compressed layers by diffid; default a cache under `cacheDir`, else in memory for this build. */
  readonly layerCache?: LayerCache;
  /** Where roots are assembled (a fresh directory per arch inside it); default the OS temp dir. */
  readonly tempDir?: string;
  /** Keep each arch's root directory after the build (`ArchImage.rootDir`); default false. */
  readonly keepRoots?: boolean;
  /** Name used in SBOM purls and docker tags, e.g. `example.com/app:1` (default `image`). */
  readonly tag?: string;
  /** Tool version recorded in SBOMs. */
  readonly toolVersion?: string;
}

/** One arch's image. */
export interface ArchImage {
  readonly arch: ApkArch;
  readonly platform: Platform;
  /** The assembled root, when `keepRoots` was set. */
  readonly rootDir?: string;
  readonly manifest: BuiltBlob & { readonly manifest: ImageManifest };
  readonly config: BuiltBlob & { readonly value: OciImageConfig };
  /** Bottom first. */
  readonly layers: readonly Layer[];
  /** The locked set, in install order. */
  readonly packages: readonly ImagePackage[];
  /** `created`, Unix seconds. */
  readonly created: number;
}

export interface SbomFile {
  /** `sbom-<apkarch>.spdx.json`, `sbom-index.cdx.json`, … */
  readonly name: string;
  readonly format: SbomFormat;
  /** apk arch, or `index`. */
  readonly subject: string;
  readonly bytes: Buffer;
}

export interface ImageBuildResult {
  readonly index: BuiltBlob & { readonly index: ImageIndex };
  readonly perArch: readonly ArchImage[];
  /** Every blob of the image (layers, configs, manifests; not the index), by digest. */
  readonly blobs: ReadonlyMap<Digest, Uint8Array>;
  readonly sboms: readonly SbomFile[];
  readonly created: number;
}

export type ImageOutputFormat = 'oci' | 'oci-archive' | 'docker';

export interface WriteImageOutputOptions {
  readonly format: ImageOutputFormat;
  /** For `docker`: the tag as given (`name:tag`), used for the host arch's image. */
  readonly tag?: string;
  /** For `docker`: which arch's image to write; default the host arch, else the only/first one. */
  readonly arch?: ApkArch;
  /** Directory for SBOM files (written with the output). */
  readonly sbomDir?: string;
}
