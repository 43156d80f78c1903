/**
 * The apko image configuration (`apko.yaml`), as lupine reads it.
 *
 * `ImageConfig` is what one file (or a file merged with its includes) says, with every string kept
 * as written and parsed forms beside it. `ResolvedImageConfig` is the same after apko's defaults
 * are applied (environment, accounts, path permissions, archs) — what an image builder consumes.
 * Property names are camelCase here; `show.ts` maps them back to apko's YAML keys.
 */
import type { UrlCredential } from '../../net/index.js';

/** One `contents.packages` entry: `[!]name[@tag][op version]`. */
export interface PackageSpec {
  /** The entry exactly as written. */
  readonly raw: string;
  readonly name: string;
  /** `!name`: the package must not be installed. */
  readonly exclude: boolean;
  /** `@tag` pin to a tagged repository; null when there is none. */
  readonly tag: string | null;
  /** `=`, `<`, `<=`, `>`, `>=`, `~`, `=~`, `><` (identity pin); null when there is no version. */
  readonly op: string | null;
  readonly version: string | null;
}

/** One repository entry: `url` or `@tag url`. */
export interface RepositorySpec {
  /** As written, without user-info (credentials never travel with the spec's text). */
  readonly raw: string;
  readonly tag: string | null;
  /** The URL or path, with trailing `/` trimmed as apko does, without user-info. */
  readonly url: string;
  /** Credentials that were in the URL: given to the fetcher, never written or shown. */
  readonly credential?: UrlCredential;
}

/** A `contents.keyring` entry: a URL or path, or (apko ≥ 2025) an inline `{name, content}` key. */
export type KeyringEntry =
  | { readonly kind: 'uri'; readonly uri: string; readonly credential?: UrlCredential }
  | { readonly kind: 'inline'; readonly name: string; readonly content: string };

/** An inline PEM: `contents.runtime_keyring[]`, `certificates.additional[]`. */
export interface NamedContent {
  readonly name: string;
  readonly content: string;
}

export interface BaseImage {
  readonly image: string;
  readonly apkindex: string;
}

export interface ImageContents {
  readonly repositories: readonly RepositorySpec[];
  readonly buildRepositories: readonly RepositorySpec[];
  readonly runtimeRepositories: readonly RepositorySpec[];
  readonly keyring: readonly KeyringEntry[];
  readonly runtimeKeyring: readonly NamedContent[];
  readonly packages: readonly PackageSpec[];
  readonly baseimage?: BaseImage;
}

export interface ImageEntrypoint {
  /** Only `service-bundle` is defined. */
  readonly type?: string;
  readonly command?: string;
  readonly shellFragment?: string;
  /** Service name → command, for `type: service-bundle`. */
  readonly services?: Readonly<Record<string, string>>;
}

export interface User {
  readonly username: string;
  readonly uid: number;
  readonly gid?: number;
  readonly shell?: string;
  readonly homedir?: string;
}

export interface Group {
  readonly groupname: string;
  readonly gid: number;
  readonly members: readonly string[];
}

export interface ImageAccounts {
  /** A username or a numeric UID, as written. */
  readonly runAs?: string;
  readonly users: readonly User[];
  readonly groups: readonly Group[];
}

export type PathType = 'directory' | 'empty-file' | 'hardlink' | 'symlink' | 'permissions';

export interface PathMutation {
  readonly path: string;
  readonly type: PathType;
  readonly uid?: number;
  readonly gid?: number;
  readonly permissions?: number;
  readonly source?: string;
  readonly recursive: boolean;
}

export interface Layering {
  readonly strategy?: string;
  readonly budget?: number;
}

export interface Certificates {
  readonly additional: readonly NamedContent[];
  /** Virtual package names whose providers' `.crt`/`.pem` files are collected. */
  readonly providers: readonly string[];
}

/** Deprecated `options.<name>` (removed from apko); carried, not applied. */
export interface BuildOption {
  readonly packagesAdd: readonly string[];
  readonly packagesRemove: readonly string[];
  readonly runAs?: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly entrypoint?: ImageEntrypoint;
}

/** Deprecated `os-release` (removed from apko in v0.17); carried, not applied. */
export interface OsRelease {
  readonly name?: string;
  readonly id?: string;
  readonly versionId?: string;
  readonly prettyName?: string;
  readonly homeUrl?: string;
  readonly bugReportUrl?: string;
}

export interface ImageConfig {
  readonly contents: ImageContents;
  readonly entrypoint: ImageEntrypoint;
  readonly cmd?: string;
  readonly stopSignal?: string;
  readonly workDir?: string;
  readonly accounts: ImageAccounts;
  /** As written (OCI or apk names, or `all`); see `ResolvedImageConfig.archs`. */
  readonly archs: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly paths: readonly PathMutation[];
  readonly vcsUrl?: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** The `include` of this file (absent after merging). */
  readonly include?: string;
  readonly volumes: readonly string[];
  readonly layering?: Layering;
  /** `tar` (default) or `erofs[+compressor[,level=N]]`. */
  readonly format?: string;
  readonly certificates?: Certificates;
  readonly options?: Readonly<Record<string, BuildOption>>;
  readonly osRelease?: OsRelease;
}

/** An apk architecture name (`x86_64`, `aarch64`, …). */
export type ApkArch =
  | 'x86'
  | 'x86_64'
  | 'aarch64'
  | 'armhf'
  | 'armv7'
  | 'loongarch64'
  | 'ppc64le'
  | 'riscv64'
  | 's390x';

export interface ResolvedUser {
  readonly username: string;
  readonly uid: number;
  readonly gid: number;
  readonly shell: string;
  readonly homedir: string;
}

export interface ResolvedPathMutation {
  readonly path: string;
  readonly type: PathType;
  /** Ownership to set; null leaves it untouched (apko: both omitted; one given → the other is 0). */
  readonly owner: { readonly uid: number; readonly gid: number } | null;
  /**
   * Mode bits to set; null leaves the mode untouched (hardlink, permissions without a mode).
   * Never applied to a symlink's target: a symlink itself is always 0o777.
   */
  readonly permissions: number | null;
  readonly source: string | null;
  readonly recursive: boolean;
}

export interface ResolvedImageConfig
  extends Omit<ImageConfig, 'archs' | 'environment' | 'accounts' | 'paths' | 'include'> {
  /** apk names, deduplicated, in apko's order (sorted by OCI name); empty when the config names none. */
  readonly archs: readonly ApkArch[];
  /** With apko's defaults for PATH and SSL_CERT_FILE when unset. */
  readonly environment: Readonly<Record<string, string>>;
  readonly accounts: {
    /** run-as with a matching username rewritten to its UID, as apko does. */
    readonly runAs?: string;
    readonly users: readonly ResolvedUser[];
    readonly groups: readonly Group[];
  };
  readonly paths: readonly ResolvedPathMutation[];
}
