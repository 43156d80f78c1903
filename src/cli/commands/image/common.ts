/**
 * What the image commands share: the options that load and resolve a config (apko's names) and
 * the helpers that turn them into the library's inputs.
 */
import { join, resolve } from 'node:path';
import { readInputFile } from '../../../core/index.js';
import {
  type ApkArch,
  checkLockMatches,
  type ImageLockPackage,
  type ImageSourceOptions,
  imageArchs,
  type LoadedImageConfig,
  loadImageConfig,
  parseLock,
  type ResolvedImageConfig,
  renderDiagnostics,
} from '../../../image/index.js';
import { RepoCache } from '../../../repo/index.js';
import { commandHelp, type OptionSpec, type Parsed, parse, requireCount, withHelp } from '../../args.js';
import type { Command } from '../../command.js';
import type { CliIo } from '../../io.js';
import { EXIT_ERROR } from '../../render.js';
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

/** What `image lock`, `show-packages` and `dot` resolve: CONFIG (loaded, diagnostics printed), its archs, the sources. */
export interface ConfigToResolve<T extends OptionSpec> {
  readonly values: Parsed<T>['values'];
  /** CONFIG as given. */
  readonly configPath: string;
  readonly loaded: LoadedImageConfig & { readonly config: ResolvedImageConfig };
  readonly archs: ApkArch[];
  readonly src: ImageSourceOptions;
}

/**
 * A command that resolves one CONFIG (`image lock`, `show-packages`, `dot`): `argv` parsed (one
 * CONFIG), `check` run on the options before anything is read, CONFIG loaded (its diagnostics
 * printed; exit 1 when it has errors), its archs and sources picked, then `body`.
 */
export function configCommand<T extends OptionSpec>(
  spec: { readonly path: readonly string[]; readonly summary: string; readonly help: string },
  options: T,
  body: (input: ConfigToResolve<T>, io: CliIo) => Promise<number>,
  check?: (values: Parsed<T>['values']) => void,
): Command {
  const command = spec.path.join(' ');
  return {
    path: spec.path,
    summary: spec.summary,
    help: commandHelp(spec.help, options),
    options,
    async run(argv, io) {
      const { values, positionals } = parse(argv, options, command);
      requireCount(positionals, 1, 1, command, 'one CONFIG file');
      check?.(values);
      const configPath = positionals[0] as string;
      const v = values as ResolveValues;
      const loaded = await loadConfigForCli(configPath, io, v);
      if (!loaded) return EXIT_ERROR;
      const archs = imageArchs(loaded.config, v.arch, command);
      return body({ values, configPath, loaded, archs, src: await sourceOptions(v, io) }, io);
    },
  };
}
