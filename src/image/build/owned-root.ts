/**
 * Where an arch's root is assembled: `<tmp>/lupine-image-XXXXXX/root`, the parent holding the owner
 * file (`makeOwnedDir`), so the file never lands in the image and the root of a killed build is
 * swept by the next (`sweepStaleRoots`). A root kept for the caller (`keepRoots`) moves out to
 * `<tmp>/lupine-root-<arch>-XXXXXX`, a name the sweep never looks at (I/O edge).
 */
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Logger, makeOwnedDir, sweepStaleDirs } from '../../core/index.js';

const PREFIX = 'lupine-image-';

export interface OwnedRoot {
  readonly root: string;
  /** Removes the root and its owned parent. */
  remove(): Promise<void>;
  /** Moves the root out of its owned parent (never swept) and returns where it now is. */
  keep(): Promise<string>;
}

export async function makeOwnedRoot(parent: string, arch: string): Promise<OwnedRoot> {
  const owned = await makeOwnedDir(parent, PREFIX);
  const root = join(owned, 'root');
  const remove = () => rm(owned, { recursive: true, force: true });
  await mkdir(root, { mode: 0o755 }).catch(async (err: unknown) => {
    await remove();
    throw err;
  });
  return {
    root,
    remove,
    keep: async () => {
      const kept = await mkdtemp(join(dirname(owned), `lupine-root-${arch}-`));
      // rename(2) replaces an empty directory.
      await rename(root, kept);
      await remove();
      return kept;
    },
  };
}

/** Removes the roots (`<parent>/lupine-image-*`) of image builds that were killed. */
export async function sweepStaleRoots(parent: string, logger: Logger): Promise<void> {
  const s = await sweepStaleDirs(parent, PREFIX);
  for (const p of s.removed) logger.info(`removed ${p}, left by an image build that was killed`);
  for (const f of s.failed) logger.warn(`cannot remove ${f.path}, left by a killed image build: ${f.error}`);
}
