/** The one-verb role the scheduler builds recipes through, and the events it reports. */
import type { Logger } from '../core/index.js';
import type { RecipeNode } from './recipe-node.js';
import type { BuiltOutput } from './state.js';

export interface BuildRequest {
  readonly node: RecipeNode;
  readonly arch: string;
  /** The repository directory (packages go to `<outDir>/<arch>/`). */
  readonly outDir: string;
  /** Writes the recipe's own log file. */
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

export interface BuildResult {
  /** Every package the recipe made; `path` relative to `outDir`. */
  readonly packages: readonly BuiltOutput[];
  /** True when an executor found the outputs already built (a shared store) and only fetched them. */
  readonly pulled?: boolean;
}

/** Builds one recipe (guest, pipelines, SCA, packages, index). */
export interface PackageBuilder {
  build(request: BuildRequest): Promise<BuildResult>;
}

/** A recipe's log: a Logger writing to `<out-dir>/logs/<name>.log`, closed when the build ends. */
export interface RecipeLog {
  readonly path: string;
  readonly logger: Logger;
  close(): Promise<void>;
}

export type DistroEvent =
  | { readonly type: 'plan'; readonly name: string; readonly build: boolean; readonly reason: string }
  | { readonly type: 'start'; readonly name: string; readonly reason: string; readonly log: string }
  | { readonly type: 'line'; readonly name: string; readonly line: string }
  /** A remote worker took (or took over) the recipe. */
  | { readonly type: 'worker'; readonly name: string; readonly worker: string }
  | { readonly type: 'skip'; readonly name: string; readonly reason: string }
  | {
      readonly type: 'done';
      readonly name: string;
      readonly ms: number;
      readonly outputs: readonly BuiltOutput[];
      readonly pulled?: boolean;
    }
  | { readonly type: 'fail'; readonly name: string; readonly ms: number; readonly error: unknown; readonly log: string }
  | { readonly type: 'blocked'; readonly name: string; readonly by: string };

export type OutcomeStatus = 'built' | 'pulled' | 'skipped' | 'failed' | 'blocked' | 'planned';

export interface RecipeOutcome {
  readonly name: string;
  readonly status: OutcomeStatus;
  /** Why it was built (or 'up to date', or what failed / blocked it). */
  readonly reason: string;
  readonly ms: number;
}

export interface DistroSummary {
  readonly outcomes: readonly RecipeOutcome[];
  readonly built: number;
  /** Recipes whose outputs an executor fetched from a shared store instead of building them. */
  readonly pulled: number;
  readonly skipped: number;
  readonly failed: number;
  readonly blocked: number;
  /** Recipes a dry run would build. */
  readonly planned: number;
  readonly ms: number;
}
