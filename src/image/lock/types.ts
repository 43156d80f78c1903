/**
 * apko's lock file (`apko.lock.json`, apko `pkg/lock`), field for field. Property names are the JSON
 * keys so that a lock read from disk and one built here are the same plain object.
 */

/** `bytes=a-b` (inclusive) and `sha1-<b64>` / `sha256-<b64>` of those bytes of the .apk. */
export interface LockRange {
  readonly range: string;
  readonly checksum: string;
}

export interface LockPackage {
  readonly name: string;
  /** The package URL: the repository as written in the config, `/<arch>/<name>-<version>.apk`. */
  readonly url: string;
  readonly version: string;
  readonly architecture: string;
  /** The signature member; `{range: '', checksum: ''}` for an unsigned package, as apko writes it. */
  readonly signature: LockRange;
  /** The control member: sha1, the same bytes as the identity. */
  readonly control: LockRange;
  /** Everything after the control member: sha256 (`datahash`). */
  readonly data: LockRange;
  /** The apk identity, `Q1<b64 sha1 of the control member>`. */
  readonly checksum: string;
}

export interface LockRepository {
  /** The repository as written, `/<arch>` appended, `http(s)://` stripped, `@tag` removed. */
  readonly name: string;
  /** Its `APKINDEX.tar.gz` URL. */
  readonly url: string;
  readonly architecture: string;
}

export interface LockKeyring {
  /** The key as written with `http(s)://` stripped. */
  readonly name: string;
  readonly url: string;
  /** The PEM (apko ≥ 2025; absent in older locks). */
  readonly content?: string;
}

export interface LockConfigRef {
  /** The config path as given on the command line. */
  readonly name?: string;
  /** `sha256-<b64>` over the config's bytes followed by each include's. */
  readonly checksum?: string;
}

export interface ApkoLock {
  readonly version: string;
  readonly config?: LockConfigRef;
  readonly contents: {
    readonly keyring: readonly LockKeyring[];
    readonly build_repositories: readonly LockRepository[];
    readonly runtime_repositories: readonly LockRepository[];
    readonly repositories: readonly LockRepository[];
    /** Every arch's packages, arch after arch, each in install order. */
    readonly packages: readonly LockPackage[];
  };
}
