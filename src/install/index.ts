export {
  holdRoot,
  type InstallOptions,
  type InstallResult,
  installPackages,
  type LockedPackage,
  recoverRoot,
} from './apply.js';
export type { RecoveryOutcome } from './commit.js';
export { installOrder } from './install-order.js';
export {
  DEFAULT_DIR_ACL,
  DEFAULT_FILE_ACL,
  formatInstalledDb,
  formatInstalledRecord,
  type InstalledDir,
  type InstalledFile,
  type InstalledPackage,
  type InstalledState,
  installedState,
  parseInstalledDb,
  sortInstalled,
} from './installed-db.js';
export { type JournalOp, type PauseHook, TXN_DIR } from './journal.js';
export {
  type LockedMember,
  type LockedSet,
  type LockedSetFailure,
  type LockedSetRequest,
  type LockedSetResult,
  type LockPin,
  lockPackageSet,
  repositoryInputs,
  resolveLockedSet,
} from './locked-set.js';
export {
  type IndexFile,
  type OpenRepository,
  openRepositories,
  type RepositoryOptions,
  readIndexFile,
} from './open-repositories.js';
export {
  type OpenedRoot,
  type OpenRootOptions,
  openRoot,
  type PackageFetch,
  rootArch,
  rootKeyring,
} from './open-root.js';
export type { PackageContents, PackageEntry, PackageEntryType, PackageScript } from './package-contents.js';
export { extractVerifiedPackage, type ReadVerifiedOptions, readVerifiedPackage } from './package-source.js';
export {
  type FileConflict,
  type IncomingPackage,
  type InstallPlan,
  type PlacedEntry,
  type PlanInput,
  planInstall,
  q1FromHex,
  replacesDecision,
  xattrHash,
} from './plan.js';
export {
  installLockedSet,
  type LockedSetEntry,
  lockedPackages,
  lockedSetEntry,
  type ResolveAndInstallOptions,
  type ResolveResult,
  resolveAndInstall,
  resolvePackageSet,
} from './resolve-install.js';
export { locateDbDir, type RootState, readRootState } from './root-state.js';
export { normalizeEntryPath, type PathKind, resolveInRoot } from './safe-path.js';
export {
  formatScriptsTar,
  parseScriptsTar,
  SCRIPT_TYPES,
  type ScriptEntry,
  type ScriptType,
  scriptEntryName,
  scriptRank,
  splitScriptName,
} from './scripts-db.js';
export { runInRoot, type ScriptRun } from './scripts-run.js';
export { formatTriggersDb, parseTriggersDb, type TriggerEntry, triggerMatches } from './triggers-db.js';
export { formatWorld, parseWorld, worldEntryName } from './world.js';
