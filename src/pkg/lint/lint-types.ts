import type { TreeView } from '../sca/package-tree.js';

/** How a linter runs when nothing overrides it. */
export type LintDefault = 'require' | 'warn' | 'ignore';

/** What one linter reports about a package: melange's message and the paths it names. */
export interface LintProblem {
  readonly message: string;
  readonly paths: readonly string[];
}

export interface LintContext {
  readonly tree: TreeView;
  /** `uses:` of the package's test pipeline steps; undefined when there is no build config. */
  readonly testUses: readonly string[] | undefined;
}

export interface Linter {
  readonly name: string;
  readonly explain: string;
  readonly default: LintDefault;
  run(ctx: LintContext): Promise<LintProblem | undefined>;
}
