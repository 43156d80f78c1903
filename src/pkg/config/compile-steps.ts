/**
 * Pipeline steps → compiled steps, melange's compile phase for one package context: `uses`
 * inlined from the pipeline library with `with` checked against the declared inputs (defaults
 * filled, required enforced, unknown rejected), `if` evaluated with the step's own inputs (a false
 * step is left out, with its needs), variables substituted (unknown ones are errors), working
 * directories resolved against /home/build, environments and inputs inherited by nested steps.
 *
 * One deliberate difference from melange: a nested `uses` pipeline's own input defaults win over
 * same-named inputs of the enclosing pipeline (melange lets the parent's value leak in, #1548).
 */
import { posix } from 'node:path';
import { didYouMean, isObj, isStr, list, obj, strMap } from '../../core/index.js';
import { evaluateCondition } from './condition.js';
import { at, type Reporter, unknownHint, type Where } from './report.js';
import { substitute, type VarMap } from './substitute.js';
import type { CompiledStep, PipelineLibrary, RawMap } from './types.js';

export const DEFAULT_WORKDIR = '/home/build';

/** Inputs melange checks as hex digests at compile time, by length. */
const DIGEST_INPUTS: Readonly<Record<string, number>> = {
  'expected-sha256': 64,
  'expected-sha512': 128,
  'expected-commit': 40,
};
const MAX_DEPTH = 32;

export interface StepContext {
  /** The package context's variables (no inputs). */
  readonly vars: VarMap;
  /** `inputs.*` visible here (inherited from the enclosing `uses`). */
  readonly inputs: VarMap;
  readonly workdir: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly library: PipelineLibrary;
  /** Where `uses` names were looked for, for the not-found hint. */
  readonly searched: readonly string[];
  /** Every pipeline name that exists (for did-you-mean). */
  readonly available: readonly string[];
  readonly report: Reporter;
  /** Packages the steps that run need (appended to). */
  readonly needs: string[];
  readonly depth: number;
}

/** melange strips whole-line comments from `runs` at compile time. */
export function stripComments(script: string): string {
  return script
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#') || line.trimStart().startsWith('#!'))
    .join('\n');
}

/** A step's own working directory: relative paths resolve against /home/build, as in melange. */
function resolveDir(inherited: string, dir: string): string {
  if (dir === '') return inherited;
  return posix.normalize(posix.isAbsolute(dir) ? dir : posix.join(DEFAULT_WORKDIR, dir));
}

function condition(expr: string, vars: VarMap, w: Where, report: Reporter): boolean {
  const r = evaluateCondition(expr, vars);
  if (r.ok) return r.value;
  const first = r.unknown?.[0];
  report.error(
    r.unknown ? 'BUILD_CONFIG_UNKNOWN_VAR' : 'BUILD_CONFIG_BAD_CONDITION',
    w,
    `if: ${r.message}`,
    first ? unknownHint(first, vars) : `write conditions like \${{build.arch}} == 'aarch64'`,
  );
  return false;
}

function addNeeds(raw: RawMap, vars: VarMap, w: Where, ctx: StepContext): void {
  list(obj(raw.needs).packages).forEach((p, i) => {
    if (!isStr(p)) return;
    const v = ctx.report.substitute(p, vars, at(w, 'needs', 'packages', i));
    if (!ctx.needs.includes(v)) ctx.needs.push(v);
  });
}

/** Compiles a list of steps; skipped steps (false `if`) are left out. */
export function compileSteps(steps: unknown, w: Where, ctx: StepContext): CompiledStep[] {
  const out: CompiledStep[] = [];
  list(steps).forEach((s, i) => {
    if (!isObj(s)) return;
    const c = compileStep(s, at(w, i), ctx);
    if (c) out.push(c);
  });
  return out;
}

/** The `with` values for a `uses` step, checked against the pipeline's inputs: `inputs.*` → value. */
function bindInputs(
  step: RawMap,
  file: RawMap,
  fileWhere: Where,
  w: Where,
  vars: VarMap,
  ctx: StepContext,
): Record<string, string> {
  const declared = obj(file.inputs);
  const given = strMap(step.with);
  const values: Record<string, string> = {};
  const failed = new Set<string>(); // reported already: no "missing" on top
  for (const [k, v] of Object.entries(given)) {
    if (!Object.hasOwn(declared, k)) {
      const guess = didYouMean(k, Object.keys(declared));
      ctx.report.error(
        'BUILD_CONFIG_BAD_INPUT',
        at(w, 'with', k),
        `undefined input '${k}' to pipeline '${String(step.uses)}'`,
        guess ? `did you mean '${guess}'?` : `declared inputs: ${Object.keys(declared).sort().join(', ') || 'none'}`,
        true,
      );
      continue;
    }
    values[k] = ctx.report.substitute(v, vars, at(w, 'with', k));
    if (substitute(v, vars).unknown.length > 0) failed.add(k);
    const digits = DIGEST_INPUTS[k];
    const value = values[k] as string;
    if (digits !== undefined && value !== '' && !failed.has(k) && !new RegExp(`^[0-9a-f]{${digits}}$`).test(value)) {
      ctx.report.error(
        'BUILD_CONFIG_BAD_INPUT',
        at(w, 'with', k),
        `${k}: '${value}' is not ${digits} lowercase hex characters`,
        k === 'expected-commit' ? 'use the full commit id (git rev-parse)' : 'paste the full digest',
      );
    }
  }
  const inputs: Record<string, string> = {};
  for (const [k, spec] of Object.entries(declared)) {
    const d = obj(spec);
    let v = values[k] ?? '';
    if (v === '' && isStr(d.default)) v = ctx.report.substitute(d.default, vars, at(fileWhere, 'inputs', k, 'default'));
    if (v === '' && d.required === true && !failed.has(k)) {
      ctx.report.error(
        'BUILD_CONFIG_BAD_INPUT',
        at(w, 'uses'),
        `required input '${k}' for pipeline '${String(step.uses)}' is missing`,
        `add it under with:${isStr(d.description) ? ` (${d.description.trim().split('\n')[0]})` : ''}`,
      );
    }
    inputs[`inputs.${k}`] = v;
  }
  return inputs;
}

/** The pipeline file a step `uses`, where it is, and the step's inputs bound to it. */
interface UsedPipeline {
  readonly file: RawMap;
  readonly fileWhere: Where;
  readonly inputs: VarMap;
  readonly withValues: Record<string, string>;
}

/** Looks up the pipeline a step `uses` and binds its `with:`; undefined (reported) when there is none. */
function usedPipeline(step: RawMap, uses: string, w: Where, ctx: StepContext): UsedPipeline | undefined {
  const pf = ctx.library.get(uses);
  if (!pf) {
    const guess = didYouMean(uses, [...new Set([...ctx.available, ...ctx.library.keys()])]);
    const dirs = ctx.searched.length > 1 ? 'each --pipeline-dir and the built-in pipelines' : 'the built-in pipelines';
    ctx.report.error(
      'BUILD_CONFIG_PIPELINE_NOT_FOUND',
      at(w, 'uses'),
      `pipeline '${uses}' not found`,
      guess ? `did you mean '${guess}'?` : `looked for ${uses}.yaml in ${dirs}`,
    );
    return undefined;
  }
  const file = pf.doc;
  const fileWhere: Where = { file: pf.file, locations: pf.locations, path: [] };
  const outer: VarMap = { ...ctx.vars, ...ctx.inputs };
  const bound = bindInputs(step, file, fileWhere, w, outer, ctx);
  const withValues: Record<string, string> = {};
  for (const [k, v] of Object.entries(bound)) withValues[k.slice('inputs.'.length)] = v;
  return { file, fileWhere, inputs: { ...ctx.inputs, ...bound }, withValues };
}

/** Adds a step's (or pipeline file's) `environment:`, substituted, to `environment`. */
function addEnvironment(
  environment: Record<string, string>,
  raw: RawMap,
  where: Where,
  vars: VarMap,
  ctx: StepContext,
): void {
  for (const [k, v] of Object.entries(strMap(raw.environment))) {
    environment[k] = ctx.report.substitute(v, vars, at(where, 'environment', k));
  }
}

export function compileStep(step: RawMap, w: Where, ctx: StepContext): CompiledStep | undefined {
  if (ctx.depth > MAX_DEPTH) {
    ctx.report.error('BUILD_CONFIG_PIPELINE_NOT_FOUND', w, `pipelines nest more than ${MAX_DEPTH} levels (a cycle?)`);
    return undefined;
  }
  const uses = isStr(step.uses) ? step.uses : undefined;
  if (uses !== undefined && (uses === '' || uses.startsWith('/') || uses.split('/').includes('..'))) {
    return undefined; // parse reported it
  }
  const used = uses === undefined ? undefined : usedPipeline(step, uses, w, ctx);
  if (uses !== undefined && used === undefined) return undefined;
  const file = used?.file;
  const fileWhere = used?.fileWhere;
  const inputs = used?.inputs ?? ctx.inputs;
  const withValues = used?.withValues;
  const vars: VarMap = { ...ctx.vars, ...inputs };
  // As in melange, `if` sees the step's own inputs; a skipped step is still checked above.
  if (isStr(step.if) && !condition(step.if, vars, at(w, 'if'), ctx.report)) return undefined;
  if (file && fileWhere && isStr(file.if) && !condition(file.if, vars, at(fileWhere, 'if'), ctx.report))
    return undefined;

  let workdir = ctx.workdir;
  if (isStr(step['working-directory'])) {
    workdir = resolveDir(workdir, ctx.report.substitute(step['working-directory'], vars, at(w, 'working-directory')));
  }
  if (file && fileWhere && isStr(file['working-directory'])) {
    workdir = resolveDir(
      workdir,
      ctx.report.substitute(file['working-directory'], vars, at(fileWhere, 'working-directory')),
    );
  }
  const environment: Record<string, string> = { ...ctx.environment };
  if (file && fileWhere) addEnvironment(environment, file, fileWhere, vars, ctx);
  addEnvironment(environment, step, w, vars, ctx);

  addNeeds(step, vars, w, ctx);
  if (file && fileWhere) addNeeds(file, vars, fileWhere, ctx);

  const child: StepContext = { ...ctx, inputs, workdir, environment, depth: ctx.depth + 1 };
  const nested = [
    ...(file && fileWhere ? compileSteps(file.pipeline, at(fileWhere, 'pipeline'), child) : []),
    ...compileSteps(step.pipeline, at(w, 'pipeline'), child),
  ];
  const runsRaw = isStr(step.runs) ? step.runs : file && isStr(file.runs) ? file.runs : undefined;
  const runsWhere = isStr(step.runs) ? at(w, 'runs') : fileWhere ? at(fileWhere, 'runs') : w;
  const runs = runsRaw === undefined ? undefined : stripComments(ctx.report.substitute(runsRaw, vars, runsWhere));
  const nameRaw = isStr(step.name) ? step.name : file && isStr(file.name) ? file.name : undefined;
  const name = nameRaw === undefined ? undefined : ctx.report.substitute(nameRaw, vars, at(w, 'name'));
  const label = isStr(step.label) ? step.label : undefined;

  const required = obj(step.assertions)['required-steps'];
  if (typeof required === 'number' && nested.length < required) {
    ctx.report.error(
      'BUILD_CONFIG_ASSERTION',
      at(w, 'assertions', 'required-steps'),
      `assertions: ${required} nested step(s) must run, but only ${nested.length} do for this architecture`,
      'check the if: conditions of the nested steps',
    );
  }
  return {
    ...(name !== undefined ? { name } : {}),
    ...(uses !== undefined ? { uses } : {}),
    ...(withValues !== undefined ? { with: withValues } : {}),
    ...(runs !== undefined ? { runs } : {}),
    workingDirectory: workdir,
    environment,
    ...(label !== undefined ? { label } : {}),
    ...(nested.length > 0 ? { pipeline: nested } : {}),
    ...(typeof required === 'number' ? { requiredSteps: required } : {}),
    origin: ctx.report.origin(w),
  };
}
