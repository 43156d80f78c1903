/**
 * What `scan`, `sbom` and `report` share: the tool version they record, a warnings-only logger,
 * targets read with registries opened from env credentials, and the advisory databases behind a cache.
 */
import { join, resolve } from 'node:path';
import { type Logger, LupineError, termSafe } from '../../../core/index.js';
import type { Reference, RegistryClient } from '../../../oci/index.js';
import { defaultFetcher, PackDirectory, RepoCache } from '../../../repo/index.js';
import { type AdvisorySet, loadAdvisories, readScanTarget, type ScanTarget } from '../../../scan/index.js';
import type { CliIo } from '../../io.js';
import { openRegistry } from '../common/open-registry.js';
import { setOnly } from '../common/set-only.js';

export { TOOL_VERSION } from '../../../core/index.js';

/** A usage error that points at the command's help. */
export function usage(command: string, message: string): LupineError {
  return new LupineError('USAGE', `${command}: ${message}`, { hint: `see 'lupine ${command} --help'` });
}

/** Warnings to standard error; the rest is quiet. */
export function stderrLogger(io: CliIo): Logger {
  return {
    info() {},
    debug() {},
    // Warnings quote data (file names, advisory text, package names): safe for a terminal.
    warn: (m) => io.stderr.write(`lupine: warning: ${termSafe(m)}\n`),
  };
}

/** Opens an image reference's registry with env credentials (LUPINE_REGISTRY_AUTH style). */
export function registryOpener(
  io: CliIo,
  insecure: boolean,
): (text: string) => { reference: Reference; client: RegistryClient } {
  return (text) => {
    const { ref, client } = openRegistry(text, io, insecure);
    return { reference: ref, client };
  };
}

/** Reads a target, opening registries when needed. */
export function readTarget(
  target: string,
  io: CliIo,
  opts: { arch?: string | undefined; insecure?: boolean | undefined },
): Promise<ScanTarget> {
  return readScanTarget(target, {
    cwd: io.cwd,
    ...setOnly({ arch: opts.arch }),
    openRegistry: registryOpener(io, opts.insecure ?? false),
  });
}

/** --cache-dir, LUPINE_CACHE_DIR, $XDG_CACHE_HOME/lupine, ~/.cache/lupine. */
function cacheDir(io: CliIo, given: string | undefined, command: string): string {
  if (given) return resolve(io.cwd, given);
  if (io.env.LUPINE_CACHE_DIR) return resolve(io.cwd, io.env.LUPINE_CACHE_DIR);
  const base = io.env.XDG_CACHE_HOME || (io.env.HOME ? join(io.env.HOME, '.cache') : undefined);
  if (!base) throw usage(command, 'no cache directory: set --cache-dir, LUPINE_CACHE_DIR or HOME');
  return join(base, 'lupine');
}

export interface OpenAdvisoriesOptions {
  /** The command, for usage errors. */
  readonly command: string;
  /** `--cache-dir`, for remote databases. */
  readonly cacheDir: string | undefined;
  readonly offline: boolean;
  readonly logger: Logger;
  /** `--strict`: a document that cannot be read fails the load instead of being skipped. */
  readonly strict?: boolean;
}

/** Loads advisory databases (files or URLs); remote ones go through the advisory cache. */
export async function openAdvisories(
  dbs: readonly string[],
  io: CliIo,
  opts: OpenAdvisoriesOptions,
): Promise<AdvisorySet> {
  const cache = dbs.some((d) => /^https?:\/\//i.test(d))
    ? await RepoCache.open(join(cacheDir(io, opts.cacheDir, opts.command), 'advisories'), { logger: opts.logger })
    : undefined;
  // Compiled sources (keyed by their bytes) under <cache>/advisories/packs; no cache dir: none.
  let compiled: PackDirectory | undefined;
  try {
    compiled = new PackDirectory(join(cacheDir(io, opts.cacheDir, opts.command), 'advisories'));
  } catch {
    compiled = undefined;
  }
  return loadAdvisories(dbs, {
    cwd: io.cwd,
    fetcher: defaultFetcher({ env: io.env }),
    offline: opts.offline,
    logger: opts.logger,
    strict: opts.strict ?? false,
    ...setOnly({ cache, compiled, signal: io.signal }),
  });
}
