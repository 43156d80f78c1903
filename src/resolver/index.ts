export { DEFAULT_REPORT_WIDTH, explainConflict, IndentedWriter } from './explain.js';
export { apkNameHashBucket } from './name-hash.js';
export { compareWorldNames, type SolveOptions, solve } from './solve.js';
export {
  type Change,
  type ChangeKind,
  type Conflict,
  type ConflictLine,
  type ConflictStanza,
  type NameFlags,
  type RepositoryInput,
  type ResolvedPackage,
  SOLVER_AVAILABLE,
  SOLVER_IGNORE_CONFLICT,
  SOLVER_INSTALLED,
  SOLVER_LATEST,
  SOLVER_REINSTALL,
  SOLVER_REMOVE,
  SOLVER_UPGRADE,
  type Solution,
  type SolveFailed,
  type SolveInput,
  type SolveOk,
} from './types.js';
