/**
 * What the image commands share: the options that load and resolve a config (apko's names) and
 * the helpers that turn them into the library's inputs.
 */
import { join, resolve } from 'node:path';
import { readInputFile } from '../../../core/index.js';
import {
  checkLockMatches,
  type ImageLockPackage,
  type ImageSourceOptions,
  type LoadedImageConfig,
  loadImageConfig,
  parseLock,
  type ResolvedImageConfig,
  renderDiagnostics,
} from '../../../image/index.js';
import { RepoCache } from '../../../repo/index.js';
import { withHelp } from '../../args.js';
import type { CliIo } from '../../io.js';
import { relativeDiagnostics } from '../common/host.js';
import { setOnly } from '../common/set-only.js';

/** What every command that loads and resolves a config takes (build, publish, lock, minirootfs...). */
export const CONFIG_SOURCE_OPTIONS = {
  'keyring-append': { type: 'string', short: 'k', multiple: true, arg: 'K', help: 'extra key (path or URL) to trust' },
  'repository-append': { type: 'string', short: 'r', multiple: true, arg: 'R', help: 'extra repository' },
  'package-append': { type: 'string', short: 'p', multiple: true, arg: 'P', help: 'extra package' },
  'include-path': { type: 'string', multiple: true, arg: 'DIR', help: 'also look for includes in DIR (repeatable)' },
  'cache-dir': { type: 'string', arg: 'DIR', help: 'cache remote indexes and packages here (shared with image build)' },
  offline: { type: 'boolean', help: 'use only the cache for remote repositories' },
  lenient: { type: 'boolean', help: 'report unknown config keys as warnings and carry on' },
} as const;

export const RESOLVE_OPTIONS = {
  arch: {
    type: 'string',
    multiple: true,
    arg: 'A',
    help: "arch to resolve for (OCI or apk name, comma-separated or repeated;\n'host' for this machine, 'all'); default: the config's archs, else all",
  },
  ...withHelp(CONFIG_SOURCE_OPTIONS, { 'repository-append': 'extra repository (recorded in the lock)' }),
  'build-repository-append': {
    type: 'string',
    short: 'b',
    multiple: true,
    arg: 'R',
    help: 'extra build-only repository',
  },
  'ignore-signatures': { type: 'boolean', help: 'accept indexes without a trusted signature' },
} as const;

type ResolveValues = {
  arch?: string[];
  'keyring-append'?: string[];
  'repository-append'?: string[];
  'build-repository-append'?: string[];
  'package-append'?: string[];
  'include-path'?: string[];
  'ignore-signatures'?: boolean;
  'cache-dir'?: string;
  offline?: boolean;
  lenient?: boolean;
};

/** `--lockfile F`: the lock's packages, after checking it still matches the config (warnings to stderr). */
export async function readLockFor(
  path: string,
  io: CliIo,
  loaded: Parameters<typeof checkLockMatches>[0],
  archs: readonly string[],
): Promise<ImageLockPackage[]> {
  const file = resolve(io.cwd, path);
  const lock = parseLock(await readInputFile(file, 'lock file', 'utf8'), path);
  for (const w of checkLockMatches(loaded, lock, archs).warnings) io.stderr.write(`lupine: warning: ${w}\n`);
  return [...lock.contents.packages];
}

/** Loads CONFIG, printing its diagnostics; undefined (after printing) when it has errors. */
export async function loadConfigForCli(
  path: string,
  io: CliIo,
  values: Pick<ResolveValues, 'lenient' | 'include-path'>,
): Promise<(LoadedImageConfig & { config: ResolvedImageConfig }) | undefined> {
  const file = resolve(io.cwd, path);
  const loaded = await loadImageConfig(file, {
    lenient: values.lenient === true,
    includePaths: (values['include-path'] ?? []).map((p) => resolve(io.cwd, p)),
  });
  io.stderr.write(renderDiagnostics(relativeDiagnostics(loaded.diagnostics, io.cwd)));
  const config = loaded.config;
  return config ? { ...loaded, config } : undefined;
}

/** The ImageSourceOptions the resolving commands share. */
export async function sourceOptions(values: ResolveValues, io: CliIo): Promise<ImageSourceOptions> {
  const cacheDir = values['cache-dir'];
  return {
    cwd: io.cwd,
    env: io.env,
    ...setOnly({
      cache: cacheDir ? await RepoCache.open(join(resolve(io.cwd, cacheDir), 'apk')) : undefined,
      offline: values.offline,
      ignoreSignatures: values['ignore-signatures'],
      signal: io.signal,
    }),
    extraKeys: values['keyring-append'] ?? [],
    extraRepositories: values['repository-append'] ?? [],
    extraBuildRepositories: values['build-repository-append'] ?? [],
    extraPackages: values['package-append'] ?? [],
  };
}
