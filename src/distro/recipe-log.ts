/** The per-recipe log file `<out-dir>/logs/<name>.log`, rewritten by every build of the recipe. */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecipeLog } from './builder.js';

export const logPath = (outDir: string, name: string) => join(outDir, 'logs', `${name}.log`);

export async function openRecipeLog(outDir: string, name: string): Promise<RecipeLog> {
  const path = logPath(outDir, name);
  await mkdir(join(outDir, 'logs'), { recursive: true });
  const stream = createWriteStream(path, { flags: 'w' });
  const line = (level: string) => (message: string) => {
    for (const l of message.split('\n')) stream.write(`${level}${l}\n`);
  };
  return {
    path,
    logger: { info: line(''), warn: line('warning: '), debug: line('debug: ') },
    close: () =>
      new Promise<void>((resolve, reject) => {
        stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
      }),
  };
}
