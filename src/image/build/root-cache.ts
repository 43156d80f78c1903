/**
 * Installed package sets cached by identity: after the installer has expanded a locked set into a
 * fresh root (skeleton, keys, repositories, packages, database), the root is kept under
 * `<dir>/<key>/root`, the key a hash of the arch, every package's identity, the keys, the image's
 * repositories and the build date. A warm rebuild copies it (`cp -a --reflink=auto`, which keeps
 * owners, modes, mtimes and hardlinks) instead of decompressing, verifying and installing again.
 * Entries are written under a temporary name and renamed, so a reader never sees a partial one.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ImageKey } from './sources.js';

const run = promisify(execFile);
/** Bump when what the installer step leaves in a root changes. */
const FORMAT = 1;

export interface RootCacheKeyInput {
  readonly arch: string;
  readonly packages: readonly { readonly name: string; readonly version: string; readonly identity: string }[];
  readonly keys: readonly ImageKey[];
  readonly runtimeRepositories: string;
  readonly buildDate: number;
}

export function rootCacheKey(i: RootCacheKeyInput): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      format: FORMAT,
      arch: i.arch,
      packages: i.packages.map((p) => [p.name, p.version, p.identity]),
      keys: i.keys.map((k) => [k.name, createHash('sha256').update(k.pem).digest('hex')]),
      repositories: i.runtimeRepositories,
      buildDate: i.buildDate,
    }),
  );
  return h.digest('hex');
}

async function copyTree(from: string, to: string): Promise<void> {
  await run('cp', ['-a', '--reflink=auto', `${from}/.`, `${to}/`]);
}

/**
 * Fills the empty `root` from the cache; returns the installer's own database text saved with it,
 * or undefined on a miss (or a key whose identities lack a package identity, which is never cached).
 */
export async function restoreRoot(dir: string, key: string, root: string): Promise<string | undefined> {
  const entry = join(dir, key);
  const db = await readFile(join(entry, 'installed.apk'), 'utf8').catch(() => undefined);
  if (db === undefined || !(await stat(join(entry, 'root')).catch(() => undefined))) return undefined;
  await copyTree(join(entry, 'root'), root);
  return db;
}

/** Saves `root` (as the installer left it) and the installer's database text under `key`. */
export async function saveRoot(dir: string, key: string, root: string, installerDb: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${key}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(join(tmp, 'root'), { recursive: true });
    await copyTree(root, join(tmp, 'root'));
    await writeFile(join(tmp, 'installed.apk'), installerDb);
    await rename(tmp, join(dir, key)).catch(async (err: NodeJS.ErrnoException) => {
      // Another build saved the same set first: theirs is as good as ours.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
