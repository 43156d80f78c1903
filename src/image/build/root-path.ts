/**
 * Paths inside an image root, resolved as they would be inside the image (chroot semantics): an
 * absolute symlink target is relative to the root, and `..` never climbs above it. Nothing the image
 * contains can make a build touch a host path.
 */
import { chmodSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LupineError } from '../../core/index.js';

const MAX_HOPS = 40;

/** The path as a list of components, with `.` dropped; `..` is refused. */
export function imagePathParts(path: string): string[] {
  const parts = path.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) {
    throw new LupineError('IMAGE_BUILD_PATH', `${path}: '..' is not allowed in an image path`, { details: { path } });
  }
  return parts;
}

function kindOf(abs: string): 'missing' | 'symlink' | 'dir' | 'other' {
  try {
    const st = lstatSync(abs);
    if (st.isSymbolicLink()) return 'symlink';
    return st.isDirectory() ? 'dir' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
}

/**
 * The real path (relative to the root, no leading `/`) that `path` names inside the image. With
 * `followLast` false the last component is kept as is (it is about to be replaced or created).
 */
export function resolveImagePath(root: string, path: string, followLast: boolean): string {
  const queue = imagePathParts(path);
  const last = followLast ? undefined : queue.pop();
  const stack: string[] = [];
  let hops = 0;
  while (queue.length > 0) {
    const c = queue.shift() as string;
    if (c === '..') {
      stack.pop();
      continue;
    }
    stack.push(c);
    const abs = join(root, ...stack);
    if (kindOf(abs) !== 'symlink') continue;
    if (++hops > MAX_HOPS) {
      throw new LupineError('IMAGE_BUILD_PATH', `${path}: too many levels of symbolic links`, { details: { path } });
    }
    const target = readlinkSync(abs);
    stack.pop();
    if (target.startsWith('/')) stack.length = 0;
    queue.unshift(...target.split('/').filter((t) => t !== '' && t !== '.'));
  }
  if (last !== undefined) stack.push(last);
  return stack.join('/');
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
  return readFileSync(join(root, resolveImagePath(root, path, true)));
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
