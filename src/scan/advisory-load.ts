/**
 * Loading advisory sources (`--db`): a file, a directory (walked, sorted), a tar / tar.gz, or an
 * http(s) URL fetched through the repository fetcher and kept in the repository cache (`offline`: the
 * cache only). An OSV `all.json` index URL brings the records it lists from beside it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLimit, isHttpUrl, type Logger, LupineError, sha256Hex, silentLogger } from '../core/index.js';
import type { Fetcher, PackStore, RepoCache } from '../repo/index.js';
import { type AdvisoryBatch, batchSize, latestDate } from './advisory.js';
import {
  type DecodedAdvisories,
  decodeAdvisories,
  isAdvisoryFileName,
  isUnreadableDocument,
  warningBatch,
} from './advisory-decode.js';
import { type AdvisoryLimits, AdvisorySet, type AdvisorySourceInfo, defaultAdvisoryLimits } from './advisory-set.js';
import { COMPILED_FORMAT, decodeCompiled, encodeCompiled } from './compiled.js';

export interface LoadAdvisoryOptions {
  /** Base for relative paths. */
  readonly cwd: string;
  /** For http(s) sources. */
  readonly fetcher?: Fetcher;
  /** Where downloaded feeds are kept; without one, URLs are fetched every time. */
  readonly cache?: RepoCache;
  /** Only the cache; a feed that is not there is REPO_OFFLINE. */
  readonly offline?: boolean;
  /** Re-use a cached feed younger than this without asking the server. Default 4 h. */
  readonly maxAgeSeconds?: number;
  readonly limits?: AdvisoryLimits;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  /** How many OSV records to fetch at once (index URLs). Default 16. */
  readonly concurrency?: number;
  /**
   * A document that cannot be read (a syntax error, an unknown format) inside a directory, archive
   * or index is an error. Otherwise it is skipped with a warning naming it.
   */
  readonly strict?: boolean;
  /**
   * Where compiled sources are kept, keyed by the sha256 of the source's bytes (and file names): a
   * source read before is not parsed again. Paths only; without a store every load parses.
   */
  readonly compiled?: PackStore;
}

async function fetchDecoded(url: string, options: LoadAdvisoryOptions, strict: boolean): Promise<DecodedAdvisories> {
  const limits = options.limits ?? defaultAdvisoryLimits;
  const decode = (bytes: Uint8Array) =>
    decodeAdvisories(bytes, url, { strict, strictMembers: options.strict ?? false, limits });
  if (options.cache) {
    if (!options.fetcher && !options.offline) throw noFetcher(url);
    const fetcher = options.fetcher ?? { get: () => Promise.reject(noFetcher(url)) };
    const r = await options.cache.fetchIndex(url, fetcher, decode, {
      offline: options.offline ?? false,
      maxBytes: limits.maxFileBytes,
      ...(options.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: options.maxAgeSeconds }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return r.value;
  }
  if (options.offline) {
    throw new LupineError('REPO_OFFLINE', `${url} cannot be read offline without a cache`, {
      details: { url },
      hint: 'give a cache directory, or drop --offline',
    });
  }
  if (!options.fetcher) throw noFetcher(url);
  const r = await options.fetcher.get(url, {
    maxBytes: limits.maxFileBytes,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (r.status !== 'ok') throw new LupineError('REPO_UNREACHABLE', `${url} gave no content`, { details: { url } });
  return decode(r.bytes);
}

function noFetcher(url: string): LupineError {
  return new LupineError('REPO_UNREACHABLE', `no fetcher for ${url}`, { details: { url } });
}

async function loadUrl(url: string, options: LoadAdvisoryOptions): Promise<AdvisoryBatch[]> {
  const top = await fetchDecoded(url, options, true);
  if (!top.indexIds) return top.batches;
  const limits = options.limits ?? defaultAdvisoryLimits;
  checkLimit(`records listed by ${url}`, top.indexIds.length, limits.maxFiles);
  const base = url.slice(0, url.lastIndexOf('/') + 1);
  const ids = [...new Set(top.indexIds)].sort();
  const out: AdvisoryBatch[][] = new Array(ids.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const i = next++;
      const id = ids[i] as string;
      const recordUrl = `${base}${encodeURIComponent(id)}.json`;
      out[i] = await fetchDecoded(recordUrl, options, true).then(
        (d) => d.batches,
        (err: unknown) => skipped(recordUrl, err, options),
      );
      options.logger?.progress?.('advisories', i + 1, ids.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, ids.length) }, worker));
  return out.flat();
}

/** A document that cannot be read: an error under `strict`, else a warning naming it. */
function skipped(source: string, err: unknown, options: LoadAdvisoryOptions): AdvisoryBatch[] {
  if (options.strict || !isUnreadableDocument(err)) throw err;
  const what = err.message.startsWith(source) ? err.message : `${source}: ${err.message}`;
  return [warningBatch([`${what}; skipped (--strict fails instead)`])];
}

function decodeMember(bytes: Uint8Array, source: string, options: LoadAdvisoryOptions): AdvisoryBatch[] {
  const limits = options.limits ?? defaultAdvisoryLimits;
  try {
    return decodeAdvisories(bytes, source, { strict: true, strictMembers: options.strict ?? false, limits }).batches;
  } catch (err) {
    return skipped(source, err, options);
  }
}

/**
 * The advisory files under `dir`, sorted. A symlinked file is followed (a checkout may link documents);
 * a symlinked directory is not (no loops). A FIFO, device or socket with an advisory name would block
 * or never end: it goes to `odd` (warned about), as does a link to one.
 */
async function walk(dir: string, out: string[], limits: AdvisoryLimits, odd: string[]): Promise<void> {
  const names = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const d of names) {
    if (d.name.startsWith('.')) continue;
    const p = join(dir, d.name);
    if (d.isDirectory()) {
      await walk(p, out, limits, odd);
      continue;
    }
    if (!isAdvisoryFileName(d.name) && !/\.(tar|tar\.gz|tgz)$/.test(d.name)) continue;
    const regular =
      d.isFile() ||
      (d.isSymbolicLink() &&
        (await stat(p).then(
          (st) => st.isFile(),
          () => false,
        )));
    if (!regular) {
      odd.push(p);
      continue;
    }
    out.push(p);
    checkLimit(`advisory files under ${dir}`, out.length, limits.maxFiles);
  }
}

/** The key of a source's compiled form: the format, the names and the bytes of its files. */
function compiledKey(spec: string, parts: ReadonlyArray<readonly [string, Uint8Array]>): string {
  const h: Uint8Array[] = [Buffer.from(`lupine-advisories/${COMPILED_FORMAT}\0${spec}\0`)];
  for (const [name, bytes] of parts) h.push(Buffer.from(`${name}\0${bytes.byteLength}\0`), bytes);
  return sha256Hex(Buffer.concat(h));
}

/**
 * The batches of a source through the compiled store: the stored form when there is a good one for
 * these bytes, else `load()` (stored afterwards). Under --strict the store is bypassed (a stored form
 * may hold documents that were skipped with a warning). A failing store only costs speed.
 */
async function throughCompiled(
  key: string,
  options: LoadAdvisoryOptions,
  load: () => Promise<{ batches: AdvisoryBatch[]; keep: boolean }>,
): Promise<AdvisoryBatch[]> {
  const store = options.strict ? undefined : options.compiled;
  if (store) {
    const bytes = await store.get(key).catch(() => undefined);
    const batches = bytes ? decodeCompiled(bytes, key) : undefined;
    if (batches) return batches;
  }
  const { batches, keep } = await load();
  if (store && keep && batches.some((b) => batchSize(b) > 0)) {
    await store.put(key, encodeCompiled(batches, key)).catch((err: unknown) => {
      options.logger?.debug(`the compiled advisories were not stored: ${(err as Error).message}`);
    });
  }
  return batches;
}

async function isRepositoryDir(path: string): Promise<boolean> {
  if (
    !(await stat(join(path, 'security.json')).then(
      (st) => st.isFile(),
      () => false,
    ))
  )
    return false;
  for (const d of await readdir(path, { withFileTypes: true })) {
    if (
      d.isDirectory() &&
      (await stat(join(path, d.name, 'APKINDEX.tar.gz')).then(
        () => true,
        () => false,
      ))
    )
      return true;
  }
  return false;
}

async function loadPath(spec: string, options: LoadAdvisoryOptions): Promise<AdvisoryBatch[]> {
  const path = /^file:\/\//i.test(spec) ? fileURLToPath(spec) : resolve(options.cwd, spec);
  const limits = options.limits ?? defaultAdvisoryLimits;
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (cause) {
    throw new LupineError('IO_ERROR', `cannot read advisory source ${spec}: ${(cause as Error).message}`, {
      cause,
      details: { path: spec },
      hint: 'name a secdb / OSV / advisories YAML file, a directory or archive of them, or an http(s) URL',
    });
  }
  if (!isDir) {
    const bytes = await readFile(path);
    return throughCompiled(compiledKey(spec, [[spec, bytes]]), options, async () => {
      const top = decodeAdvisories(bytes, spec, { limits, strictMembers: options.strict ?? false });
      if (!top.indexIds) return { batches: top.batches, keep: true };
      // An all.json index: the records sit beside it as <id>.json (not compiled: other bytes).
      checkLimit(`records listed by ${spec}`, top.indexIds.length, limits.maxFiles);
      const batches: AdvisoryBatch[] = [];
      for (const id of [...new Set(top.indexIds)].sort()) {
        // The records sit beside the index: an id naming another place (`../x`, `a/b`) is not followed.
        if (/[/\\]|^\.\.?$/.test(id)) {
          options.logger?.warn(`${spec} lists '${id}', which is not a record file name; skipped`);
          continue;
        }
        const file = join(dirname(path), `${id}.json`);
        const record = await readFile(file).catch(() => undefined);
        if (record === undefined) {
          options.logger?.warn(`${spec} lists ${id}, but ${file} is missing`);
          continue;
        }
        batches.push(...decodeMember(record, file, options));
      }
      return { batches, keep: false };
    });
  }
  // A lupine repository directory (ARCH/APKINDEX.tar.gz beside security.json): its secdb.
  if (await isRepositoryDir(path)) return loadPath(join(spec, 'security.json'), options);
  const files: string[] = [];
  const odd: string[] = [];
  await walk(path, files, limits, odd);
  const shownOf = (f: string) => (f.startsWith(`${path}/`) ? join(spec, f.slice(path.length + 1)) : f);
  for (const f of odd) options.logger?.warn(`${shownOf(f)} is not a regular file; skipped`);
  const parts: Array<[string, Buffer]> = [];
  for (const f of files) parts.push([shownOf(f), await readFile(f)]);
  return throughCompiled(compiledKey(spec, parts), options, async () => ({
    batches: parts.flatMap(([shown, bytes]) => decodeMember(bytes, shown, options)),
    keep: true,
  }));
}

/** What one source yielded: its batches and how reports name it. */
export interface LoadedSource {
  readonly batches: AdvisoryBatch[];
  readonly info: AdvisorySourceInfo;
}

/**
 * Loads one source (warnings go to the logger). A source that yields no entry at all is an error:
 * scanning against it would report "no vulnerabilities" for want of data.
 */
export async function loadAdvisorySourceInfo(spec: string, options: LoadAdvisoryOptions): Promise<LoadedSource> {
  const batches = isHttpUrl(spec) ? await loadUrl(spec, options) : await loadPath(spec, options);
  const logger = options.logger ?? silentLogger;
  for (const b of batches) for (const w of b.warnings) logger.warn(w);
  if (!batches.some((b) => batchSize(b) > 0)) {
    const skips = batches.reduce((n, b) => n + b.warnings.length, 0);
    throw new LupineError('SCAN_EMPTY_SOURCE', `advisory source ${spec} yields no advisory entries`, {
      details: { source: spec },
      hint:
        skips > 0
          ? `${skips} problem${skips === 1 ? '' : 's'} reported above; fix or replace the damaged files`
          : 'name a secdb, OSV or advisories YAML source that lists advisories',
    });
  }
  const formats = [...new Set(batches.filter((b) => batchSize(b) > 0).map((b) => b.format ?? 'unknown'))].sort();
  // The data's own date (the latest its documents carry); '' (shown as unknown) when it has none:
  // a file's modification time says when it was copied, not how current its advisories are.
  const date = latestDate(batches.map((b) => b.date));
  const entries = batches.reduce((n, b) => n + batchSize(b), 0);
  return { batches, info: { name: spec, formats, entries, date } };
}

/** Loads one source into batches (see loadAdvisorySourceInfo). */
export async function loadAdvisorySource(spec: string, options: LoadAdvisoryOptions): Promise<AdvisoryBatch[]> {
  return (await loadAdvisorySourceInfo(spec, options)).batches;
}

/** Loads every source into one advisory set. */
export async function loadAdvisories(specs: readonly string[], options: LoadAdvisoryOptions): Promise<AdvisorySet> {
  const all: AdvisoryBatch[] = [];
  const infos: AdvisorySourceInfo[] = [];
  for (const s of specs) {
    const loaded = await loadAdvisorySourceInfo(s, options);
    for (const b of loaded.batches) all.push(b);
    infos.push(loaded.info);
  }
  return AdvisorySet.from(all, options.limits, infos);
}
