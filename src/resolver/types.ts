import type { Dependency, PackageInfo } from '../apk/index.js';
import type { PackedIndex } from '../repo/index.js';

/** Solver flags, as apk-tools' APK_SOLVERF_* (global, or per name through `nameFlags`). */
export const SOLVER_UPGRADE = 0x01;
export const SOLVER_AVAILABLE = 0x02;
export const SOLVER_REINSTALL = 0x04;
export const SOLVER_LATEST = 0x08;
export const SOLVER_IGNORE_CONFLICT = 0x10;
/** Prefer what is installed (`apk upgrade --ignore`). */
export const SOLVER_INSTALLED = 0x20;
/**
 * The name is being deleted (`apk del`): another name's provider is not kept for being installed (its
 * own name's installed version still is).
 */
export const SOLVER_REMOVE = 0x40;

/** One repository, in configured order (earlier wins ties). */
export interface RepositoryInput {
  /** `@tag` repositories are used only for world entries pinned to the tag (no `@`). */
  readonly tag?: string;
  readonly packages: readonly PackageInfo[];
  /** The same packages packed (`packIndex`, or read back from a cache): the solver then reads this instead. */
  readonly packed?: PackedIndex;
  /** False when the repository cannot be reached (e.g. --no-network): packages are masked. Default true. */
  readonly available?: boolean;
  /** Packages known from a local cache only (apk's "cached non-repository" packages). */
  readonly cacheOnly?: boolean;
  /** A label for reports and locks (URL or file). */
  readonly name?: string;
}

/** Flags set on every provider of one name (`apk_solver_set_name_flags`). */
export interface NameFlags {
  readonly name: string;
  readonly flags: number;
  readonly inheritable: number;
}

export interface SolveInput {
  readonly world: readonly Dependency[];
  readonly repositories: readonly RepositoryInput[];
  /** The installed database, in its file order. */
  readonly installed?: readonly PackageInfo[];
  /** The repository tag each installed package was installed from (installed DB `s:`), by name. */
  readonly installedTags?: Readonly<Record<string, string>>;
  /** Global solver flags (SOLVER_*). */
  readonly flags?: number;
  readonly nameFlags?: readonly NameFlags[];
  /** Packages that exist only locally (a `add -t` virtual package, a local .apk). */
  readonly localPackages?: readonly PackageInfo[];
  /** The machine arch; packages of another arch (other than noarch) cannot be selected. */
  readonly arch?: string;
  /** apk-tools self-upgrade pass: prefer installed versions of everything not being upgraded. */
  readonly selfUpgrade?: boolean;
  /**
   * How apk listed reverse dependencies: in load order (its test build, the default) or in its name
   * hash table's order (a real root). Decides the order in which dependents of a removed package go.
   */
  readonly reverseOrder?: 'load' | 'name-hash';
}

export type ChangeKind = 'install' | 'remove' | 'upgrade' | 'downgrade' | 'replace' | 'reinstall' | 'pin' | 'none';

/** One step of the changeset, in apk's order (dependencies before dependents). */
export interface Change {
  readonly kind: ChangeKind;
  readonly name: string;
  readonly old?: PackageInfo;
  readonly new?: PackageInfo;
  /** Repository tag (no `@`) the old package was installed from / the new one comes from. */
  readonly oldTag: string;
  readonly newTag: string;
  /** The new package can be fetched from a reachable repository (reinstall needs that). */
  readonly newAvailable: boolean;
}

/** One package of the resulting installed set. */
export interface ResolvedPackage {
  readonly pkg: PackageInfo;
  readonly tag: string;
  /** Index into `SolveInput.repositories` of the first repository holding it; -1 for installed/local only. */
  readonly repository: number;
}

/** One label of a conflict stanza, e.g. `breaks:` followed by its items. */
export interface ConflictLine {
  readonly label: string;
  readonly items: readonly string[];
  /** Items are words of one sentence (the `note:` line). */
  readonly words?: boolean;
}

/** One stanza of apk's report: `  d-2.0:` and its labelled lines. */
export interface ConflictStanza {
  readonly title: string;
  readonly lines: readonly ConflictLine[];
}

/** Why the world cannot be satisfied, as data; explain.ts renders it like apk. */
export interface Conflict {
  readonly errors: number;
  readonly stanzas: readonly ConflictStanza[];
}

export interface SolveOk {
  readonly ok: true;
  readonly changes: readonly Change[];
  /** The installed set after applying the changes, sorted by name. */
  readonly installed: readonly ResolvedPackage[];
}

export interface SolveFailed {
  readonly ok: false;
  readonly changes: readonly Change[];
  readonly conflict: Conflict;
}

export type Solution = SolveOk | SolveFailed;
