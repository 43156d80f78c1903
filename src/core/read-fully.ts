/** Filling a buffer from an open file in a loop of `readSync`s (one call may return less). */
import { readSync } from 'node:fs';

/** Reads `fd` from offset 0 into `buf` until it is full or the file ends; returns how many bytes were read. */
export function readFullySync(fd: number, buf: Buffer): number {
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, off);
    if (n === 0) break;
    off += n;
  }
  return off;
}
