/**
 * Where an image's packages come from: the keyring (files, URLs, inline keys) and the repositories
 * for one arch, locked through install/locked-set.ts (the path `image lock` takes too, so both
 * give apko's install order).
 */
import { basename, isAbsolute, resolve } from 'node:path';
import { type Keyring, parseDependency } from '../../apk/index.js';
import { hasUrlScheme, type Logger, LupineError } from '../../core/index.js';
import { type LockedMember, type LockedSetFailure, lockPackageSet } from '../../install/index.js';
import { stripUrlCredentials } from '../../net/index.js';
import {
  type Fetcher,
  keyReadFailure,
  keyringOf,
  parseRepositories,
  type RepoCache,
  readKeyFiles,
} from '../../repo/index.js';
import type { RepositorySpec, ResolvedImageConfig } from '../config/types.js';
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

export interface LockArchOptions {
  /** Build-time repositories, one `[@tag ]URL` a line (buildRepositoryText). */
  readonly text: string;
  readonly arch: string;
  readonly keys: Keyring;
  readonly fetcher: Fetcher;
  readonly cache?: RepoCache;
  readonly offline?: boolean;
  readonly allowUntrusted?: boolean;
  readonly logger: Logger;
}

/** One package of an image's locked set, with the repository it comes from. */
export type ImageMember = LockedMember;

export interface ResolvedArch {
  /** In install order. */
  readonly packages: readonly ImagePackage[];
  readonly infos: readonly ImageMember[];
}

/**
 * Locks the config's packages (plus `--package-append`) for one arch over the build-time
 * repositories. With a lock, the lock's versions are pinned and the result must be exactly the
 * lock's set (IMAGE_LOCK_MISMATCH otherwise).
 */
export async function lockArch(
  packages: readonly string[],
  lock: readonly ImageLockPackage[] | undefined,
  o: LockArchOptions,
): Promise<ResolvedArch> {
  const { text, arch, ...sources } = o;
  const entries = text.trim() === '' ? [] : parseRepositories(text, 'the image config repositories');
  const pins = lock
    ?.filter((p) => p.architecture === arch)
    .map((p) => ({ name: p.name, version: p.version, identity: p.checksum }));
  const request = { world: packages, arch, ...(pins ? { pins } : {}) };
  const { result } = await lockPackageSet(request, { ...sources, repositories: entries });
  if (!result.ok) throw unlockable(result.failure, result.world, o.arch, lock !== undefined);
  return { infos: result.packages, packages: result.packages.map((m) => imagePackage(m, o.arch)) };
}

function imagePackage({ info, repository }: ImageMember, arch: string): ImagePackage {
  return {
    name: info.name,
    version: info.version,
    arch: info.arch || arch,
    identity: info.identity,
    origin: info.origin || info.name,
    repository: repository.url,
    buildDate: info.buildTime,
    installedSize: info.installedSize,
    replaces: [...info.replaces],
  };
}

/** image build's error for a world (or lock) that cannot be locked. */
function unlockable(f: LockedSetFailure, world: readonly string[], arch: string, locked: boolean): LupineError {
  switch (f.kind) {
    case 'bad-entry':
      return new LupineError('IMAGE_BUILD_UNRESOLVABLE', `bad package entry: ${f.cause.message}`, { cause: f.cause });
    case 'unsatisfiable':
      if (f.absent !== undefined) {
        return new LupineError('IMAGE_BUILD_UNRESOLVABLE', `package '${f.absent}' is in no repository for ${arch}`, {
          details: { arch, package: f.absent },
          hint: 'check the name, or add the repository that has it to contents.repositories',
        });
      }
      return new LupineError(
        locked ? 'IMAGE_LOCK_MISMATCH' : 'IMAGE_BUILD_UNRESOLVABLE',
        `cannot resolve the packages for ${arch}:\n${f.report.trimEnd()}`,
        {
          details: {
            arch,
            conflict: f.conflict,
            packages: world.filter((w) => f.report.includes(parseDependency(w).name)),
          },
          hint: locked
            ? 'the config no longer matches the lock file; run `lupine image lock` again'
            : 'check contents.packages and contents.repositories of the image config',
        },
      );
    case 'pins-differ':
      return new LupineError('IMAGE_LOCK_MISMATCH', `the lock file does not match the config for ${arch}`, {
        details: { arch, extra: f.extra, missing: f.missing },
        hint: 'run `lupine image lock` again',
      });
    case 'pin-identity':
      return new LupineError(
        'IMAGE_LOCK_MISMATCH',
        `${f.name}-${f.version}: the repository's package differs from the lock's`,
        { details: { arch, package: f.name, lock: f.pinned, repository: f.repository } },
      );
  }
}
