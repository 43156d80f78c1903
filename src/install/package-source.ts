import { closeSync, constants, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type ApkPackage, type Keyring, SCRIPT_NAMES, streamVerifiedPackage, verifyPackage } from '../apk/index.js';
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
  const { package: pkg } = verifyPackage(bytes, options.keyring, verifyOptions(options));
  return contentsOf(pkg, (i) => pkg.files[i]?.content ?? Buffer.alloc(0));
}

function verifyOptions(options: ReadVerifiedOptions) {
  const identityGiven = options.expectedIdentity !== undefined && options.expectedIdentity !== '';
  return {
    limits: options.limits ?? defaultLimits,
    source: options.source ?? 'package',
    ...(identityGiven ? { expectedIdentity: options.expectedIdentity } : {}),
    requireSignature: !identityGiven && !options.allowUntrusted,
    ...(options.declaredSize === undefined ? {} : { declaredSize: options.declaredSize }),
  };
}

function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

/**
 * As `readVerifiedPackage`, but the data member is streamed: each regular file's content goes from
 * the inflating gzip straight into `dir/<index>` (a new directory, each file opened exclusively and
 * without following links), its SHA-1 checked on the way and the inflated bytes held to the declared
 * size (LIMIT_EXCEEDED), so memory stays bounded whatever the package holds. The caller owns `dir`
 * and removes it; on an error it may hold part of the content. Legacy packages are read in memory.
 */
export async function extractVerifiedPackage(
  bytes: Uint8Array,
  dir: string,
  options: ReadVerifiedOptions,
): Promise<PackageContents> {
  const spooled = new Map<number, string>();
  let count = 0;
  let fd: number | undefined;
  let made = false;
  let verified: Awaited<ReturnType<typeof streamVerifiedPackage>>;
  try {
    verified = await streamVerifiedPackage(bytes, options.keyring, verifyOptions(options), {
      onEntry(e) {
        // Dot-named data entries are not files of the package (see readPackage).
        if (e.name.startsWith('.')) return;
        const index = count++;
        if (e.type !== 'file') return;
        if (!made) mkdirSync(dir, { mode: 0o700 });
        made = true;
        const path = join(dir, String(index));
        fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        spooled.set(index, path);
      },
      onData(chunk) {
        if (fd !== undefined) writeAll(fd, chunk);
      },
      onEntryEnd() {
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
      },
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (verified === undefined) return readVerifiedPackage(bytes, options);
  const pkg = verified.package;
  // A hardlink's content is its target's file.
  const fileOf = (i: number): string | undefined => {
    const f = pkg.files[i];
    if (f?.type !== 'hardlink') return spooled.get(i);
    const name = f.linkname.replace(/^\/+|\/+$/g, '');
    const target = pkg.files.findIndex((t, j) => j < i && t.type === 'file' && t.name === name);
    return target < 0 ? undefined : spooled.get(target);
  };
  return {
    ...contentsOf(pkg, (i) => {
      const path = fileOf(i);
      return path === undefined ? Buffer.alloc(0) : readFileSync(path);
    }),
    contentFile: fileOf,
  };
}

function contentsOf(pkg: ApkPackage, content: (index: number) => Uint8Array): PackageContents {
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
    content,
  };
}
