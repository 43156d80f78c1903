/**
 * The one path from repositories to a locked, ordered package set (apko's `ResolveWorld`): open the
 * repositories for one arch (open-repositories.ts), solve the world from an empty root, pin it to a
 * lock file's set when one is given, and put the result in apko's install order (install-order.ts).
 * `image lock`, `image build` and the melange guest call it; each keeps only its own world rule and
 * turns a failure (carried here as data) into its own error.
 */
import { type Dependency, type PackageInfo, parseDependency, tryParseDependency } from '../apk/index.js';
import { type Conflict, explainConflict, type RepositoryInput, solve } from '../resolver/index.js';
import { installOrder } from './install-order.js';
import { type OpenRepository, openRepositories, type RepositoryOptions } from './open-repositories.js';

/** A package a lock file fixes: the set must hold exactly these (and, with `identity`, these bytes). */
export interface LockPin {
  readonly name: string;
  readonly version: string;
  /** The lock's `C:` identity (`Q1…`); '' or absent: not checked. */
  readonly identity?: string;
}

/** One package of the set and the repository it was selected from. */
export interface LockedMember<R = OpenRepository> {
  readonly info: PackageInfo;
  readonly repository: R;
  /** The tag it was selected through, without `@`; '' for none. */
  readonly tag: string;
}

/** Why a world cannot be locked (each caller words it as its own error). */
export type LockedSetFailure =
  | { readonly kind: 'bad-entry'; readonly entry: string; readonly cause: Error }
  | {
      readonly kind: 'unsatisfiable';
      readonly conflict: Conflict;
      /** apk's `ERROR: unable to select packages:` report. */
      readonly report: string;
      /** The first requested name no repository has (or provides), if any. */
      readonly absent: string | undefined;
    }
  /** The solution is not the pinned set: `name=version`s it adds and lacks. */
  | { readonly kind: 'pins-differ'; readonly extra: readonly string[]; readonly missing: readonly string[] }
  /** A pinned package's identity is not the repository's. */
  | {
      readonly kind: 'pin-identity';
      readonly name: string;
      readonly version: string;
      readonly pinned: string;
      readonly repository: string;
    };

export type LockedSetResult<R = OpenRepository> =
  | {
      readonly ok: true;
      /** What was solved: the world, then `name=version` for each pin. */
      readonly world: readonly string[];
      /** In apko's install order: dependencies before dependents. */
      readonly packages: readonly LockedMember<R>[];
    }
  | { readonly ok: false; readonly world: readonly string[]; readonly failure: LockedSetFailure };

/** What to lock: the world (world-style entries: `busybox`, `python3~3.11`, `foo@edge`), optional pins. */
export interface LockedSetRequest {
  readonly world: readonly string[];
  readonly arch: string;
  readonly pins?: readonly LockPin[];
}

/** The solver's view of opened repositories. */
export function repositoryInputs(repos: readonly OpenRepository[]): RepositoryInput[] {
  return repos.map((r) => ({ ...(r.tag ? { tag: r.tag } : {}), packages: r.packages, name: r.name }));
}

function parseWorld(world: readonly string[]): Dependency[] | LockedSetFailure {
  const deps: Dependency[] = [];
  for (const entry of world) {
    try {
      deps.push(parseDependency(entry));
    } catch (err) {
      return { kind: 'bad-entry', entry, cause: err as Error };
    }
  }
  return deps;
}

/** The first requested (not `!conflict`) name that no repository has or provides. */
function absentName(deps: readonly Dependency[], repos: readonly { readonly packages: readonly PackageInfo[] }[]) {
  const known = new Set<string>();
  for (const r of repos) {
    for (const p of r.packages) {
      known.add(p.name);
      for (const pr of p.provides) known.add(tryParseDependency(pr)?.name ?? pr);
    }
  }
  return deps.find((d) => !d.conflict && !known.has(d.name))?.name;
}

/** Checks a solution against the pins: the same `name=version` set, and the same identities where pinned. */
function checkPins(pins: readonly LockPin[], chosen: readonly LockedMember<unknown>[]): LockedSetFailure | undefined {
  const want = new Set(pins.map((p) => `${p.name}=${p.version}`));
  const got = new Set(chosen.map((c) => `${c.info.name}=${c.info.version}`));
  const extra = [...got].filter((g) => !want.has(g));
  const missing = [...want].filter((w) => !got.has(w));
  if (extra.length > 0 || missing.length > 0) return { kind: 'pins-differ', extra, missing };
  for (const p of pins) {
    const c = chosen.find((x) => x.info.name === p.name);
    if (p.identity && c?.info.identity && p.identity !== c.info.identity) {
      return {
        kind: 'pin-identity',
        name: p.name,
        version: p.version,
        pinned: p.identity,
        repository: c.info.identity,
      };
    }
  }
  return undefined;
}

/**
 * Solves `request.world` (then each pin as `name=version`) from an empty root over `repos` (in
 * priority order, each with the solver's view `inputs[i]`), and orders the set as apko installs it.
 * Pure: a failure is returned, not thrown.
 */
export function resolveLockedSet<R>(
  request: LockedSetRequest,
  repos: readonly R[],
  inputs: readonly RepositoryInput[],
): LockedSetResult<R> {
  const pins = request.pins ?? [];
  const world = [...request.world, ...pins.map((p) => `${p.name}=${p.version}`)];
  const deps = parseWorld(world);
  if (!Array.isArray(deps)) return { ok: false, world, failure: deps };
  const r = solve({ world: deps, repositories: inputs, arch: request.arch });
  if (!r.ok) {
    const report = explainConflict(r.conflict);
    const absent = absentName(deps, inputs);
    return { ok: false, world, failure: { kind: 'unsatisfiable', conflict: r.conflict, report, absent } };
  }
  const chosen: LockedMember<R>[] = [];
  for (const p of r.installed) {
    const repository = repos[p.repository];
    if (p.repository >= 0 && repository !== undefined) chosen.push({ info: p.pkg, repository, tag: p.tag });
  }
  const differ = request.pins ? checkPins(pins, chosen) : undefined;
  if (differ) return { ok: false, world, failure: differ };
  return { ok: true, world, packages: installOrder(world, chosen) };
}

/** A locked set and the repositories it was resolved over (they fetch its packages). */
export interface LockedSet {
  readonly repositories: readonly OpenRepository[];
  readonly result: LockedSetResult;
}

/**
 * Opens the repositories (`before` ones, already open, are searched first) and locks the request
 * over them: the whole path from repository lines to an ordered set.
 */
export async function lockPackageSet(
  request: LockedSetRequest,
  o: Omit<RepositoryOptions, 'arch'> & { readonly before?: readonly OpenRepository[] },
): Promise<LockedSet> {
  const opened = o.repositories.length === 0 ? [] : await openRepositories({ ...o, arch: request.arch });
  const repositories = [...(o.before ?? []), ...opened];
  return { repositories, result: resolveLockedSet(request, repositories, repositoryInputs(repositories)) };
}
