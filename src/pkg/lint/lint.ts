import { type Logger, LupineError, silentLogger } from '../../core/index.js';
import { type PackageTree, TreeView } from '../sca/package-tree.js';
import { LINTER_BY_NAME, LINTERS } from './registry.js';

/** melange's `checks` block of a package or subpackage. */
export interface LintChecks {
  /** Linters to require in addition to the defaults (e.g. `empty`, `documentation`). */
  readonly enabled?: readonly string[];
  /** Required linters downgraded to warnings. */
  readonly disabled?: readonly string[];
}

/** Which linters fail the build (`require`) and which only warn. */
export interface LintSelection {
  readonly require: readonly string[];
  readonly warn: readonly string[];
}

export interface LintFinding {
  readonly linter: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly explain: string;
  readonly paths: readonly string[];
}

export interface LintReport {
  readonly package: string;
  /** Warnings first, then errors, each in selection order. */
  readonly findings: readonly LintFinding[];
  /** A required linter found something. */
  readonly failed: boolean;
}

export interface LintInput {
  readonly tree: PackageTree;
  readonly checks?: LintChecks;
  /** The base selection before `checks` (melange's --lint-require / --lint-warn); default the defaults. */
  readonly selection?: LintSelection;
  /** `uses:` of the package's test pipeline; undefined when there is no build config to consult. */
  readonly testUses?: readonly string[];
  readonly logger?: Logger;
}

/** The names of every linter lupine knows. */
export function linterNames(): string[] {
  return LINTERS.map((l) => l.name);
}

export function defaultLintSelection(): LintSelection {
  return {
    require: LINTERS.filter((l) => l.default === 'require').map((l) => l.name),
    warn: LINTERS.filter((l) => l.default === 'warn').map((l) => l.name),
  };
}

function checkNames(names: readonly string[], where: string): void {
  const unknown = names.filter((n) => !LINTER_BY_NAME.has(n));
  if (unknown.length > 0) {
    throw new LupineError(
      'BUILD_LINT_UNKNOWN',
      `unknown linter${unknown.length > 1 ? 's' : ''} in ${where}: ${unknown.map((n) => `"${n}"`).join(', ')}`,
      {
        details: { linters: unknown },
        hint: `known linters: ${linterNames().join(', ')}`,
      },
    );
  }
}

/** Applies a package's checks: `enabled` joins the required set, `disabled` moves to warnings (as melange does). */
export function selectLinters(checks: LintChecks = {}, base: LintSelection = defaultLintSelection()): LintSelection {
  const enabled = checks.enabled ?? [];
  const disabled = checks.disabled ?? [];
  checkNames([...base.require, ...base.warn], 'the lint selection');
  checkNames(enabled, 'checks.enabled');
  checkNames(disabled, 'checks.disabled');
  const require = [...new Set([...base.require, ...enabled])].filter((n) => !disabled.includes(n));
  const warn = [...new Set([...base.warn, ...disabled])].filter((n) => !require.includes(n));
  return { require, warn };
}

/** Runs the selected linters over a package tree. Warnings and errors go to the logger too. */
export async function lintPackage(input: LintInput): Promise<LintReport> {
  const tree = new TreeView(input.tree);
  const selection = selectLinters(input.checks, input.selection);
  const logger = input.logger ?? silentLogger;
  const findings: LintFinding[] = [];
  const run = async (names: readonly string[], severity: LintFinding['severity']) => {
    for (const name of names) {
      const linter = LINTER_BY_NAME.get(name);
      if (linter === undefined) continue;
      const problem = await linter.run({ tree, testUses: input.testUses });
      if (problem === undefined) continue;
      const finding: LintFinding = {
        linter: name,
        severity,
        message: problem.message,
        explain: linter.explain,
        paths: problem.paths,
      };
      findings.push(finding);
      for (const line of formatFinding(finding).trimEnd().split('\n')) logger.warn(line);
    }
  };
  await run(selection.warn, 'warning');
  await run(selection.require, 'error');
  return { package: tree.name, findings, failed: findings.some((f) => f.severity === 'error') };
}

/** One finding as text: `[linter] message`, the paths, and the advice. */
export function formatFinding(f: LintFinding): string {
  const [first, ...rest] = f.message.split('\n');
  const lines = [`${f.severity}: [${f.linter}] ${first}`, ...rest.filter((l) => l !== '').map((l) => `  ${l}`)];
  const shown = new Set(rest.map((l) => l.trim()));
  for (const p of f.paths) if (!shown.has(p)) lines.push(`  ${p}`);
  lines.push(`  → ${f.explain}`);
  return `${lines.join('\n')}\n`;
}

/** Throws BUILD_LINT_FAILED when a required linter found something. */
export function assertLintPassed(report: LintReport): void {
  const errors = report.findings.filter((f) => f.severity === 'error');
  if (errors.length === 0) return;
  const what = errors
    .map(
      (f) =>
        `linter "${f.linter}" failed: ${f.message.split('\n')[0]}${f.paths.length ? ` (${f.paths.join(', ')})` : ''}`,
    )
    .join('; ');
  throw new LupineError('BUILD_LINT_FAILED', `package ${report.package} failed linting: ${what}`, {
    details: {
      package: report.package,
      findings: errors.map((f) => ({ linter: f.linter, message: f.message, paths: f.paths })),
    },
    hint: `fix the package, or list the linter under checks.disabled to downgrade it to a warning`,
  });
}
