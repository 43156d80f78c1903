/**
 * Where a build's sources come from: with a source store (`sourceStoreDir`, or `<cacheDir>/sources`),
 * every `fetch` / `git-checkout` source is resolved through it before the build starts and staged into
 * the melange cache directory (a temporary one when the build has none). Without a store the guest
 * fetches as melange does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '../../core/index.js';
import type { CompiledRecipe } from '../config/types.js';
import { resolveSources } from './resolve.js';

export interface StagedSources {
  /** The directory to mount at /var/cache/melange (undefined: none). */
  readonly cacheDir: string | undefined;
  /** How many sources were resolved through the store. */
  readonly resolved: number;
  readonly remove: () => Promise<void>;
}

export interface StageSourcesOptions {
  readonly sourceStoreDir?: string;
  readonly cacheDir?: string;
  readonly network?: boolean;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

export async function stageSources(recipe: CompiledRecipe, o: StageSourcesOptions): Promise<StagedSources> {
  const cacheDir = o.cacheDir ? resolve(o.cacheDir) : undefined;
  const storeDir = o.sourceStoreDir ? resolve(o.sourceStoreDir) : cacheDir ? join(cacheDir, 'sources') : undefined;
  const none = async () => {};
  if (storeDir === undefined) return { cacheDir, resolved: 0, remove: none };
  const steps = recipe.packages.flatMap((p) => p.pipeline);
  const temp = cacheDir === undefined ? await mkdtemp(join(tmpdir(), 'lupine-sources-')) : undefined;
  const stageDir = (cacheDir ?? temp) as string;
  const remove = temp ? () => rm(temp, { recursive: true, force: true }) : none;
  try {
    const resolved = await resolveSources(steps, {
      storeDir,
      stageDir,
      network: o.network ?? true,
      logger: o.logger,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return { cacheDir: stageDir, resolved, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
