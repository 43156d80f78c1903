/**
 * The arguments of `lupine apk` that name a root and its sources (install/open-root.ts opens it):
 *   - `--root` (default /), its `etc/apk/{world,arch}` and `lib/apk/db/installed`, every file of the
 *     root read confined to it (symlinks resolved as if the root were `/`: never a host file);
 *   - repositories from `--repositories-file` (default ROOT/etc/apk/repositories, `@tag` lines) and
 *     every `-X/--repository`; a local `…/APKINDEX.tar.gz` may be named directly;
 *   - keys from `--keys-dir` (default ROOT/etc/apk/keys), `--allow-untrusted` to skip them;
 *   - remote indexes and packages through the shared cache (`--cache-dir`, else ROOT/etc/apk/cache
 *     when it exists, else `$XDG_CACHE_HOME/lupine` or `~/.cache/lupine`; `--no-cache` for none),
 *     offline with `--no-network`, HTTP basic auth from URL credentials and `HTTP_AUTH`.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { Keyring } from '../../../apk/index.js';
import { rootDir } from '../../../core/index.js';
import type { OpenedRoot } from '../../../install/index.js';
import { loadKeyring } from '../../../repo/index.js';
import type { CliIo } from '../../io.js';
import { type ApkArgs, has, last, values } from './args.js';
import type { ApkState } from './context.js';

export function rootOf(args: ApkArgs, io: CliIo): string {
  return resolve(io.cwd, last(args, 'root') ?? '/');
}

/** `--arch`, else ROOT/etc/apk/arch; undefined when neither is set. */
export async function configuredArch(args: ApkArgs, io: CliIo): Promise<string | undefined> {
  const given = last(args, 'arch');
  if (given !== undefined) return given;
  const { rootArch } = await import('../../../install/index.js');
  return rootArch(rootOf(args, io));
}

/** The cache directory: `--cache-dir`, ROOT/etc/apk/cache if present, else the user's; undefined with --no-cache. */
export async function cacheDirOf(args: ApkArgs, io: CliIo): Promise<string | undefined> {
  if (has(args, 'no-cache')) return undefined;
  const given = last(args, 'cache-dir');
  if (given !== undefined) return resolve(io.cwd, given);
  const root = rootOf(args, io);
  const rootCache = rootDir(root, 'etc/apk/cache');
  if (rootCache !== undefined) return join(root, rootCache);
  const xdg = io.env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'lupine');
  return io.env.HOME ? join(io.env.HOME, '.cache', 'lupine') : undefined;
}

/**
 * Where parsed indexes are kept (`packs/` of the user's cache, or of `--cache-dir`): never under the
 * root, whose etc/apk/cache belongs to what is being installed. Undefined with --no-cache.
 */
export function packDirOf(args: ApkArgs, io: CliIo): string | undefined {
  if (has(args, 'no-cache')) return undefined;
  const given = last(args, 'cache-dir');
  if (given !== undefined) return resolve(io.cwd, given);
  const xdg = io.env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'lupine');
  return io.env.HOME ? join(io.env.HOME, '.cache', 'lupine') : undefined;
}

/**
 * Trusted keys: `--keys-dir` (each a directory of *.rsa.pub or one key file), else ROOT/etc/apk/keys.
 * A relative `--keys-dir` is inside the root, as apk-tools opens it relative to the root directory.
 */
export async function keysOf(args: ApkArgs, io: CliIo): Promise<Keyring> {
  const dirs = values(args, 'keys-dir');
  const root = rootOf(args, io);
  if (dirs.length) return loadKeyring(dirs.map((d) => resolve(root, d)));
  const { rootKeyring } = await import('../../../install/index.js');
  return rootKeyring(root);
}

/** `-X` values as repository lines: a relative local path is taken from the working directory. */
function extraRepositories(args: ApkArgs, io: CliIo): string[] {
  return values(args, 'repository').map((x) => {
    const m = /^@(\S+)\s+(.*)$/.exec(x);
    const url = m ? (m[2] as string) : x;
    const abs = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url) || isAbsolute(url) ? url : resolve(io.cwd, url);
    return m ? `@${m[1]} ${abs}` : abs;
  });
}

export type RootState = ApkState & OpenedRoot;

/** The root as the arguments name it (`openRoot` does the work). */
export async function loadRootState(args: ApkArgs, io: CliIo): Promise<RootState> {
  const { openRoot } = await import('../../../install/index.js');
  const given = last(args, 'repositories-file');
  const arch = last(args, 'arch');
  const cacheDir = await cacheDirOf(args, io);
  const packDir = packDirOf(args, io);
  return openRoot({
    root: rootOf(args, io),
    ...(arch !== undefined ? { arch } : {}),
    ...(given !== undefined ? { repositoriesFile: resolve(io.cwd, given) } : {}),
    extraRepositories: extraRepositories(args, io),
    keys: await keysOf(args, io),
    allowUntrusted: has(args, 'allow-untrusted'),
    ...(cacheDir !== undefined ? { cacheDir } : {}),
    ...(packDir !== undefined ? { packDir } : {}),
    offline: has(args, 'no-network'),
    refresh: has(args, 'update-cache') || has(args, 'force-refresh'),
    env: io.env,
    ...(io.signal ? { signal: io.signal } : {}),
  });
}
