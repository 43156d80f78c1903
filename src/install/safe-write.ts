/**
 * Writing into a root that packages and scripts also write to: every directory on the way must be
 * a real directory (no symlink a package shipped), and files are created under fresh temporary
 * names with O_EXCL | O_NOFOLLOW, then renamed into place, so nothing is written through a link.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { LupineError } from '../core/index.js';

function notOurs(root: string, rel: string, why: string): LupineError {
  return new LupineError('INSTALL_SYMLINK_ESCAPE', `refusing to write '${rel}' in ${root}: ${why}`, {
    details: { root, path: rel, why },
    hint: 'a package or script put a link or file where lupine keeps its own files; inspect the root',
  });
}

/** Makes `rel` (relative to root) a directory, refusing any component that is not a real directory. */
export function ensureRealDir(root: string, rel: string, mode = 0o755): void {
  let at = root;
  let walked = '';
  for (const part of rel.split('/').filter(Boolean)) {
    at = join(at, part);
    walked = walked ? `${walked}/${part}` : part;
    let st: ReturnType<typeof lstatSync> | undefined;
    try {
      st = lstatSync(at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (st === undefined) {
      try {
        mkdirSync(at, mode);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (!lstatSync(at).isDirectory()) throw notOurs(root, rel, `'${walked}' is not a directory`);
    } else if (!st.isDirectory()) {
      throw notOurs(root, rel, `'${walked}' is ${st.isSymbolicLink() ? 'a symlink' : 'not a directory'}`);
    }
  }
}

/**
 * Writes `data` to `rel` (relative to root) without following any link: the parent must be a chain
 * of real directories; the content goes to a new temporary name (O_EXCL | O_NOFOLLOW), is synced,
 * then renamed over `rel` (a symlink at `rel` is replaced, never followed).
 */
export function writeFileInRoot(root: string, rel: string, data: Uint8Array | string, mode = 0o644): void {
  const slash = rel.lastIndexOf('/');
  const dir = slash < 0 ? '' : rel.slice(0, slash);
  ensureRealDir(root, dir);
  const name = rel.slice(slash + 1);
  const tmp = join(root, dir, `.${name}.lupine-${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(root, rel));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
