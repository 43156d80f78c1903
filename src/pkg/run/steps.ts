/** Runs a package's compiled steps with a runner, one after another, logging every line (I/O edge). */
import { relative } from 'node:path';
import { type Logger, LupineError } from '../../core/index.js';
import type { Runner } from '../../sandbox/index.js';
import type { CompiledStep, Origin } from '../config/types.js';

/** One script to run, with where it came from. */
export interface FlatStep {
  readonly runs: string;
  readonly workingDirectory: string;
  readonly environment: Readonly<Record<string, string>>;
  /** `uses: fetch`, a step name, or the script's first line. */
  readonly label: string;
  readonly uses?: string;
  readonly name?: string;
  /** The recipe step this script belongs to (for a `uses` step, the line in the recipe). */
  readonly origin: Origin;
  /** Where the script itself is written (a pipeline file for `uses` steps). */
  readonly scriptOrigin: Origin;
}

function firstLine(runs: string): string {
  const l = runs.split('\n').find((x) => x.trim() !== '') ?? '';
  return l.length > 50 ? `${l.slice(0, 47).trim()}...` : l.trim();
}

/** Steps in run order: a step's own script, then its nested steps. Pure. */
export function flattenSteps(steps: readonly CompiledStep[], top?: CompiledStep): FlatStep[] {
  const out: FlatStep[] = [];
  for (const s of steps) {
    const owner = top ?? s;
    if (s.runs !== undefined && s.runs.trim() !== '') {
      const uses = owner.uses;
      const name = owner.name ?? s.name;
      out.push({
        runs: s.runs,
        workingDirectory: s.workingDirectory,
        environment: s.environment,
        label: uses ? `uses: ${uses}` : name ? name : firstLine(s.runs),
        ...(uses ? { uses } : {}),
        ...(name ? { name } : {}),
        origin: owner.origin,
        scriptOrigin: s.origin,
      });
    }
    if (s.pipeline) out.push(...flattenSteps(s.pipeline, owner));
  }
  return out;
}

export function formatOrigin(o: Origin, baseDir?: string): string {
  const file = baseDir === undefined ? o.file : relative(baseDir, o.file) || o.file;
  return `${file}:${o.line}`;
}

export interface RunStepsContext {
  readonly runner: Runner;
  readonly logger: Logger;
  /** Every line also goes here (the build log). */
  readonly log: (line: string) => void;
  /** The package whose steps these are. */
  readonly pkg: string;
  readonly trace?: boolean;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Origins are shown relative to this directory. */
  readonly baseDir?: string;
  /** `test` for test pipelines. */
  readonly what?: string;
}

/** Runs the steps; a failure is BUILD_STEP_FAILED naming the step, its recipe line and its exit code. */
export async function runSteps(steps: readonly FlatStep[], ctx: RunStepsContext): Promise<void> {
  const what = ctx.what ?? 'build';
  for (const [n, step] of steps.entries()) {
    const where = formatOrigin(step.origin, ctx.baseDir);
    const head = `lupine pkg: ${ctx.pkg}: ${what} step ${n + 1}/${steps.length}: ${step.label} (${where})`;
    ctx.logger.info(head);
    ctx.log(head);
    const sink = (warn: boolean) => (line: string) => {
      ctx.log(line);
      if (warn) ctx.logger.warn(`  ${line}`);
      else ctx.logger.info(`  ${line}`);
    };
    const result = await ctx.runner.run({
      script: step.runs,
      cwd: step.workingDirectory,
      env: step.environment,
      stdout: sink(false),
      stderr: sink(true),
      trace: ctx.trace ?? false,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.timeoutMs ? { timeoutMs: ctx.timeoutMs } : {}),
    });
    if (result.exitCode === 0) continue;
    const how = result.aborted
      ? 'was interrupted'
      : result.timedOut
        ? 'timed out'
        : result.exitCode === null
          ? `was killed (${result.signal ?? 'signal'})`
          : `failed with exit code ${result.exitCode}`;
    const script = formatOrigin(step.scriptOrigin, ctx.baseDir);
    throw new LupineError('BUILD_STEP_FAILED', `${ctx.pkg}: ${what} step '${step.label}' (${where}) ${how}`, {
      details: {
        package: ctx.pkg,
        step: step.label,
        ...(step.uses ? { uses: step.uses } : {}),
        ...(step.name ? { name: step.name } : {}),
        origin: where,
        script,
        exitCode: result.exitCode,
        signal: result.signal,
        timedOut: result.timedOut,
        aborted: result.aborted,
      },
      hint:
        script === where
          ? 'the lines above are the step output; rerun with --debug to trace every command'
          : `the script is at ${script}; the lines above are its output; rerun with --debug to trace every command`,
    });
  }
}
