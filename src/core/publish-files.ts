/**
 * Writes a command's outputs so that they appear together or not at all: each is written under a
 * temporary name beside its target (same directory, so the final rename needs no space), and only
 * when every one is complete are they renamed into place. A failure (a full or read-only disk)
 * removes the temporaries and any directory this call created, and reports IO_ERROR naming the
 * target, not the temporary. A temporary is named `.<name>.<owner>.<hex>.tmp` with the writing
 * process's owner tag, so one left by a killed run (its owner gone) is swept by the next publish
 * beside the same output; a temporary of a live process, or of another pid namespace, is kept.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ioError, isIoFault } from './io-errors.js';
import { ownerTag, ownerTagGone, removeStale } from './owned-dir.js';

export interface StagedOutput {
  /** Where the output ends up (a file or a directory). */
  readonly path: string;
  /** Writes the output at `tmp` (a path that does not exist yet). */
  write(tmp: string): Promise<void>;
  /**
   * The output is a directory: an existing one at `path` is replaced (the caller has checked it is
   * its own kind, e.g. an OCI layout). A file output never replaces a directory.
   */
  readonly directory?: boolean;
}

/** Refuses a file output whose target is an existing directory (`-o ~/project`): EISDIR. */
async function refuseDirectoryTarget(o: StagedOutput): Promise<void> {
  if (o.directory) return;
  const st = await lstat(o.path).catch(() => undefined);
  if (!st?.isDirectory()) return;
  const err: NodeJS.ErrnoException = new Error(`EISDIR: illegal operation on a directory, rename '${o.path}'`);
  err.code = 'EISDIR';
  throw ioError(err, 'write', o.path);
}

const TMP_RE = /^\.(.+)\.([0-9a-f]{16}-\d+-\d+-\d+)\.[0-9a-f]{12}\.tmp$/;

/** Removes the temporaries beside `path` that a killed earlier run left (their owner is gone). */
async function sweepStaleTemporaries(path: string): Promise<void> {
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    const m = TMP_RE.exec(name);
    if (m === null || m[1] !== basename(path)) continue;
    if (await ownerTagGone(m[2] as string)) await removeStale(join(dirname(path), name)).catch(() => undefined);
  }
}

export async function publishFiles(outputs: readonly StagedOutput[]): Promise<void> {
  const created: string[] = [];
  const staged: { tmp: string; path: string; directory: boolean }[] = [];
  let current = outputs[0]?.path;
  for (const o of outputs) await refuseDirectoryTarget(o);
  for (const o of outputs) await sweepStaleTemporaries(o.path);
  const owner = (await ownerTag()) ?? 'unknown';
  try {
    for (const o of outputs) {
      current = o.path;
      const made = await mkdir(dirname(o.path), { recursive: true });
      if (made) created.push(made);
      const tmp = join(dirname(o.path), `.${basename(o.path)}.${owner}.${randomBytes(6).toString('hex')}.tmp`);
      staged.push({ tmp, path: o.path, directory: o.directory === true });
      await o.write(tmp);
    }
    for (const s of staged) {
      current = s.path;
      if (s.directory) await rm(s.path, { recursive: true, force: true });
      await rename(s.tmp, s.path);
    }
  } catch (err) {
    await Promise.all(staged.map((s) => rm(s.tmp, { recursive: true, force: true }).catch(() => undefined)));
    for (const d of created.reverse()) await rm(d, { recursive: true, force: true }).catch(() => undefined);
    if (isIoFault(err)) throw ioError(err, 'write', current);
    throw err;
  }
}

/** One file, written whole or not at all. */
export function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  return publishFiles([{ path, write: (tmp) => writeFile(tmp, data) }]);
}
