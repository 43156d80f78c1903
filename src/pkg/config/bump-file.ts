/** `pkg bump` on a file: read, edit (bump.ts), write atomically (temp file in the same directory, then rename). */
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LupineError } from '../../core/index.js';
import { type BumpOptions, type BumpResult, bumpRecipeText } from './bump.js';

export async function bumpRecipeFile(path: string, version: string, options: BumpOptions = {}): Promise<BumpResult> {
  let text: string;
  let mode: number;
  try {
    text = await readFile(path, 'utf8');
    mode = (await stat(path)).mode & 0o7777;
  } catch (err) {
    throw new LupineError('IO_ERROR', `cannot read recipe ${path}: ${(err as Error).message}`, { cause: err });
  }
  const result = bumpRecipeText(text, version, options);
  if (result.text === text) return result;
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, result.text, { mode, flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new LupineError('IO_ERROR', `cannot write recipe ${path}: ${(err as Error).message}`, { cause: err });
  }
  return result;
}
