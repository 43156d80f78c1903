/**
 * The library's top-level convenience (image builds, build environments): resolve a package list
 * into a locked set (names, versions, identities, URLs) through locked-set.ts, and install a locked
 * set into a root.
 */
import { InternalError, LupineError } from '../core/index.js';
import type { Conflict } from '../resolver/index.js';
import { type InstallOptions, type InstallResult, installPackages, type LockedPackage } from './apply.js';
import { type LockedMember, repositoryInputs, resolveLockedSet } from './locked-set.js';
import { type OpenRepository, openRepositories, type RepositoryOptions } from './open-repositories.js';

/** One package of a locked set. */
export interface LockedSetEntry {
  readonly name: string;
  readonly version: string;
  /** `C:` identity (`Q1…`). */
  readonly identity: string;
  readonly arch: string;
  /** The repository's URL (credentials removed) and tag ('' for none). */
  readonly repository: string;
  readonly tag: string;
  /** The package's download URL (credentials removed). */
  readonly url: string;
  readonly size: number;
  readonly installedSize: number;
}

export type ResolveResult =
  | { readonly ok: true; readonly packages: readonly LockedSetEntry[] }
  | { readonly ok: false; readonly conflict: Conflict; readonly report: string };

/** A member of a locked set as the library reports it. */
export function lockedSetEntry(m: LockedMember, arch: string): LockedSetEntry {
  return {
    name: m.info.name,
    version: m.info.version,
    identity: m.info.identity,
    arch: m.info.arch || arch,
    repository: m.repository.name,
    tag: m.tag,
    url: m.repository.packageUrl(m.info),
    size: m.info.size,
    installedSize: m.info.installedSize,
  };
}

/**
 * Resolves `packages` (world-style: `busybox`, `python3~3.11`, `foo@edge`) for `arch` into what an
 * empty root would hold, in apko's install order. A malformed entry throws APK_BAD_DEPENDENCY; an
 * unsatisfiable list is a conflict with apk's `ERROR: unable to select packages:` report.
 */
export function resolvePackageSet(
  packages: readonly string[],
  repos: readonly OpenRepository[],
  arch: string,
): ResolveResult {
  const r = resolveLockedSet({ world: packages, arch }, repos, repositoryInputs(repos));
  if (r.ok) return { ok: true, packages: r.packages.map((m) => lockedSetEntry(m, arch)) };
  const f = r.failure;
  if (f.kind === 'bad-entry') throw f.cause;
  if (f.kind !== 'unsatisfiable') throw new InternalError(`${f.kind} without pins`);
  return { ok: false, conflict: f.conflict, report: f.report };
}

/** Turns locked entries into the installer's packages, fetching each from the repository it names. */
export function lockedPackages(entries: readonly LockedSetEntry[], repos: readonly OpenRepository[]): LockedPackage[] {
  return entries.map((e) => {
    const repo =
      repos.find((r) => r.name === e.repository && (r.tag ?? '') === e.tag) ??
      repos.find((r) => r.name === e.repository);
    const pkg = repo?.packages.find((p) => p.name === e.name && p.version === e.version && p.identity === e.identity);
    return {
      name: e.name,
      version: e.version,
      identity: e.identity,
      arch: e.arch,
      repository: e.repository,
      tag: e.tag,
      installedSize: e.installedSize,
      fetch: async () => {
        if (!repo || !pkg) {
          throw new LupineError(
            'REPO_NOT_FOUND',
            `${e.name}-${e.version} is not in ${e.repository || 'any repository'}`,
            {
              details: { package: `${e.name}-${e.version}`, repository: e.repository },
            },
          );
        }
        return repo.fetch(pkg);
      },
    };
  });
}

/** Installs a locked set into `root` (making the root hold exactly it), atomically. */
export function installLockedSet(
  root: string,
  entries: readonly LockedSetEntry[],
  repos: readonly OpenRepository[],
  options: InstallOptions = {},
): Promise<InstallResult> {
  return installPackages(root, lockedPackages(entries, repos), options);
}

export interface ResolveAndInstallOptions extends RepositoryOptions {
  /** World entries to resolve; they become the root's world. */
  readonly packages: readonly string[];
  readonly install?: Omit<InstallOptions, 'world' | 'arch'>;
}

/**
 * `apk add --initdb` in one call: resolve `packages` into a locked set and install it into `root`.
 * An unsatisfiable list throws RESOLVE_UNSATISFIABLE with the report in the message.
 */
export async function resolveAndInstall(
  root: string,
  o: ResolveAndInstallOptions,
): Promise<InstallResult & { readonly packages: readonly LockedSetEntry[] }> {
  const repos = await openRepositories(o);
  const r = resolvePackageSet(o.packages, repos, o.arch);
  if (!r.ok) {
    throw new LupineError('RESOLVE_UNSATISFIABLE', r.report.trimEnd(), { details: { conflict: r.conflict } });
  }
  const result = await installLockedSet(root, r.packages, repos, {
    ...o.install,
    world: o.packages,
    arch: o.arch,
    ...(o.keys ? { keyring: o.keys } : {}),
    ...(o.allowUntrusted ? { allowUntrusted: true } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
  });
  return { ...result, packages: r.packages };
}
