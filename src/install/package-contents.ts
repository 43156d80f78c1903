import type { PackageInfo } from '../apk/index.js';

/** Kinds of entry a package's data member holds. */
export type PackageEntryType = 'file' | 'hardlink' | 'symlink' | 'chardev' | 'blockdev' | 'dir' | 'fifo';

/** One entry of a package's data member, as the installer needs it. */
export interface PackageEntry {
  /** The name as stored in the package (not yet checked: see safe-path.ts). */
  readonly path: string;
  readonly type: PackageEntryType;
  /** Permission bits (07777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  /** Content size for regular files, else 0. */
  readonly size: number;
  /** Symlink target, or the hardlink's target path. */
  readonly linkTarget: string;
  readonly devmajor: number;
  readonly devminor: number;
  readonly xattrs: Readonly<Record<string, Uint8Array>>;
  /** `APK-TOOLS.checksum.SHA1` as lowercase hex; '' when the package carries none. */
  readonly sha1: string;
}

/** A package's scriptlet (`.pre-install` → `pre-install`). */
export interface PackageScript {
  readonly type: string;
  readonly data: Uint8Array;
}

/**
 * What the installer needs from a verified package. `verifyPackage` from src/apk satisfies it
 * through the adapter in package-source.ts; tests may build one directly.
 */
export interface PackageContents {
  /** From `.PKGINFO`, with identity and size filled in. */
  readonly info: PackageInfo;
  /** `Q1` + base64(SHA-1 of the control member). */
  readonly identity: string;
  readonly scripts: readonly PackageScript[];
  readonly files: readonly PackageEntry[];
  /** Content of a regular file entry (by index into `files`). */
  content(index: number): Uint8Array;
  /**
   * Where a regular file's content already is, written out while the package was streamed (see
   * `extractVerifiedPackage`): the installer moves it into place instead of writing `content`.
   */
  contentFile?(index: number): string | undefined;
}
