import { spawnSync } from 'node:child_process';
import { LupineError } from '../core/index.js';

/**
 * One sync pass over the file system holding `path` (`sync -f`, i.e. syncfs(2)): staged files reach
 * the disk before the journal says they are there, without an fsync per file.
 */
export function syncFileSystem(path: string): void {
  const r = spawnSync('sync', ['-f', path], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new LupineError('IO_ERROR', `sync -f ${path} failed: ${(r.stderr || r.error?.message || '').trim()}`, {
      details: { path },
    });
  }
}
