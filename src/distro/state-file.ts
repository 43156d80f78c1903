/** Reads and writes `<out-dir>/.lupine-distro-state.json` (written to a temporary file, then renamed). */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readOptionalFile } from '../core/index.js';
import { type DistroState, emptyState, formatState, parseState, STATE_FILE } from './state.js';

export const stateFilePath = (outDir: string) => join(outDir, STATE_FILE);

export async function readStateFile(outDir: string): Promise<DistroState> {
  const file = stateFilePath(outDir);
  const text = await readOptionalFile(file, 'distro state file', 'utf8');
  return text === undefined ? emptyState() : parseState(text, file);
}

export async function writeStateFile(outDir: string, state: DistroState): Promise<void> {
  const file = stateFilePath(outDir);
  await mkdir(outDir, { recursive: true });
  const tmp = `${file}.tmp`;
  await writeFile(tmp, formatState(state));
  await rename(tmp, file);
}
