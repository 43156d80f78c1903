import { type Keyring, SCRIPT_NAMES, verifyPackage } from '../apk/index.js';
import { defaultLimits, type Limits } from '../core/index.js';
import type { PackageContents, PackageScript } from './package-contents.js';

export interface ReadVerifiedOptions {
  readonly keyring: Keyring;
  /** The `C:` the resolver chose; when set, it vouches for the package and no signature is needed. */
  readonly expectedIdentity?: string;
  /** Accept a package with neither an expected identity nor a trusted signature. */
  readonly allowUntrusted?: boolean;
  readonly limits?: Limits;
  readonly source?: string;
  /** The index's `I:` when the package came through one (see `ReadPackageOptions.declaredSize`). */
  readonly declaredSize?: number;
}

/**
 * Verifies an .apk the way apk does before anything of it is extracted (signature or identity,
 * datahash, every file's SHA-1) and returns what the installer needs.
 */
export function readVerifiedPackage(bytes: Uint8Array, options: ReadVerifiedOptions): PackageContents {
  const identityGiven = options.expectedIdentity !== undefined && options.expectedIdentity !== '';
  const { package: pkg } = verifyPackage(bytes, options.keyring, {
    limits: options.limits ?? defaultLimits,
    source: options.source ?? 'package',
    ...(identityGiven ? { expectedIdentity: options.expectedIdentity } : {}),
    requireSignature: !identityGiven && !options.allowUntrusted,
    ...(options.declaredSize === undefined ? {} : { declaredSize: options.declaredSize }),
  });
  const scripts: PackageScript[] = [];
  for (const type of SCRIPT_NAMES) {
    const data = pkg.scripts[type];
    if (data) scripts.push({ type, data });
  }
  return {
    info: pkg.info,
    identity: pkg.identity,
    scripts,
    files: pkg.files.map((f) => ({
      path: f.name,
      type: f.type,
      mode: f.mode,
      uid: f.uid,
      gid: f.gid,
      mtime: f.mtime,
      size: f.size,
      linkTarget: f.linkname,
      devmajor: f.devmajor,
      devminor: f.devminor,
      xattrs: f.xattrs,
      sha1: f.sha1,
    })),
    content: (i) => pkg.files[i]?.content ?? Buffer.alloc(0),
  };
}
