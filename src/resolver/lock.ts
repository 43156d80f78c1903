/**
 * Resolves a package list for one arch against repositories into a locked set: what an image build
 * (apko-style) installs into an empty root.
 */
import { parseDependency } from '../apk/index.js';
import { solve } from './solve.js';
import type { Conflict, RepositoryInput } from './types.js';

export interface LockedPackage {
  readonly name: string;
  readonly version: string;
  /** `C:` identity (`Q1…`); '' when the index has none. */
  readonly identity: string;
  /** The repository it comes from (`RepositoryInput.name`, or its position as `#n`). */
  readonly repository: string;
  readonly arch: string;
}

export type LockResult =
  | { readonly ok: true; readonly packages: readonly LockedPackage[] }
  | { readonly ok: false; readonly conflict: Conflict };

/**
 * Resolves `packages` (world-style dependencies such as `busybox`, `python3~3.11`, `foo@edge`) for
 * `arch`. Throws APK_BAD_DEPENDENCY for a malformed entry; an unsatisfiable list is a conflict.
 */
export function resolveLocked(
  packages: readonly string[],
  repositories: readonly RepositoryInput[],
  arch: string,
): LockResult {
  const world = packages.map((p) => parseDependency(p));
  const r = solve({ world, repositories, arch });
  if (!r.ok) return { ok: false, conflict: r.conflict };
  return {
    ok: true,
    packages: r.installed.map((p) => ({
      name: p.pkg.name,
      version: p.pkg.version,
      identity: p.pkg.identity,
      repository: p.repository >= 0 ? (repositories[p.repository]?.name ?? `#${p.repository}`) : '',
      arch: p.pkg.arch || arch,
    })),
  };
}
