/** lupine's public library API. */
export * as core from './core/index.js';
export { main } from './cli/index.js';

// --- apk: resolve a package list into a locked set, install a locked set into a root (issue 3) ---
export {
  type InstallOptions,
  type InstallResult,
  installLockedSet,
  installPackages,
  type LockedPackage,
  type LockedSetEntry,
  type OpenRepository,
  openRepositories,
  type RepositoryOptions,
  type ResolveAndInstallOptions,
  type ResolveResult,
  recoverRoot,
  resolveAndInstall,
  resolvePackageSet,
} from './install/index.js';

// --- distro: the recipe graph, the parallel incremental scheduler (issue 6) ---
export {
  buildDistro,
  buildGraph,
  type DistroBuildOptions,
  type DistroBuildResult,
  type DistroState,
  loadDistroTree,
  MelangeBuilder,
  type PackageBuilder,
  type RecipeGraph,
  type RecipeNode,
  readStateFile,
  writeStateFile,
} from './distro/index.js';
