export { type AssembledGuest, type AssembleOptions, assembleGuest, type PlaceMethod } from './assemble-guest.js';
export { BubblewrapRunner, type RunnerOptions } from './bubblewrap-runner.js';
export {
  DEFAULT_ROOT_CAPS,
  guestArgs,
  type HostFacts,
  type HostLayout,
  type HostTopEntry,
  hostArgs,
} from './bwrap-args.js';
export {
  BUILD_USER,
  DEFAULT_PATH,
  GUEST_CACHE,
  GUEST_WORKSPACE,
  type MelangeEnvironmentOptions,
  melangeEnvironment,
  runsScript,
  shellQuote,
  stepEnvironment,
} from './environment.js';
export { expandContents } from './expand-contents.js';
export { type FillOptions, type FillResult, fillFromLocked } from './fill-cache.js';
export {
  type CachedPackage,
  type GuestFile,
  type GuestPlan,
  keyLabel,
  type PackageKey,
  planGuest,
  type Replaced,
  type TreeEntry,
} from './guest-plan.js';
export { HostRunner, type HostRunnerSpec, UNHERMETIC_WARNING } from './host-runner.js';
export { LineSplitter } from './line-splitter.js';
export { cacheEntryName, ExpandedPackageCache, FILL_PREFIX, walkTree } from './package-cache.js';
export type {
  GuestMount,
  GuestSpec,
  GuestUser,
  LineSink,
  Runner,
  SandboxRunner,
  Step,
  StepProcesses,
  StepResult,
} from './runner.js';
