import type { Logger } from '../core/index.js';
import type { JournalOp } from './journal.js';
import type { PackageContents } from './package-contents.js';
import type { InstallPlan } from './plan.js';
import type { ProtectedPaths } from './protected-paths.js';
import { Staging } from './staging.js';

/** A file the transaction writes whole (databases, `etc/apk/arch`, …), at a real path in the root. */
export interface StagedFile {
  readonly path: string;
  readonly data: Uint8Array;
  readonly mode: number;
}

/** A directory the transaction makes sure of (database directory, `--initdb` skeleton). */
export interface StagedDir {
  readonly path: string;
  readonly mode: number;
}

/** A device node or fifo the transaction creates outside any package (`--initdb`'s `dev/null`, …). */
export interface StagedNode {
  readonly path: string;
  readonly type: 'chardev' | 'fifo';
  readonly mode: number;
  readonly devmajor: number;
  readonly devminor: number;
}

export interface StageInput {
  readonly root: string;
  readonly plan: InstallPlan;
  /** Parallel to the plan's incoming packages. */
  readonly packages: readonly PackageContents[];
  readonly dirs: readonly StagedDir[];
  readonly nodes: readonly StagedNode[];
  /** Written after everything else, databases last of all. */
  readonly files: readonly StagedFile[] | ((failures: readonly StageFailure[]) => readonly StagedFile[]);
  /** Package path → `Z:` recorded for it before the change (to spot locally changed config files). */
  readonly recorded: ReadonlyMap<string, string>;
  /** Package directories the installed database recorded before the change (their modes are ours to update). */
  readonly knownDirs?: ReadonlySet<string>;
  /** The root's protected paths (apk's rules); local changes under them are kept. */
  readonly protectedPaths: ProtectedPaths;
  /** apk --clean-protected: a locally changed protected file gets no `.apk-new`. */
  readonly cleanProtected?: boolean;
  /** apk --purge: leaving packages' protected files go even when changed locally. */
  readonly purge?: boolean;
  /**
   * As apk: an entry a file or directory is in the way of is left out and reported in the failures
   * (see `files`); by default the whole change is refused with INSTALL_FILE_CONFLICT.
   */
  readonly skipBlocked?: boolean;
  /**
   * Symlink mtimes: 'header' (the package's, reproducible: image builds) or 'install' (apk-tools
   * sets no time on symlinks, so they keep the time they were made).
   */
  readonly linkTimes?: 'header' | 'install';
  readonly logger: Logger;
  /** Called before each placed entry is staged (how many are, of how many); tests stop the process here. */
  readonly progress?: (staged: number, total: number) => void;
}

/**
 * An entry that could not be placed because a file is where its directory must go, or a directory
 * where it must go: as apk does, the rest of the package is installed and the package is marked
 * broken (`f:f`); the error is reported for it.
 */
export interface StageFailure {
  /** Index into the plan's incoming packages. */
  readonly pkg: number;
  readonly path: string;
  readonly message: string;
}

/**
 * Extracts everything the plan places into the staging directory `<root>/.lupine-txn` (same file
 * system as the root, so commit is renames only) with owners, modes and mtimes from the packages,
 * and returns the journal that commits it. The root itself is not touched.
 */
export function stageTransaction(input: StageInput): JournalOp[] {
  const staging = new Staging(input);
  staging.makeDirs();
  staging.placeEntries();
  staging.updateDirPermissions();
  staging.removeLeaving();
  staging.makeNodes();
  staging.writeFiles();
  return staging.ops;
}
