/**
 * What `pkg build` and `pkg test` share: the options that set up a guest (repositories, keys,
 * directories, network), the architectures, the package cache and the build logger.
 */
import { join, resolve } from 'node:path';
import { selectArchs } from '../../../apk/index.js';
import type { Logger } from '../../../core/index.js';
import type { Parsed } from '../../args.js';
import type { CliIo } from '../../io.js';
import { setOnly, setPaths } from '../common/set-only.js';

/** The guest options both commands take (each adds its own). */
export const GUEST_OPTIONS = {
  arch: {
    type: 'string',
    arg: 'ARCH',
    help: "apk architecture (default: this machine's); comma-separated for several",
  },
  runner: { type: 'string', arg: 'NAME', help: 'bubblewrap (default) or host' },
  'out-dir': { type: 'string', arg: 'DIR', help: 'where packages go (default ./packages)' },
  'repository-append': {
    type: 'string',
    short: 'r',
    multiple: true,
    arg: 'R',
    help: 'repository for the build guest (repeatable)',
  },
  'keyring-append': {
    type: 'string',
    short: 'k',
    multiple: true,
    arg: 'KEY',
    help: 'trusted public key, directory of keys or URL (repeatable)',
  },
  'source-dir': { type: 'string', arg: 'DIR', help: "copied into the workspace (default: the recipe's directory)" },
  'pipeline-dir': {
    type: 'string',
    multiple: true,
    arg: 'DIR',
    help: 'look for uses: pipelines here first (repeatable)',
  },
  'cache-dir': { type: 'string', arg: 'DIR', help: 'mounted read-write at /var/cache/melange (default: none)' },
  'package-cache-dir': {
    type: 'string',
    arg: 'DIR',
    help: "lupine's cache of fetched and expanded guest packages\n(default: $XDG_CACHE_HOME/lupine/pkg or ~/.cache/lupine/pkg)",
  },
  'workspace-dir': { type: 'string', arg: 'DIR', help: 'use (and keep) this directory as /home/build' },
  'env-file': { type: 'string', arg: 'FILE', help: "KEY=value lines under the recipe's environment" },
  'vars-file': { type: 'string', arg: 'FILE', help: "YAML map of variables over the recipe's vars" },
  'build-option': {
    type: 'string',
    multiple: true,
    arg: 'NAME',
    help: 'enable a build option of the recipe (repeatable)',
  },
  'no-network': { type: 'boolean', help: 'cut the network for the steps (default: on, as melange)' },
  'ignore-signatures': { type: 'boolean', help: 'accept unsigned repository indexes' },
  debug: { type: 'boolean', help: "trace every step's commands (set -x)" },
} as const;

/** `--json`, last in both commands' tables. */
export const JSON_OPTION = {
  json: { type: 'boolean', help: 'print a JSON summary on stdout' },
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
    ...setPaths(io.cwd, {
      sourceDir: v['source-dir'],
      cacheDir: v['cache-dir'],
      workspaceDir: v['workspace-dir'],
      envFile: v['env-file'],
      varsFile: v['vars-file'],
    }),
    ...setOnly({
      network: v['no-network'] ? (false as const) : undefined,
      allowUntrusted: v['ignore-signatures'] ? (true as const) : undefined,
      debug: v.debug ? (true as const) : undefined,
      signal: io.signal,
    }),
    logger: buildLogger(io, v.debug === true),
  };
}
