/**
 * Paths inside an image root, resolved as they would be inside the image (chroot semantics): an
 * absolute symlink target is relative to the root, and `..` never climbs above it. Nothing the image
 * contains can make a build touch a host path.
 */
import { chmodSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LupineError, type RootPathError, readRootFile, resolveRootPath, rootPathParts } from '../../core/index.js';

const imagePathError: RootPathError = (path, why) =>
  new LupineError('IMAGE_BUILD_PATH', `${path}: ${why}`, { details: { path } });

/** The path as a list of components, with `.` dropped; `..` is refused. */
export function imagePathParts(path: string): string[] {
  return rootPathParts(path, imagePathError);
}

/**
 * The real path (relative to the root, no leading `/`) that `path` names inside the image. With
 * `followLast` false the last component is kept as is (it is about to be replaced or created).
 */
export function resolveImagePath(root: string, path: string, followLast: boolean): string {
  return resolveRootPath(root, path, followLast, imagePathError);
}

/**
 * Writes a file at an image path after installation, when packages may have put symlinks anywhere:
 * every component (the last too) is resolved inside the root first, so the write lands in the
 * image whatever a package planted. Missing parents are created 0755. Returns the real path.
 */
export function writeImageFile(root: string, path: string, data: string | Uint8Array, mode: number): string {
  const rel = resolveImagePath(root, path, true);
  const slash = rel.lastIndexOf('/');
  if (slash > 0) mkdirSync(join(root, rel.slice(0, slash)), { recursive: true, mode: 0o755 });
  writeFileSync(join(root, rel), data, { mode });
  chmodSync(join(root, rel), mode);
  return rel;
}

/** Reads a file at an image path, every symlink resolved inside the root (never a host file). */
export function readImageFile(root: string, path: string): Buffer {
  const bytes = readRootFile(root, path, { fail: imagePathError });
  if (bytes === undefined) {
    const err: NodeJS.ErrnoException = new Error(`ENOENT: no such file or directory, open '${join(root, path)}'`);
    err.code = 'ENOENT';
    throw err;
  }
  return bytes;
}

/** Whether a host path exists, without following a final symlink (a dangling link exists). */
export function existsNoFollow(abs: string): boolean {
  try {
    lstatSync(abs);
    return true;
  } catch {
    return false;
  }
}
