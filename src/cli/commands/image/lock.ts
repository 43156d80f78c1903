import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { readInputFile, writeFileAtomic } from '../../../core/index.js';
import {
  checkLockMatches,
  type Diagnostic,
  formatLock,
  type ImageLockPackage,
  type ImageSourceOptions,
  imageArchs,
  type LoadedImageConfig,
  loadImageConfig,
  lockImage,
  parseLock,
  type ResolvedImageConfig,
  renderDiagnostics,
} from '../../../image/index.js';
import { RepoCache } from '../../../repo/index.js';
import { parse, requireCount } from '../../args.js';
import type { Command } from '../../command.js';
import type { CliIo } from '../../io.js';
import { EXIT_ERROR, EXIT_OK } from '../../render.js';

/** Options every resolving image command takes (apko's names). */
/** What every command that loads and resolves a config takes (build, publish, lock, minirootfs...). */
export const CONFIG_SOURCE_OPTIONS = {
  'keyring-append': { type: 'string', short: 'k', multiple: true },
  'repository-append': { type: 'string', short: 'r', multiple: true },
  'package-append': { type: 'string', short: 'p', multiple: true },
  'include-path': { type: 'string', multiple: true },
  'cache-dir': { type: 'string' },
  offline: { type: 'boolean' },
  lenient: { type: 'boolean' },
} as const;

export const RESOLVE_OPTIONS = {
  arch: { type: 'string', multiple: true },
  ...CONFIG_SOURCE_OPTIONS,
  'build-repository-append': { type: 'string', short: 'b', multiple: true },
  'ignore-signatures': { type: 'boolean' },
} as const;

export const RESOLVE_HELP = `  --arch A                 arch to resolve for (OCI or apk name, comma-separated or repeated;
                           'host' for this machine, 'all'); default: the config's archs, else all
  -k, --keyring-append K   extra key (path or URL) to trust
  -r, --repository-append R  extra repository (recorded in the lock)
  -b, --build-repository-append R  extra build-only repository
  -p, --package-append P   extra package
  --include-path DIR       also look for includes in DIR (repeatable)
  --ignore-signatures      accept indexes without a trusted signature
  --cache-dir DIR          cache remote indexes and packages here (shared with image build)
  --offline                use only the cache for remote repositories
  --lenient                report unknown config keys as warnings and carry on
`;

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
  const shown = loaded.diagnostics.map((d): Diagnostic => {
    const rel = relative(io.cwd, d.file);
    return { ...d, file: rel === '' || rel.startsWith('..') || isAbsolute(rel) ? d.file : rel };
  });
  io.stderr.write(renderDiagnostics(shown));
  const config = loaded.config;
  return config ? { ...loaded, config } : undefined;
}

/** The ImageSourceOptions the resolving commands share. */
export async function sourceOptions(values: ResolveValues, io: CliIo): Promise<ImageSourceOptions> {
  const cacheDir = values['cache-dir'];
  return {
    cwd: io.cwd,
    env: io.env,
    ...(cacheDir ? { cache: await RepoCache.open(join(resolve(io.cwd, cacheDir), 'apk')) } : {}),
    ...(values.offline ? { offline: true } : {}),
    ...(values['ignore-signatures'] ? { ignoreSignatures: true } : {}),
    extraKeys: values['keyring-append'] ?? [],
    extraRepositories: values['repository-append'] ?? [],
    extraBuildRepositories: values['build-repository-append'] ?? [],
    extraPackages: values['package-append'] ?? [],
    ...(io.signal ? { signal: io.signal } : {}),
  };
}

const HELP = `Usage: lupine image lock CONFIG [--output FILE] [--arch A]... [options]

Resolves CONFIG's packages for every arch and writes an apko-compatible lock file
(apko.lock.json format: the config checksum over the config and its includes, the keyring with
each key's PEM, the repositories per arch, and per arch the packages in install order with the
byte ranges and checksums of their signature, control and data members). 'lupine image build
--lockfile FILE' then installs exactly that and fails when the config no longer matches it.

The output defaults to CONFIG with its extension replaced by .lock.json, as apko does.
Relative keyring and repository paths are read from the working directory and written as given.

Options:
  --output FILE            where to write the lock (default: <config-stem>.lock.json)
${RESOLVE_HELP}  -h, --help               show this help
`;

const options = { ...RESOLVE_OPTIONS, output: { type: 'string', short: 'o' } } as const;

export const imageLockCommand: Command = {
  path: ['image', 'lock'],
  summary: 'resolve an apko config and write an apko.lock.json-compatible lock file',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parse(argv, options, 'image lock');
    requireCount(positionals, 1, 1, 'image lock', 'one CONFIG file');
    const configPath = positionals[0] as string;
    const loaded = await loadConfigForCli(configPath, io, values);
    if (!loaded) return EXIT_ERROR;
    const archs = imageArchs(loaded.config, values.arch, 'image lock');
    const lock = await lockImage(loaded, {
      ...(await sourceOptions(values, io)),
      configName: configPath,
      archs,
    });
    const output = values.output ?? join(dirname(configPath), `${basename(configPath, extname(configPath))}.lock.json`);
    const target = resolve(io.cwd, output);
    await writeFileAtomic(target, formatLock(lock));
    io.stderr.write(`wrote ${output}: ${lock.contents.packages.length} packages for ${archs.join(', ')}\n`);
    return EXIT_OK;
  },
};
