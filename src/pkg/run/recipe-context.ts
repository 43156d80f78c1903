import { dirname, isAbsolute, join, resolve } from 'node:path';
import { keyNameForPrivateKey, parsePrivateKey, type SigningKey } from '../../apk/index.js';
import { type Logger, LupineError, readInputFile, renderDiagnostics, userTempDir } from '../../core/index.js';
import { BUILD_USER, type GuestUser } from '../../sandbox/index.js';
import { compileLoadedRecipe, loadRecipe } from '../config/load.js';
import type { CompiledRecipe, GuestEnvironment } from '../config/types.js';
import { parseBuildDate } from './host-facts.js';
import type { BuildRecipeOptions } from './types.js';

export type Compiled = { readonly recipe: CompiledRecipe } | { readonly skipped: string };

/** Loads and compiles the recipe for `opts.arch`; every error diagnostic at once is BUILD_CONFIG_INVALID. */
export async function compileForBuild(
  file: string,
  opts: Pick<BuildRecipeOptions, 'arch' | 'pipelineDirs' | 'varsFile' | 'envFile' | 'buildOptions'>,
  logger: Logger,
): Promise<Compiled> {
  const loaded = await loadRecipe(file, {
    ...(opts.pipelineDirs ? { pipelineDirs: opts.pipelineDirs.map((d) => resolve(d)) } : {}),
    ...(opts.varsFile ? { varsFile: resolve(opts.varsFile) } : {}),
    ...(opts.envFile ? { envFile: resolve(opts.envFile) } : {}),
    ...(opts.buildOptions ? { buildOptions: opts.buildOptions } : {}),
  });
  const result = compileLoadedRecipe(loaded, opts.arch);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  for (const line of renderDiagnostics(result.diagnostics.filter((d) => d.severity !== 'error'))
    .trimEnd()
    .split('\n')) {
    if (line !== '') logger.warn(line);
  }
  if (errors.length > 0 || (!result.recipe && result.skipped === undefined)) {
    throw new LupineError(
      'BUILD_CONFIG_INVALID',
      `${file} has ${errors.length} problem${errors.length === 1 ? '' : 's'}:\n${renderDiagnostics(errors).trimEnd()}`,
      { details: { diagnostics: errors }, hint: "'lupine pkg compile' shows the recipe as lupine reads it" },
    );
  }
  if (result.skipped !== undefined) return { skipped: result.skipped };
  return { recipe: result.recipe as CompiledRecipe };
}

export function sourceDateEpochOf(opts: Pick<BuildRecipeOptions, 'buildDate' | 'sourceDateEpoch'>): number {
  if (opts.buildDate !== undefined) return parseBuildDate(opts.buildDate);
  return Math.max(0, Math.trunc(opts.sourceDateEpoch ?? 0));
}

export async function loadSigningKey(path: string | undefined): Promise<SigningKey | undefined> {
  if (path === undefined) return undefined;
  const pem = await readInputFile(path, 'signing key');
  return { key: parsePrivateKey(pem, path), keyName: keyNameForPrivateKey(path) };
}

/** The given package cache, else `$TMPDIR/lupine-<euid>/pkg-cache` (a parent only we can write). */
export async function packageCacheDirOf(opts: Pick<BuildRecipeOptions, 'packageCacheDir'>): Promise<string> {
  return opts.packageCacheDir !== undefined ? resolve(opts.packageCacheDir) : join(await userTempDir(), 'pkg-cache');
}

/** The user steps run as: `accounts.run-as` (a name from `accounts.users`, `root`, or a uid), else build (1000). */
export function runAsUser(env: GuestEnvironment): GuestUser {
  const who = env.accounts.runAs;
  if (who === undefined || who === '') return BUILD_USER;
  if (who === 'root' || who === '0') return { uid: 0, gid: 0 };
  const u = env.accounts.users.find((x) => x.username === who);
  if (u) return { uid: u.uid, gid: u.gid };
  if (/^\d+$/.test(who)) return { uid: Number(who), gid: Number(who) };
  throw new LupineError('BUILD_CONFIG_VALUE', `accounts.run-as names '${who}', which accounts.users does not define`, {
    details: { runAs: who },
  });
}

/** A Go duration (`1h30m`, `90s`, `2h`) or bare seconds, in milliseconds; undefined when absent or 0. */
export function timeoutMs(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000 || undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 1e-6 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/gy;
  let m: RegExpExecArray | null = re.exec(v);
  let seen = 0;
  while (m !== null) {
    total += Number(m[1]) * (unit[m[2] as string] ?? 0);
    seen = re.lastIndex;
    m = re.exec(v);
  }
  if (seen !== v.length) {
    throw new LupineError('BUILD_CONFIG_VALUE', `package.timeout '${value}' is not a duration`, {
      hint: 'write it like 1h30m, 45m or 600s',
    });
  }
  return total > 0 ? Math.ceil(total) : undefined;
}

/** Key entries of the recipe resolve against its directory; URLs stay as written. */
export function recipePaths(entries: readonly string[], base: string): string[] {
  return entries.map((k) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(k) || isAbsolute(k) ? k : resolve(base, k)));
}

export const recipeDirOf = (file: string) => dirname(file);
