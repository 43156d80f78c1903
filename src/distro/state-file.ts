/** Reads and writes `<out-dir>/.lupine-distro-state.json` (written to a temporary file, then renamed). */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LupineError } from '../core/index.js';
import { type DistroState, emptyState, formatState, parseState, STATE_FILE } from './state.js';

export const stateFilePath = (outDir: string) => join(outDir, STATE_FILE);

export async function readStateFile(outDir: string): Promise<DistroState> {
  const file = stateFilePath(outDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return emptyState();
    throw new LupineError('IO_ERROR', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseState(text, file);
}

export async function writeStateFile(outDir: string, state: DistroState): Promise<void> {
  const file = stateFilePath(outDir);
  await mkdir(outDir, { recursive: true });
  const tmp = `${file}.tmp`;
  await writeFile(tmp, formatState(state));
  await rename(tmp, file);
}
