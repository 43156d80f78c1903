import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/…). */
export const repoRoot = (() => {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
})();

/** `../shared/vectors` beside the repository: read in place, never copied. */
export const vectorsDir = resolve(repoRoot, '..', 'shared', 'vectors');

export function vector(...parts: string[]): string {
  return join(vectorsDir, ...parts);
}

export const binLupine = join(repoRoot, 'bin', 'lupine');
