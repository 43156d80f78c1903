/** The build log: every progress line and every line of step output, as it happens. */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface BuildLog {
  readonly path: string;
  line(text: string): void;
  close(): Promise<void>;
}

export async function openBuildLog(path: string): Promise<BuildLog> {
  await mkdir(dirname(path), { recursive: true });
  const stream: WriteStream = createWriteStream(path, { flags: 'w' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  let failed = false;
  stream.on('error', () => {
    failed = true;
  });
  return {
    path,
    line: (text) => {
      if (!failed) stream.write(`${text}\n`);
    },
    close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
  };
}
