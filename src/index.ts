/** lupine's public library API: explicit names only (each module's own index.ts has the rest). */

// --- apk packages and indexes (issue 2) ---
export {
  compareVersions,
  type PackageInfo,
  readPackage,
  verifyPackage,
  writePackage,
} from './apk/index.js';
export { main } from './cli/index.js';
export {
  type Clock,
  type ErrorCode,
  fixedClock,
  isLupineError,
  type Logger,
  LupineError,
  silentLogger,
  sourceDateEpochClock,
} from './core/index.js';
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
// --- images (issue 4) ---
export { buildImage, loadImageConfig, publishImage, writeImageOutput } from './image/index.js';

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
// --- package builds (issue 5) ---
export { buildRecipe, compileLoadedRecipe, loadRecipe, testRecipe } from './pkg/index.js';
export { readApkIndexArchive, writeApkIndexArchive } from './repo/index.js';
export { collectImageFacts, renderReport } from './report/index.js';
export { explainConflict, solve } from './resolver/index.js';
// --- SBOMs, signing, scanning, reports (issue 7) ---
export { readSbom, toCycloneDx, toSpdx } from './sbom/index.js';
export { loadAdvisories, match, readScanTarget } from './scan/index.js';
export { attestImage, generateCosignKeyPair, signImage, verifyAttestations, verifyImage } from './sign/index.js';
