/**
 * Sources travel through the artifact store, not a shared file system: workers start with an
 * empty source store. Before enqueueing a recipe the coordinator pushes each `fetch` archive and
 * `git-checkout` bundle the recipe names that its own source store holds (a blob by its sha256:
 * pushed once, a HEAD when already there) and lists them in the job; the worker pulls each into
 * its own source store, checking the bytes against the recipe's checksum (the store's digest is
 * checked on download too), so the build resolves them as a local one would. A source the
 * coordinator lacks is not listed: the worker downloads it as a local build would.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Logger, LupineError } from '../core/index.js';
import {
  compileForBuild,
  gitBundlePath,
  hashBytes,
  isChecksum,
  recipeSources,
  type SourceAlgorithm,
  SourceStore,
} from '../pkg/index.js';
import { writeFileAtomic } from '../repo/index.js';
import type { ArtifactStore } from './store.js';

/** One source of a job: what the recipe pins, and the store blob holding its bytes. */
export type JobSource =
  | { readonly kind: 'fetch'; readonly algorithm: SourceAlgorithm; readonly hex: string; readonly digest: string }
  | { readonly kind: 'git'; readonly commit: string; readonly digest: string };

/** At most this many sources per job (a recipe names a handful). */
export const JOB_SOURCES_MAX = 256;

/**
 * Pushes the sources of `recipeFile` that `storeDir` holds; returns them for the job. Compiling
 * the recipe here is the same compile the build does (same arch and pipelines).
 */
export async function shareSources(
  recipeFile: string,
  o: { arch: string; pipelineDirs: readonly string[]; storeDir: string; store: ArtifactStore; logger: Logger },
): Promise<JobSource[]> {
  const c = await compileForBuild(recipeFile, { arch: o.arch, pipelineDirs: [...o.pipelineDirs] }, o.logger);
  if (!('recipe' in c)) return [];
  const local = new SourceStore(o.storeDir);
  const out: JobSource[] = [];
  for (const src of recipeSources(c.recipe.packages.flatMap((p) => p.pipeline))) {
    if (src.kind === 'fetch') {
      const sum = src.checksum;
      if (sum === undefined || !isChecksum(sum.algorithm, sum.hex)) continue;
      const path = await local.lookup(sum, `source ${sum.algorithm}:${sum.hex}`);
      if (path === undefined) continue;
      const digest = await o.store.pushBlob(await readFile(path));
      out.push({ kind: 'fetch', algorithm: sum.algorithm, hex: sum.hex, digest });
    } else if (/^[0-9a-f]{40}$/.test(src.commit)) {
      const bytes = await readFile(gitBundlePath(local, src.commit)).catch(() => undefined);
      if (bytes === undefined) continue;
      out.push({ kind: 'git', commit: src.commit, digest: await o.store.pushBlob(bytes) });
    }
  }
  if (out.length > 0) o.logger.info(`${out.length} source(s) from the source store sent through ${o.store.where}`);
  return out;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function invalid(what: string): LupineError {
  return new LupineError('CLUSTER_JOB_INVALID', `job refused: ${what}`, {
    details: { field: 'sources' },
    hint: 'only lupine coordinators should write to the cluster Redis: check who can reach it (set a password)',
  });
}

/** The `sources` field of job data, checked (Redis is not trusted). */
export function checkJobSources(v: unknown): JobSource[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > JOB_SOURCES_MAX) throw invalid('sources is not a list of sources');
  return v.map((raw: unknown): JobSource => {
    const s = (raw ?? {}) as Record<string, unknown>;
    if (typeof s.digest !== 'string' || !DIGEST.test(s.digest)) throw invalid('a source without a valid digest');
    if (s.kind === 'fetch') {
      const algorithm = s.algorithm;
      if ((algorithm !== 'sha256' && algorithm !== 'sha512') || typeof s.hex !== 'string') {
        throw invalid('a fetch source without a checksum');
      }
      if (!isChecksum(algorithm, s.hex)) throw invalid(`a fetch source whose ${algorithm} is not hex`);
      return { kind: 'fetch', algorithm, hex: s.hex, digest: s.digest };
    }
    if (s.kind === 'git' && typeof s.commit === 'string' && /^[0-9a-f]{40}$/.test(s.commit)) {
      return { kind: 'git', commit: s.commit, digest: s.digest };
    }
    throw invalid('a source of unknown kind');
  });
}

/**
 * Pulls the job's sources into the worker's source store (those already there are kept: the
 * build checks them again). A fetch source whose bytes do not have the recipe's checksum is refused
 * (SOURCE_CHECKSUM_MISMATCH); a git bundle is checked against its commit when the build uses it,
 * and one already cached for a commit is kept. Each blob is read up to the store's size limit.
 */
export async function receiveSources(
  sources: readonly JobSource[],
  store: ArtifactStore,
  storeDir: string,
): Promise<void> {
  const local = new SourceStore(storeDir);
  for (const s of sources) {
    if (s.kind === 'fetch') {
      const sum = { algorithm: s.algorithm, hex: s.hex };
      if ((await local.lookup(sum, `source ${s.algorithm}:${s.hex}`)) !== undefined) continue;
      const bytes = await store.getBlob(s.digest);
      const actual = hashBytes(s.algorithm, bytes);
      if (actual !== s.hex) {
        throw new LupineError(
          'SOURCE_CHECKSUM_MISMATCH',
          `source ${s.algorithm}:${s.hex} from ${store.where} (${s.digest}) has ${s.algorithm} ${actual}`,
          {
            details: { expected: `${s.algorithm}:${s.hex}`, actual: `${s.algorithm}:${actual}`, digest: s.digest },
            hint: 'the job names a blob that is not the recipe source: check who can write to Redis and the store',
          },
        );
      }
      await local.put(bytes, s.algorithm);
    } else {
      const path = gitBundlePath(local, s.commit);
      // A bundle already cached for this commit is kept, never replaced by what a job names (the
      // build checks the one it uses against its commit).
      if (
        await stat(path).then(
          () => true,
          () => false,
        )
      )
        continue;
      const bytes = await store.getBlob(s.digest);
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, bytes);
    }
  }
}
