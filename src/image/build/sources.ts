/**
 * Where an image's packages come from: the keyring (files, URLs, inline keys) and the repositories
 * for one arch, loaded through the repository cache, then resolved into a locked set in apko's install
 * order (lock/install-order.ts, the order `image lock` writes).
 */
import { basename, isAbsolute, resolve } from 'node:path';
import { type Keyring, type PackageInfo, parseDependency } from '../../apk/index.js';
import { hasUrlScheme, type Logger, LupineError } from '../../core/index.js';
import { stripUrlCredentials } from '../../net/index.js';
import {
  type Fetcher,
  keyReadFailure,
  keyringOf,
  type LoadedRepository,
  parseRepositories,
  type RepoCache,
  RepositorySet,
  readKeyFiles,
} from '../../repo/index.js';
import { explainConflict, type RepositoryInput, solve } from '../../resolver/index.js';
import type { RepositorySpec, ResolvedImageConfig } from '../config/types.js';
import { installOrder } from '../lock/install-order.js';
import type { ImageLockPackage, ImagePackage } from './types.js';

/** One trusted key: its file name in /etc/apk/keys and its PEM. */
export interface ImageKey {
  readonly name: string;
  readonly pem: Buffer;
}

/** Reads every keyring entry (config, then `--keyring-append`); names are the basenames. */
export async function loadImageKeys(
  config: ResolvedImageConfig,
  append: readonly string[],
  workDir: string,
  fetcher: Fetcher,
): Promise<ImageKey[]> {
  const specs = [
    ...config.contents.keyring.map((k) =>
      k.kind === 'inline' ? { name: basename(k.name), content: k.content } : k.uri,
    ),
    ...append,
  ];
  const keys = await readKeyFiles(specs, {
    cwd: workDir,
    fetcher,
    keep: 'last',
    failure: keyReadFailure('keyring paths are relative to the working directory (-C)'),
  });
  return keys.sort((a, b) => (a.name < b.name ? -1 : 1)).map(({ name, pem }) => ({ name, pem }));
}

export { keyringOf };

function repoLine(r: RepositorySpec | string, workDir: string): string {
  const url = typeof r === 'string' ? stripUrlCredentials(r) : r.url;
  const tag = typeof r === 'string' ? null : r.tag;
  const abs = hasUrlScheme(url) || isAbsolute(url) ? url : resolve(workDir, url);
  return tag ? `@${tag} ${abs}` : abs;
}

/** Build-time repositories: `repositories`, `build_repositories`, then `--repository-append`. */
export function buildRepositoryText(
  config: ResolvedImageConfig,
  append: readonly string[],
  workDir: string,
  buildAppend: readonly string[] = [],
): string {
  const c = config.contents;
  return [...c.repositories, ...c.buildRepositories, ...append, ...buildAppend]
    .map((r) => `${repoLine(r, workDir)}\n`)
    .join('');
}

/** `/etc/apk/repositories`: the sorted set of repositories, runtime repositories and appended ones, as written. */
export function runtimeRepositoryText(config: ResolvedImageConfig, append: readonly string[]): string {
  const c = config.contents;
  const lines = new Set([...c.repositories, ...c.runtimeRepositories].map((r) => r.raw.trim().replace(/\/+$/, '')));
  for (const a of append) lines.add(stripUrlCredentials(a).replace(/\/+$/, ''));
  return [...lines]
    .sort()
    .map((l) => `${l}\n`)
    .join('');
}

export interface ArchSources {
  readonly repositories: readonly LoadedRepository[];
  readonly set: RepositorySet;
}

export async function loadArchRepositories(o: {
  readonly text: string;
  readonly arch: string;
  readonly keys: Keyring;
  readonly fetcher: Fetcher;
  readonly cache?: RepoCache;
  readonly offline?: boolean;
  readonly allowUntrusted?: boolean;
  readonly logger: Logger;
}): Promise<ArchSources> {
  const entries = o.text.trim() === '' ? [] : parseRepositories(o.text, 'the image config repositories');
  const set = new RepositorySet({
    arch: o.arch,
    fetcher: o.fetcher,
    keys: o.keys,
    logger: o.logger,
    ...(o.cache ? { cache: o.cache } : {}),
    ...(o.offline ? { offline: true } : {}),
    ...(o.allowUntrusted ? { allowUntrusted: true } : {}),
  });
  return { repositories: await set.load(entries), set };
}

export interface ResolvedArch {
  /** In install order. */
  readonly packages: readonly ImagePackage[];
  readonly infos: readonly { readonly info: PackageInfo; readonly repo: LoadedRepository; readonly tag: string }[];
}

/**
 * Resolves the config's packages (plus `--package-append`) for one arch. With a lock, the lock's
 * versions are pinned and the result must be exactly the lock's set (IMAGE_LOCK_MISMATCH otherwise).
 */
export function resolveArch(
  packages: readonly string[],
  loaded: readonly LoadedRepository[],
  arch: string,
  lock: readonly ImageLockPackage[] | undefined,
): ResolvedArch {
  const repositories: RepositoryInput[] = loaded.map((r) => ({
    packages: r.packages,
    name: r.url,
    ...(r.tag ? { tag: r.tag } : {}),
  }));
  const locked = lock?.filter((p) => p.architecture === arch);
  const world = [...packages, ...(locked ?? []).map((p) => `${p.name}=${p.version}`)];
  let deps: ReturnType<typeof parseDependency>[];
  try {
    deps = world.map((p) => parseDependency(p));
  } catch (err) {
    throw new LupineError('IMAGE_BUILD_UNRESOLVABLE', `bad package entry: ${(err as Error).message}`, { cause: err });
  }
  const known = new Set<string>();
  for (const r of loaded) {
    for (const p of r.packages) {
      known.add(p.name);
      for (const pr of p.provides) known.add(parseDependency(pr).name);
    }
  }
  const absent = deps.find((d) => !d.conflict && !known.has(d.name));
  if (absent) {
    throw new LupineError('IMAGE_BUILD_UNRESOLVABLE', `package '${absent.name}' is in no repository for ${arch}`, {
      details: { arch, package: absent.name },
      hint: 'check the name, or add the repository that has it to contents.repositories',
    });
  }
  const r = solve({ world: deps, repositories, arch });
  if (!r.ok) {
    throw new LupineError(
      lock ? 'IMAGE_LOCK_MISMATCH' : 'IMAGE_BUILD_UNRESOLVABLE',
      `cannot resolve the packages for ${arch}:\n${explainConflict(r.conflict).trimEnd()}`,
      {
        details: {
          arch,
          conflict: r.conflict,
          packages: world.filter((w) => explainConflict(r.conflict).includes(parseDependency(w).name)),
        },
        hint: lock
          ? 'the config no longer matches the lock file; run `lupine image lock` again'
          : 'check contents.packages and contents.repositories of the image config',
      },
    );
  }
  const infos = r.installed.map((p) => ({
    info: p.pkg,
    repo: loaded[p.repository] as LoadedRepository,
    tag: p.tag,
  }));
  if (infos.some((i) => i.repo === undefined)) {
    throw new LupineError('IMAGE_BUILD_UNRESOLVABLE', `the resolver picked a package no repository holds (${arch})`);
  }
  if (locked) {
    const want = new Set(locked.map((p) => `${p.name}=${p.version}`));
    const got = new Set(infos.map((i) => `${i.info.name}=${i.info.version}`));
    const extra = [...got].filter((g) => !want.has(g));
    const missing = [...want].filter((w) => !got.has(w));
    if (extra.length > 0 || missing.length > 0) {
      throw new LupineError('IMAGE_LOCK_MISMATCH', `the lock file does not match the config for ${arch}`, {
        details: { arch, extra, missing },
        hint: 'run `lupine image lock` again',
      });
    }
    for (const p of locked) {
      const i = infos.find((x) => x.info.name === p.name);
      if (p.checksum && i?.info.identity && p.checksum !== i.info.identity) {
        throw new LupineError(
          'IMAGE_LOCK_MISMATCH',
          `${p.name}-${p.version}: the repository's package differs from the lock's`,
          {
            details: { arch, package: p.name, lock: p.checksum, repository: i.info.identity },
          },
        );
      }
    }
  }
  const ordered = installOrder(world, infos);
  return {
    infos: ordered,
    packages: ordered.map(({ info, repo }) => ({
      name: info.name,
      version: info.version,
      arch: info.arch || arch,
      identity: info.identity,
      origin: info.origin || info.name,
      repository: repo.url,
      buildDate: info.buildTime,
      installedSize: info.installedSize,
      replaces: [...info.replaces],
    })),
  };
}
