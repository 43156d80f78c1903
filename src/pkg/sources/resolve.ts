/**
 * Resolves a recipe's `fetch` and `git-checkout` sources through the source store before the build
 * starts (I/O edge): a stored copy is used without any network; a missing one is downloaded (when the
 * network is allowed), checked and stored; bytes that differ from the recipe's checksum stop the build
 * naming both sums. Resolved sources are staged into the melange cache directory the guest mounts at
 * /var/cache/melange, where the `fetch` (`sha256:<hex>`) and `git-checkout` (`git/<commit>.bundle`)
 * pipelines find them.
 */
import { join } from 'node:path';
import { type Logger, LupineError, silentLogger } from '../../core/index.js';
import { defaultFetcher, type Fetcher, redactUrl } from '../../repo/index.js';
import type { CompiledStep } from '../config/types.js';
import { storeGitCheckout } from './git-source.js';
import { hashBytes, isChecksum, linkOrCopy, type SourceAlgorithm, type SourceChecksum, SourceStore } from './store.js';

/** A `fetch` step's source, or a `git-checkout` step's. */
export type StoreSource =
  | { readonly kind: 'fetch'; readonly uri: string; readonly checksum?: SourceChecksum; readonly where: string }
  | {
      readonly kind: 'git';
      readonly repository: string;
      readonly ref: string;
      readonly commit: string;
      readonly where: string;
    };

/** The `fetch` and `git-checkout` sources of the steps (nested ones included), in order. Pure. */
export function recipeSources(steps: readonly CompiledStep[], out: StoreSource[] = []): StoreSource[] {
  for (const s of steps) {
    const w = s.with ?? {};
    const where = `${s.origin.file}:${s.origin.line}`;
    if (s.uses === 'fetch' && w.uri) {
      const algorithm: SourceAlgorithm | undefined = w['expected-sha256']
        ? 'sha256'
        : w['expected-sha512']
          ? 'sha512'
          : undefined;
      const hex = algorithm ? (w[`expected-${algorithm}`] as string).trim().toLowerCase() : '';
      out.push({ kind: 'fetch', uri: w.uri, ...(algorithm ? { checksum: { algorithm, hex } } : {}), where });
    } else if (s.uses === 'git-checkout' && w.repository) {
      out.push({
        kind: 'git',
        repository: w.repository,
        ref: w.tag || w.branch || '',
        commit: (w['expected-commit'] ?? '').trim().toLowerCase(),
        where,
      });
    } else if (s.pipeline) {
      recipeSources(s.pipeline, out);
    }
  }
  return out;
}

export interface ResolveSourcesOptions {
  /** The source store (`<cache>/sources`). */
  readonly storeDir: string;
  /** Where the guest's /var/cache/melange comes from: resolved sources are linked in here (none: only stored). */
  readonly stageDir?: string;
  /** false: never download; a source missing from the store is SOURCE_MISSING. */
  readonly network: boolean;
  readonly fetcher?: Fetcher;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

const FETCHABLE = /^(?:https?|file):\/\//i;
const MAX_SOURCE_BYTES = 1024 ** 3;

function missing(what: string, path: string, why: string): LupineError {
  return new LupineError('SOURCE_MISSING', `${what} is not in the source store (${path}) and ${why}`, {
    details: { path },
    hint: 'fill the store with `lupine distro fetch DIR` (sources from the configured Debian archive), or build with the network',
  });
}

export function mismatch(what: string, expected: SourceChecksum, actualHex: string, from: string): LupineError {
  return new LupineError(
    'SOURCE_CHECKSUM_MISMATCH',
    `${what}: the bytes from ${from} have ${expected.algorithm} ${actualHex}, the recipe expects ${expected.hex}`,
    {
      details: {
        expected: `${expected.algorithm}:${expected.hex}`,
        actual: `${expected.algorithm}:${actualHex}`,
        from,
      },
      hint: `if the new bytes are the release you want (check its upstream signature), set expected-${expected.algorithm}: ${actualHex} in the recipe; otherwise the download is wrong: do not build from it`,
    },
  );
}

export async function resolveFetch(
  src: Extract<StoreSource, { kind: 'fetch' }>,
  store: SourceStore,
  o: ResolveSourcesOptions,
): Promise<void> {
  const logger = o.logger ?? silentLogger;
  const what = `source ${redactUrl(src.uri)} (${src.where})`;
  const c = src.checksum;
  if (!c) {
    logger.warn(`lupine pkg: ${what} has no expected-sha256 or expected-sha512: not taken from the source store`);
    return;
  }
  if (!isChecksum(c.algorithm, c.hex)) {
    throw new LupineError('SOURCE_UNPINNED', `${what}: expected-${c.algorithm} '${c.hex}' is not a ${c.algorithm}`, {
      hint: `write the ${c.algorithm} of the source archive as lowercase hex`,
    });
  }
  let path = await store.lookup(c, what);
  if (path) {
    logger.info(`lupine pkg: source ${c.algorithm}:${c.hex.slice(0, 12)}… from the store for ${redactUrl(src.uri)}`);
  } else {
    if (!o.network) throw missing(what, store.path(c), 'the network is off for this build');
    if (!FETCHABLE.test(src.uri)) throw missing(what, store.path(c), `'${src.uri}' cannot be downloaded`);
    logger.info(`lupine pkg: downloading ${redactUrl(src.uri)} into the source store`);
    const fetcher = o.fetcher ?? defaultFetcher({ ...(o.logger ? { logger: o.logger } : {}) });
    const got = await fetcher
      .get(src.uri, { maxBytes: MAX_SOURCE_BYTES, ...(o.signal ? { signal: o.signal } : {}) })
      .catch((err: unknown) => {
        throw missing(what, store.path(c), `downloading it failed: ${(err as Error).message}`);
      });
    if (got.status !== 'ok') throw missing(what, store.path(c), `downloading it failed (${got.status})`);
    const actual = hashBytes(c.algorithm, got.bytes);
    if (actual !== c.hex) throw mismatch(what, c, actual, redactUrl(src.uri));
    path = await store.put(got.bytes, c.algorithm);
  }
  if (o.stageDir !== undefined) await linkOrCopy(path, join(o.stageDir, `${c.algorithm}:${c.hex}`));
}

/** Resolves every source of the steps before the build starts; throws on the first that cannot be. */
export async function resolveSources(steps: readonly CompiledStep[], o: ResolveSourcesOptions): Promise<number> {
  const store = new SourceStore(o.storeDir);
  const sources = recipeSources(steps);
  for (const src of sources) {
    if (src.kind === 'fetch') await resolveFetch(src, store, o);
    else await storeGitCheckout(src, store, o);
  }
  return sources.length;
}
