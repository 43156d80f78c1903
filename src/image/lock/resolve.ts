/**
 * The I/O edge of image resolution (what `lock`, `show-packages` and `dot` share): loads the config's
 * keyring, reads each build-time repository's index for one arch, and solves the package list into
 * the set apko would install, in install order. Relative keyring and repository paths are taken from
 * `cwd` (apko's working directory) but reported as written, as apko's lock file does.
 */
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { Keyring, PackageInfo } from '../../apk/index.js';
import { InternalError, isHttpUrl, isLupineError, type Logger, LupineError, silentLogger } from '../../core/index.js';
import { type LockedSetFailure, lockPackageSet } from '../../install/index.js';
import { stripUrlCredentials } from '../../net/index.js';
import {
  defaultFetcher,
  type Fetcher,
  keyringOf,
  type RepoCache,
  type RepositoryEntry,
  readKeyFiles,
} from '../../repo/index.js';
import { imageCredentials } from '../config/credentials.js';
import type { RepositorySpec, ResolvedImageConfig } from '../config/types.js';
import { lockPackageUrl, parseRepoSpec, stripUrlScheme } from './build-lock.js';
import type { LockKeyring } from './types.js';

export interface ImageSourceOptions {
  /** Relative keyring and repository paths are resolved against this directory. */
  readonly cwd: string;
  /** Default: `defaultFetcher({ env })` (http(s) with HTTP_AUTH from `env`, files and file:// URLs). */
  readonly fetcher?: Fetcher;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cache?: RepoCache;
  readonly offline?: boolean;
  /** Accept indexes without a trusted signature (apko `--ignore-signatures`). */
  readonly ignoreSignatures?: boolean;
  /** apko `-k`: extra keys (paths or URLs). */
  readonly extraKeys?: readonly string[];
  /** apko `-r`: extra repositories, used at build time and recorded in the lock. */
  readonly extraRepositories?: readonly string[];
  /** apko `-b`: extra build-only repositories. */
  readonly extraBuildRepositories?: readonly string[];
  /** apko `-p`: extra packages. */
  readonly extraPackages?: readonly string[];
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

/** The trusted keys and how the lock file names them. */
export interface ImageKeyring {
  readonly keys: Keyring;
  /** In config order (the lock sorts them). */
  readonly entries: readonly LockKeyring[];
}

/** One package of the resolved set. */
export interface ResolvedImagePackage {
  readonly info: PackageInfo;
  /** The repository as written in the config (no `/<arch>`). */
  readonly repository: string;
  /** The package URL as apko records it (`<repository>/<arch>/<name>-<version>.apk`). */
  readonly url: string;
  /** The repository tag it was selected through, without `@`; '' for none. */
  readonly tag: string;
  /** The package's bytes, checked against its index identity. */
  fetch(): Promise<Uint8Array>;
}

export interface ArchResolution {
  readonly arch: string;
  /** The world: the config's packages (then `s6` for a service bundle, then extra packages). */
  readonly world: readonly string[];
  /** In apko's install order (see install-order.ts): dependencies before dependents. */
  readonly packages: readonly ResolvedImagePackage[];
}

/** A local path as written → an absolute path; URLs are kept. */
export function sourceLocation(written: string, cwd: string): string {
  if (isHttpUrl(written) || /^file:\/\//i.test(written)) return written;
  return isAbsolute(written) ? written : resolvePath(cwd, written);
}

/** The given fetcher, else the default one with the credentials split off the config's URLs and HTTP_AUTH. */
function fetcherOf(o: ImageSourceOptions, config: ResolvedImageConfig): Fetcher {
  if (o.fetcher) return o.fetcher;
  const extra = [...(o.extraRepositories ?? []), ...(o.extraBuildRepositories ?? []), ...(o.extraKeys ?? [])];
  return defaultFetcher({
    ...(o.env ? { env: o.env } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    credentials: imageCredentials(config, extra),
  });
}

/** Reads every keyring entry (files relative to `cwd`, URLs through the fetcher). */
export async function loadImageKeyring(config: ResolvedImageConfig, o: ImageSourceOptions): Promise<ImageKeyring> {
  const specs = [
    ...config.contents.keyring.map((k) => (k.kind === 'uri' ? k.uri : k)),
    ...(o.extraKeys ?? []).map(stripUrlCredentials),
  ];
  const files = await readKeyFiles(specs, {
    cwd: o.cwd,
    fetcher: fetcherOf(o, config),
    ...(o.signal ? { signal: o.signal } : {}),
    keep: 'all',
    // A local key that cannot be read is the missing input file it is (as image build says).
    failure: (k, err) =>
      isLupineError(err, 'IO_ERROR')
        ? err
        : new LupineError('IMAGE_BAD_KEY', `cannot read the keyring entry ${k}: ${err.message}`, {
            cause: err,
            details: { key: k, path: sourceLocation(k, o.cwd) },
            hint: 'keyring paths are relative to the working directory (as in apko); check the path or URL',
          }),
  });
  const entries = files.map((f, i): LockKeyring => {
    const spec = specs[i];
    const content = f.pem.toString('utf8');
    return typeof spec === 'string'
      ? { name: stripUrlScheme(spec), url: spec, content }
      : { name: f.name, url: f.name, content };
  });
  return { keys: keyringOf(files), entries };
}

/** The repositories used to resolve: `repositories`, `build_repositories`, then `-r` and `-b` ones. */
export function buildTimeRepositories(config: ResolvedImageConfig, o: ImageSourceOptions): RepositorySpec[] {
  const extra = [...(o.extraRepositories ?? []), ...(o.extraBuildRepositories ?? [])].map((raw) => parseRepoSpec(raw));
  return [...config.contents.repositories, ...config.contents.buildRepositories, ...extra];
}

/** The world apko resolves: the config's packages, `s6` for a service bundle, then `-p` packages. */
export function imageWorld(config: ResolvedImageConfig, extraPackages: readonly string[] = []): string[] {
  const world = config.contents.packages.map((p) => p.raw);
  if (config.entrypoint.type === 'service-bundle' && !world.includes('s6')) world.push('s6');
  return [...world, ...extraPackages];
}

function schemeOf(url: string): RepositoryEntry['scheme'] {
  if (/^https:\/\//i.test(url)) return 'https';
  if (/^http:\/\//i.test(url)) return 'http';
  if (/^file:\/\//i.test(url)) return 'file';
  return 'path';
}

/** The error `image lock`, `show-packages` and `dot` give for a world that cannot be locked. */
function unresolvable(f: LockedSetFailure, arch: string): Error {
  if (f.kind === 'bad-entry') return f.cause;
  if (f.kind !== 'unsatisfiable') return new InternalError(`${f.kind} without pins`);
  return new LupineError('RESOLVE_UNSATISFIABLE', `cannot resolve the packages for ${arch}:\n${f.report.trimEnd()}`, {
    details: { arch, report: f.report },
    hint: 'check the package names and version constraints in contents.packages and the repositories',
  });
}

/** Resolves the config's packages for one arch (apk name). Throws RESOLVE_UNSATISFIABLE with apk's report. */
export async function resolveImageArch(
  config: ResolvedImageConfig,
  arch: string,
  keyring: ImageKeyring,
  o: ImageSourceOptions,
): Promise<ArchResolution> {
  const logger = o.logger ?? silentLogger;
  const specs = buildTimeRepositories(config, o);
  const entries: RepositoryEntry[] = specs.map((s) => {
    const url = sourceLocation(s.url, o.cwd);
    return { url, tag: s.tag ?? undefined, tags: [s.tag ?? ''], scheme: schemeOf(url), location: s.raw };
  });
  const world = imageWorld(config, o.extraPackages);
  const { repositories, result } = await lockPackageSet(
    { world, arch },
    {
      repositories: entries,
      fetcher: fetcherOf(o, config),
      keys: keyring.keys,
      allowUntrusted: o.ignoreSignatures ?? false,
      ...(o.cache ? { cache: o.cache } : {}),
      ...(o.offline ? { offline: true } : {}),
      logger,
      ...(o.signal ? { signal: o.signal } : {}),
    },
  );
  if (!result.ok) throw unresolvable(result.failure, arch);
  const packages = result.packages.map((m): ResolvedImagePackage => {
    const spec = specs[repositories.indexOf(m.repository)] as RepositorySpec;
    return {
      info: m.info,
      repository: spec.url,
      url: lockPackageUrl(spec.url, arch, m.info.name, m.info.version),
      tag: m.tag,
      fetch: () => m.repository.fetch(m.info),
    };
  });
  logger.debug(`${arch}: ${packages.length} packages resolved`);
  return { arch, world, packages };
}

/** The config's keyring and its packages resolved for each arch, in order (lock, show-packages, dot). */
export async function resolveImage(
  config: ResolvedImageConfig,
  archs: readonly string[],
  o: ImageSourceOptions,
): Promise<{ readonly keyring: ImageKeyring; readonly archs: readonly ArchResolution[] }> {
  const keyring = await loadImageKeyring(config, o);
  const resolved: ArchResolution[] = [];
  for (const arch of archs) resolved.push(await resolveImageArch(config, arch, keyring, o));
  return { keyring, archs: resolved };
}
