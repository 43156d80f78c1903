/**
 * What a recipe is built from, hashed: the recipe file, and the folder of patches and sources
 * beside it (`foo.yaml` → `foo/`): every entry's relative path, type, executable bit and contents
 * (or symlink target), in sorted order. Modification times do not count.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LupineError, readInputFile } from '../core/index.js';
import type { RecipeInputs } from './state.js';

/** The folder that belongs to a recipe file. */
export function recipeFolder(file: string): string {
  return join(dirname(file), basename(file).replace(/\.ya?ml$/, ''));
}

/** sha256 over a folder's sorted entries; '' when the folder does not exist. */
export async function hashFolder(dir: string): Promise<string> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st?.isDirectory()) return '';
  const entries = (await readdir(dir, { recursive: true })).map(String).sort();
  const h = createHash('sha256');
  for (const rel of entries) {
    const path = join(dir, rel);
    const s = await lstat(path);
    if (s.isSymbolicLink()) h.update(`l ${rel} ${await readlink(path)}\n`);
    else if (s.isDirectory()) h.update(`d ${rel}\n`);
    else if (s.isFile()) {
      const sum = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
      h.update(`f ${rel} ${s.mode & 0o111 ? 'x' : '-'} ${sum}\n`);
    } else {
      throw new LupineError('IO_ERROR', `${path}: recipe folders hold only files, directories and symlinks`, {
        details: { path },
      });
    }
  }
  return h.digest('hex');
}

export async function hashRecipeInputs(file: string): Promise<RecipeInputs> {
  const text = await readInputFile(file, 'recipe');
  return {
    recipeHash: createHash('sha256').update(text).digest('hex'),
    folderHash: await hashFolder(recipeFolder(file)),
  };
}
