/**
 * Loading advisory sources (`--db`): a file, a directory (walked, sorted), a tar / tar.gz, or an
 * http(s) URL fetched through the repository fetcher and kept in the repository cache (`offline`: the
 * cache only). An OSV `all.json` index URL brings the records it lists from beside it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLimit, type Logger, LupineError, silentLogger } from '../core/index.js';
import type { Fetcher, RepoCache } from '../repo/index.js';
import type { AdvisoryBatch } from './advisory.js';
import { type AdvisoryLimits, AdvisorySet, defaultAdvisoryLimits } from './advisory-set.js';
import { type DecodedAdvisories, decodeAdvisories, isAdvisoryFileName } from './advisory-decode.js';

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
}

function isUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

async function fetchDecoded(url: string, options: LoadAdvisoryOptions, strict: boolean): Promise<DecodedAdvisories> {
  const limits = options.limits ?? defaultAdvisoryLimits;
  const decode = (bytes: Uint8Array) => decodeAdvisories(bytes, url, { strict, limits });
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
      out[i] = (await fetchDecoded(`${base}${encodeURIComponent(id)}.json`, options, false)).batches;
      options.logger?.progress?.('advisories', i + 1, ids.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, ids.length) }, worker));
  return out.flat();
}

async function walk(dir: string, out: string[], limits: AdvisoryLimits): Promise<void> {
  const names = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const d of names) {
    if (d.name.startsWith('.')) continue;
    const p = join(dir, d.name);
    if (d.isDirectory()) await walk(p, out, limits);
    else if (d.isFile() && (isAdvisoryFileName(d.name) || /\.(tar|tar\.gz|tgz)$/.test(d.name))) {
      out.push(p);
      checkLimit(`advisory files under ${dir}`, out.length, limits.maxFiles);
    }
  }
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
    const top = decodeAdvisories(await readFile(path), spec, { limits });
    if (!top.indexIds) return top.batches;
    // An all.json index: the records sit beside it as <id>.json.
    checkLimit(`records listed by ${spec}`, top.indexIds.length, limits.maxFiles);
    const batches: AdvisoryBatch[] = [];
    for (const id of [...new Set(top.indexIds)].sort()) {
      const file = join(dirname(path), `${id}.json`);
      const bytes = await readFile(file).catch(() => undefined);
      if (bytes === undefined) {
        options.logger?.warn(`${spec} lists ${id}, but ${file} is missing`);
        continue;
      }
      batches.push(...decodeAdvisories(bytes, file, { strict: false, limits }).batches);
    }
    return batches;
  }
  const files: string[] = [];
  await walk(path, files, limits);
  const batches: AdvisoryBatch[] = [];
  for (const f of files) {
    const shown = f.startsWith(`${path}/`) ? join(spec, f.slice(path.length + 1)) : f;
    batches.push(...decodeAdvisories(await readFile(f), shown, { strict: false, limits }).batches);
  }
  return batches;
}

/** Loads one source into batches (warnings go to the logger). */
export async function loadAdvisorySource(spec: string, options: LoadAdvisoryOptions): Promise<AdvisoryBatch[]> {
  const batches = isUrl(spec) ? await loadUrl(spec, options) : await loadPath(spec, options);
  const logger = options.logger ?? silentLogger;
  for (const b of batches) for (const w of b.warnings) logger.warn(w);
  return batches;
}

/** Loads every source into one advisory set. */
export async function loadAdvisories(specs: readonly string[], options: LoadAdvisoryOptions): Promise<AdvisorySet> {
  const all: AdvisoryBatch[] = [];
  for (const s of specs) for (const b of await loadAdvisorySource(s, options)) all.push(b);
  return AdvisorySet.from(all, options.limits);
}
