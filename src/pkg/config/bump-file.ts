/** `pkg bump` on a file: read, edit (bump.ts), write atomically (temp file in the same directory, then rename). */
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LupineError, readInputFile, statInput } from '../../core/index.js';
import { type BumpOptions, type BumpResult, bumpRecipeText } from './bump.js';

export async function bumpRecipeFile(path: string, version: string, options: BumpOptions = {}): Promise<BumpResult> {
  const text = await readInputFile(path, 'recipe', 'utf8');
  const mode = (await statInput(path, 'recipe')).mode & 0o7777;
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
