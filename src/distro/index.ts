// distro: the recipe graph, the scheduler and incremental state.
export type {
  BuildRequest,
  BuildResult,
  DistroEvent,
  DistroSummary,
  OutcomeStatus,
  PackageBuilder,
  RecipeLog,
  RecipeOutcome,
} from './builder.js';
export {
  type BuiltDependency,
  type ExecuteProgress,
  type ExecuteRequest,
  type IdentityInput,
  inputIdentity,
  LocalExecutor,
  type RecipeExecutor,
} from './executor.js';
export {
  buildGraph,
  type EdgeKind,
  type EdgeReason,
  findCycle,
  type RecipeGraph,
  recipeFor,
  withDependencies,
  withDependents,
} from './graph.js';
export { renderGraphDot, renderOrder } from './graph-render.js';
export { eventLine, LiveProgress, summaryLine } from './progress.js';
export { hashFolder, hashRecipeInputs, recipeFolder } from './hash-inputs.js';
export { HOST_PACKAGES_VAR, hostPackageNames, installedHostPackages } from './host-packages.js';
export { type DistroTree, type LoadTreeOptions, loadDistroTree, recipeFiles } from './load-tree.js';
export {
  constraintName,
  nodeFromCompiled,
  RUNNER_ANNOTATION,
  type RecipeNode,
  type RecipeRunner,
} from './recipe-node.js';
export { logPath, openRecipeLog } from './recipe-log.js';
export { MelangeBuilder, type MelangeBuilderOptions, sweepStaleSourceDirs } from './melange-builder.js';
export { buildDistro, type DistroBuildOptions, type DistroBuildResult } from './scheduler.js';
export {
  type AgainstEntry,
  againstOf,
  type BuiltOutput,
  type CurrentDependency,
  type Decision,
  decide,
  type DistroState,
  emptyState,
  formatState,
  parseState,
  type RecipeInputs,
  type RecipeRecord,
  STATE_FILE,
  withArchRecords,
} from './state.js';
export { readStateFile, stateFilePath, writeStateFile } from './state-file.js';
