/**
 * The distro build: walks the recipe graph, starting a recipe as soon as everything it depends on
 * is done (at most `jobs` at a time), deciding for each whether it must be rebuilt (see `decide`),
 * building it through the PackageBuilder it is given, and recording what it made. A failed recipe
 * blocks its dependents; the others carry on. Effects come in through the options.
 */
import { InternalError, isLupineError, type Logger, LupineError } from '../core/index.js';
import type {
  BuildResult,
  DistroEvent,
  DistroSummary,
  OutcomeStatus,
  PackageBuilder,
  RecipeLog,
  RecipeOutcome,
} from './builder.js';
import { type BuiltDependency, inputIdentity, LocalExecutor, type RecipeExecutor } from './executor.js';
import { type RecipeGraph, recipeFor } from './graph.js';
import {
  againstOf,
  type BuiltOutput,
  type CurrentDependency,
  type DistroState,
  decide,
  emptyState,
  type RecipeInputs,
  type RecipeRecord,
  withArchRecords,
} from './state.js';

export interface DistroBuildOptions {
  readonly graph: RecipeGraph;
  /** Hashes of each recipe's file and folder. */
  readonly inputs: ReadonlyMap<string, RecipeInputs>;
  readonly state?: DistroState;
  readonly arch: string;
  readonly outDir: string;
  /** Runs recipes here (the local executor), unless `executor` is given. */
  readonly builder?: PackageBuilder;
  /** Runs one recipe (default: a LocalExecutor over `builder`). */
  readonly executor?: RecipeExecutor;
  /** What builds the recipes (tool version, pipelines, options): part of every input identity. */
  readonly toolchain?: string;
  /** How many recipes build at once (at least 1). */
  readonly jobs: number;
  /** Only these recipes (or the recipes making these packages); the rest must have been built. */
  readonly only?: readonly string[];
  readonly force?: boolean;
  /** Decide and report, build nothing. */
  readonly dryRun?: boolean;
  /** Whether a built output (path relative to outDir) is still there. */
  readonly outputExists: (path: string) => Promise<boolean>;
  readonly openLog: (name: string) => Promise<RecipeLog>;
  /** Called with the new state after every finished build, so an interrupted run keeps its progress. */
  readonly saveState?: (state: DistroState) => Promise<void>;
  readonly onEvent?: (event: DistroEvent) => void;
  /** Milliseconds from some origin (performance.now); durations only. */
  readonly now: () => number;
  readonly signal?: AbortSignal;
}

export interface DistroBuildResult {
  readonly summary: DistroSummary;
  readonly state: DistroState;
}

function selection(graph: RecipeGraph, only: readonly string[] | undefined): Set<string> {
  if (only === undefined || only.length === 0) return new Set(graph.order);
  const out = new Set<string>();
  const unknown: string[] = [];
  for (const p of only) {
    const r = recipeFor(graph, p);
    if (r === undefined) unknown.push(p);
    else out.add(r);
  }
  if (unknown.length > 0) {
    throw new LupineError('DISTRO_UNKNOWN_PACKAGE', `--only: no recipe makes ${unknown.join(', ')}`, {
      details: { unknown },
    });
  }
  return out;
}

function summarize(outcomes: RecipeOutcome[], ms: number): DistroSummary {
  const count = (s: OutcomeStatus) => outcomes.filter((o) => o.status === s).length;
  return {
    outcomes,
    built: count('built'),
    pulled: count('pulled'),
    skipped: count('skipped'),
    failed: count('failed'),
    blocked: count('blocked'),
    planned: count('planned'),
    ms,
  };
}

class DistroRun {
  readonly #o: DistroBuildOptions;
  readonly #selected: Set<string>;
  readonly #records: Record<string, RecipeRecord>;
  /** Outputs as they are now (after this run's builds), by recipe; undefined = still to be rebuilt (dry run). */
  readonly #outputs = new Map<string, readonly BuiltOutput[] | undefined>();
  readonly #outcomes = new Map<string, RecipeOutcome>();
  readonly #start: number;
  readonly #executor: RecipeExecutor;
  /** Input identity of each recipe whose outputs are known (built, up to date or not selected). */
  readonly #identities = new Map<string, string>();
  #state: DistroState;
  #saving: Promise<void> = Promise.resolve();

  constructor(options: DistroBuildOptions) {
    this.#o = options;
    this.#selected = selection(options.graph, options.only);
    this.#state = options.state ?? emptyState();
    this.#records = { ...(this.#state.arches[options.arch] ?? {}) };
    this.#start = options.now();
    if (options.executor) this.#executor = options.executor;
    else if (options.builder) this.#executor = new LocalExecutor(options.builder);
    else throw new InternalError('buildDistro needs a builder or an executor');
    for (const name of options.graph.order) {
      const rec = this.#records[name];
      if (rec && !this.#selected.has(name)) this.#outputs.set(name, rec.outputs);
    }
    if (options.only === undefined || options.only.length === 0) {
      for (const name of Object.keys(this.#records)) if (!options.graph.nodes.has(name)) delete this.#records[name];
    }
    this.#checkUnselectedBuilt();
  }

  #emit(e: DistroEvent): void {
    this.#o.onEvent?.(e);
  }

  #checkUnselectedBuilt(): void {
    const missing = new Set<string>();
    for (const name of this.#selected) {
      for (const d of this.#o.graph.deps.get(name)?.keys() ?? []) {
        if (!this.#selected.has(d) && !this.#records[d]) missing.add(d);
      }
    }
    if (missing.size > 0) {
      const list = [...missing].sort();
      throw new LupineError('DISTRO_NOT_BUILT', `--only: dependencies never built: ${list.join(', ')}`, {
        details: { missing: list },
        hint: `build them first, or add them: --only ${[...this.#selected, ...list].join(' ')}`,
      });
    }
  }

  #currentDeps(name: string): CurrentDependency[] {
    const out: CurrentDependency[] = [];
    for (const d of this.#o.graph.deps.get(name)?.keys() ?? []) {
      const outputs = this.#outputs.get(d);
      if (outputs === undefined) {
        const node = this.#o.graph.nodes.get(d);
        for (const p of node?.packages ?? [d])
          out.push({ name: p, version: node?.fullVersion ?? '', identity: undefined });
      } else {
        for (const p of outputs) out.push({ name: p.name, version: p.version, identity: p.identity });
      }
    }
    return out;
  }

  #identity(name: string, against: readonly { name: string; version: string; identity: string }[]): string {
    const node = this.#o.graph.nodes.get(name);
    const inputs = this.#o.inputs.get(name);
    if (!node || !inputs) throw new InternalError(`no inputs for recipe ${name}`);
    return inputIdentity({ node, arch: this.#o.arch, inputs, against, toolchain: this.#o.toolchain ?? '' });
  }

  /** The identity of a recipe whose outputs are known, from its record (what it was built against). */
  #knownIdentity(name: string): string | undefined {
    const known = this.#identities.get(name);
    if (known !== undefined) return known;
    const rec = this.#records[name];
    if (!rec) return undefined;
    const against = Object.entries(rec.against).map(([n, a]) => ({ name: n, ...a }));
    const id = this.#identity(name, against);
    this.#identities.set(name, id);
    return id;
  }

  /** Every recipe `name` depends on, transitively, in build order, with identity and outputs. */
  #needs(name: string): BuiltDependency[] {
    const g = this.#o.graph;
    const closure = new Set<string>();
    const visit = (n: string) => {
      for (const d of g.deps.get(n)?.keys() ?? []) {
        if (closure.has(d)) continue;
        closure.add(d);
        visit(d);
      }
    };
    visit(name);
    // A transitive dependency never built here (outside --only, no record) is left out: the local
    // executor does not look at `needs`, a remote one ships only what it can name.
    return g.order
      .filter((n) => closure.has(n))
      .flatMap((n) => {
        const identity = this.#knownIdentity(n);
        const outputs = this.#outputs.get(n) ?? this.#records[n]?.outputs;
        return identity === undefined || outputs === undefined ? [] : [{ name: n, identity, outputs }];
      });
  }

  async #missingOutput(record: RecipeRecord | undefined): Promise<string | undefined> {
    for (const p of record?.outputs ?? []) if (!(await this.#o.outputExists(p.path))) return p.path;
    return undefined;
  }

  #finish(name: string, status: OutcomeStatus, reason: string, ms = 0): void {
    this.#outcomes.set(name, { name, status, reason, ms });
  }

  /** A logger that writes to the recipe's log and emits its info and warning lines as events. */
  #echoing(name: string, lineLogger: Logger): Logger {
    return {
      info: (m: string) => {
        lineLogger.info(m);
        this.#emit({ type: 'line', name, line: m });
      },
      warn: (m: string) => {
        lineLogger.warn(m);
        this.#emit({ type: 'line', name, line: m });
      },
      debug: (m: string) => lineLogger.debug(m),
    };
  }

  /** Decides one recipe; builds it unless this is a dry run. Never throws. */
  async #one(name: string): Promise<void> {
    const o = this.#o;
    const node = o.graph.nodes.get(name);
    const inputs = o.inputs.get(name);
    if (!node || !inputs) throw new InternalError(`no inputs for recipe ${name}`);
    const record = this.#records[name];
    const deps = this.#currentDeps(name);
    const decision = decide(node, inputs, record, deps, await this.#missingOutput(record), o.force ?? false);
    if (o.dryRun) {
      this.#emit({ type: 'plan', name, build: decision.build, reason: decision.reason });
      this.#outputs.set(name, decision.build ? undefined : record?.outputs);
      this.#finish(name, decision.build ? 'planned' : 'skipped', decision.reason);
      return;
    }
    if (!decision.build && record) {
      this.#identities.delete(name);
      this.#knownIdentity(name);
      this.#emit({ type: 'skip', name, reason: decision.reason });
      this.#outputs.set(name, record.outputs);
      this.#finish(name, 'skipped', decision.reason);
      return;
    }
    const started = o.now();
    let log: RecipeLog | undefined;
    try {
      log = await o.openLog(name);
      const path = log.path;
      this.#emit({ type: 'start', name, reason: decision.reason, log: path });
      log.logger.info(`building ${name}-${node.fullVersion} (${node.runner} runner): ${decision.reason}`);
      const logger = this.#echoing(name, log.logger);
      const against = deps.flatMap((d) =>
        d.identity === undefined ? [] : [{ name: d.name, version: d.version, identity: d.identity }],
      );
      const identity = this.#identity(name, against);
      const result: BuildResult = await this.#executor.execute({
        node,
        arch: o.arch,
        outDir: o.outDir,
        logger,
        inputs,
        identity,
        needs: this.#needs(name),
        ...(o.force ? { force: true } : {}),
        onProgress: (p) => this.#emit({ type: 'worker', name, worker: p.worker }),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      this.#identities.set(name, identity);
      const ms = o.now() - started;
      const outputs = [...result.packages].sort((a, b) => (a.name < b.name ? -1 : 1));
      this.#outputs.set(name, outputs);
      this.#records[name] = {
        fullVersion: node.fullVersion,
        recipeHash: inputs.recipeHash,
        folderHash: inputs.folderHash,
        ...(inputs.hostPackages ? { hostPackages: inputs.hostPackages } : {}),
        against: againstOf(deps),
        outputs,
      };
      log.logger.info(`built ${outputs.map((p) => `${p.name}-${p.version}`).join(', ')} in ${Math.round(ms)} ms`);
      const pulled = result.pulled === true;
      this.#emit({ type: 'done', name, ms, outputs, ...(pulled ? { pulled } : {}) });
      this.#finish(name, pulled ? 'pulled' : 'built', decision.reason, ms);
      await this.#save();
    } catch (error) {
      const ms = o.now() - started;
      log?.logger.warn(`failed: ${error instanceof Error ? error.message : String(error)}`);
      this.#emit({ type: 'fail', name, ms, error, log: log?.path ?? '' });
      const code = isLupineError(error) ? `${error.code}: ` : '';
      this.#finish(name, 'failed', `${code}${error instanceof Error ? error.message : String(error)}`, ms);
    } finally {
      await log?.close().catch(() => undefined);
    }
  }

  async #save(): Promise<void> {
    this.#state = withArchRecords(this.#state, this.#o.arch, { ...this.#records });
    const save = this.#o.saveState;
    if (!save) return;
    const state = this.#state;
    this.#saving = this.#saving.then(() => save(state));
    await this.#saving;
  }

  async run(): Promise<DistroBuildResult> {
    const o = this.#o;
    const order = o.graph.order.filter((n) => this.#selected.has(n));
    const waiting = new Set(order);
    const running = new Map<string, Promise<void>>();
    const jobs = Math.max(1, Math.floor(o.jobs));
    const blockedBy = (name: string): string | undefined => {
      for (const d of o.graph.deps.get(name)?.keys() ?? []) {
        const s = this.#outcomes.get(d)?.status;
        if (s === 'failed' || s === 'blocked') return d;
      }
      return undefined;
    };
    const ready = (name: string) =>
      [...(o.graph.deps.get(name)?.keys() ?? [])].every((d) => !this.#selected.has(d) || this.#outcomes.has(d));
    while (waiting.size > 0 || running.size > 0) {
      for (const name of order) {
        if (!waiting.has(name) || !ready(name)) continue;
        const by = blockedBy(name);
        if (by !== undefined) {
          waiting.delete(name);
          this.#emit({ type: 'blocked', name, by });
          this.#finish(name, 'blocked', `dependency ${by} failed`);
          continue;
        }
        if (running.size >= jobs) break;
        if (o.signal?.aborted) break;
        waiting.delete(name);
        running.set(
          name,
          this.#one(name).finally(() => running.delete(name)),
        );
      }
      if (o.signal?.aborted && running.size === 0) break;
      if (running.size === 0) {
        if (waiting.size === 0) break;
        // every waiting recipe is ready-checked above; none ready and none running cannot happen in a DAG
        throw new InternalError(`scheduler stalled with ${[...waiting].join(', ')} waiting`);
      }
      await Promise.race(running.values());
    }
    await this.#saving;
    this.#state = withArchRecords(this.#state, o.arch, { ...this.#records });
    const outcomes = order.flatMap((n) => {
      const x = this.#outcomes.get(n);
      return x ? [x] : [];
    });
    return { summary: summarize(outcomes, o.now() - this.#start), state: this.#state };
  }
}

/** Runs (or, with dryRun, plans) a distro build. Failures are outcomes, not exceptions. */
export async function buildDistro(options: DistroBuildOptions): Promise<DistroBuildResult> {
  return new DistroRun(options).run();
}
