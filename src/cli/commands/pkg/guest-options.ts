/**
 * What `pkg build` and `pkg test` share: the options that set up a guest (repositories, keys,
 * directories, network), the architectures, the package cache and the build logger.
 */
import { join, resolve } from 'node:path';
import { selectArchs } from '../../../apk/index.js';
import type { Logger } from '../../../core/index.js';
import type { Parsed } from '../../args.js';
import type { CliIo } from '../../io.js';

/** The guest options both commands take (each adds its own). */
export const GUEST_OPTIONS = {
  arch: { type: 'string' },
  runner: { type: 'string' },
  'out-dir': { type: 'string' },
  'repository-append': { type: 'string', short: 'r', multiple: true },
  'keyring-append': { type: 'string', short: 'k', multiple: true },
  'source-dir': { type: 'string' },
  'pipeline-dir': { type: 'string', multiple: true },
  'cache-dir': { type: 'string' },
  'package-cache-dir': { type: 'string' },
  'workspace-dir': { type: 'string' },
  'env-file': { type: 'string' },
  'vars-file': { type: 'string' },
  'build-option': { type: 'string', multiple: true },
  'no-network': { type: 'boolean' },
  'ignore-signatures': { type: 'boolean' },
  debug: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** Progress and warnings to standard error; step traces with --debug. */
export function buildLogger(io: CliIo, debug = false): Logger {
  return {
    info: (m) => io.stderr.write(`${m}\n`),
    warn: (m) => io.stderr.write(`${m.startsWith('  ') ? m : `warning: ${m}`}\n`),
    debug: (m) => {
      if (debug) io.stderr.write(`debug: ${m}\n`);
    },
  };
}

/** `--arch a,b` (apk or OCI names, `host`, `all`), else the host's: the one arch-selection rule. */
export function parseArchs(value: string | undefined, command: string): string[] {
  return selectArchs({ requested: value, otherwise: 'host', command });
}

/**
 * lupine's package cache: --package-cache-dir, $XDG_CACHE_HOME/lupine/pkg, ~/.cache/lupine/pkg;
 * else undefined: the builder's own default inside its per-user temp dir (never a shared path in
 * a world-writable $TMPDIR another user could have created first).
 */
export function packageCacheDir(io: CliIo, given: string | undefined): string | undefined {
  if (given !== undefined) return resolve(io.cwd, given);
  if (io.env.XDG_CACHE_HOME) return join(io.env.XDG_CACHE_HOME, 'lupine', 'pkg');
  if (io.env.HOME) return join(io.env.HOME, '.cache', 'lupine', 'pkg');
  return undefined;
}

/** The guest part of buildRecipe's and testRecipe's options, paths resolved against the cwd. */
export interface GuestInputs {
  readonly outDir: string;
  readonly repositories: string[];
  readonly keys: string[];
  readonly pipelineDirs: string[];
  readonly buildOptions: string[];
  readonly packageCacheDir: string | undefined;
  readonly sourceDir?: string;
  readonly cacheDir?: string;
  readonly workspaceDir?: string;
  readonly envFile?: string;
  readonly varsFile?: string;
  readonly network?: false;
  readonly allowUntrusted?: true;
  readonly debug?: true;
  readonly signal?: AbortSignal;
  readonly logger: Logger;
}

export function guestInputs(v: Parsed<typeof GUEST_OPTIONS>['values'], io: CliIo): GuestInputs {
  const at = (p: string) => resolve(io.cwd, p);
  // `@tag URL` keeps its tag; a local repository path is made absolute.
  const repoArg = (r: string) => {
    const m = /^(@\S+\s+)?(.*)$/.exec(r) as RegExpExecArray;
    const url = m[2] as string;
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? r : `${m[1] ?? ''}${at(url)}`;
  };
  return {
    outDir: at(v['out-dir'] ?? 'packages'),
    repositories: (v['repository-append'] ?? []).map(repoArg),
    keys: (v['keyring-append'] ?? []).map((k) => (/^https?:\/\//i.test(k) ? k : at(k))),
    pipelineDirs: (v['pipeline-dir'] ?? []).map(at),
    buildOptions: v['build-option'] ?? [],
    packageCacheDir: packageCacheDir(io, v['package-cache-dir']),
    ...(v['source-dir'] ? { sourceDir: at(v['source-dir']) } : {}),
    ...(v['cache-dir'] ? { cacheDir: at(v['cache-dir']) } : {}),
    ...(v['workspace-dir'] ? { workspaceDir: at(v['workspace-dir']) } : {}),
    ...(v['env-file'] ? { envFile: at(v['env-file']) } : {}),
    ...(v['vars-file'] ? { varsFile: at(v['vars-file']) } : {}),
    ...(v['no-network'] ? { network: false as const } : {}),
    ...(v['ignore-signatures'] ? { allowUntrusted: true as const } : {}),
    ...(v.debug ? { debug: true as const } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    logger: buildLogger(io, v.debug === true),
  };
}
