/** `solve(input)`: pure; builds its own graph, solves, and returns a changeset or a conflict. */
import { compareVersions } from '../apk/index.js';
import { LupineError } from '../core/index.js';
import { analyzeConflict } from './analyze.js';
import { buildDatabase } from './build-database.js';
import { generateChangeset, type RawChange } from './changeset.js';
import type { Database, Dep } from './model.js';
import { Solver } from './solver.js';
import {
  type Change,
  type ChangeKind,
  type ResolvedPackage,
  SOLVER_IGNORE_CONFLICT,
  type Solution,
  type SolveInput,
} from './types.js';

export interface SolveOptions {
  /** `--force-broken-world`: drop world entries that cannot be satisfied and solve again. */
  readonly forceBrokenWorld?: boolean;
  /**
   * Discover over the packed tables when the graph has one source of packages (default true). The
   * result is the same either way; false makes the solver walk nodes, which tests compare against.
   */
  readonly packedDiscovery?: boolean;
}

/** ASCII lower case (C `strcasecmp` in the C locale). */
function lower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * The order apk-tools 2.14 sorts world in (before solving, and so in `/etc/apk/world`): by name
 * ignoring ASCII case, then by bytes, so `a` comes before `B`.
 */
export function compareWorldNames(a: string, b: string): number {
  if (a === b) return 0;
  const x = lower(a);
  const y = lower(b);
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : 1;
}

function kindOf(c: RawChange): ChangeKind {
  if (!c.oldPkg) return 'install';
  if (!c.newPkg) return 'remove';
  if (c.newPkg === c.oldPkg) {
    if (c.reinstall) return 'reinstall';
    return c.newTag !== c.oldTag ? 'pin' : 'none';
  }
  const r = compareVersions(c.newPkg.version, c.oldPkg.version);
  return r < 0 ? 'downgrade' : r > 0 ? 'upgrade' : 'replace';
}

function lowestRepo(repos: number): number {
  for (let i = 1; i < 31; i++) if (repos & (1 << i)) return i - 1;
  return -1;
}

function toChanges(db: Database, raw: readonly RawChange[]): Change[] {
  return raw.map((c) => {
    const change: Change = {
      kind: kindOf(c),
      name: (c.newPkg ?? c.oldPkg)?.name.name ?? '',
      oldTag: db.tags[c.oldTag]?.tag ?? '',
      newTag: db.tags[c.newTag]?.tag ?? '',
      newAvailable: c.newPkg ? (c.newPkg.repos & db.availableRepos) !== 0 : false,
      ...(c.oldPkg ? { old: c.oldPkg.info } : {}),
      ...(c.newPkg ? { new: c.newPkg.info } : {}),
    };
    return change;
  });
}

function installedAfter(db: Database, raw: readonly RawChange[]): ResolvedPackage[] {
  const byName = new Map<string, ResolvedPackage>();
  for (const p of db.installed) {
    byName.set(p.name.name, { pkg: p.info, tag: db.tags[p.installedTag]?.tag ?? '', repository: lowestRepo(p.repos) });
  }
  for (const c of raw) {
    if (c.oldPkg) byName.delete(c.oldPkg.name.name);
    if (c.newPkg) {
      byName.set(c.newPkg.name.name, {
        pkg: c.newPkg.info,
        tag: db.tags[c.newTag]?.tag ?? '',
        repository: lowestRepo(c.newPkg.repos),
      });
    }
  }
  return [...byName.values()].sort((a, b) => (a.pkg.name < b.pkg.name ? -1 : a.pkg.name > b.pkg.name ? 1 : 0));
}

/** World entries as the solver sees them, sorted by name like apk does before solving. */
export function worldDeps(db: Database, input: SolveInput): Dep[] {
  const deps = input.world.map((d) => ({ name: db.getName(d.name), dep: d, tag: d.tag ? db.tagId(d.tag) : 0 }));
  return deps.sort((a, b) => compareWorldNames(a.name.name, b.name.name));
}

/**
 * Solves the world against repositories and the installed set. Never mutates its input. The passes
 * recurse as apk's do; a graph deeper than the stack allows (a hostile index's chain of thousands
 * of packages) is LIMIT_EXCEEDED, not an internal error.
 */
export function solve(input: SolveInput, options: SolveOptions = {}): Solution {
  try {
    return solveGraph(input, options);
  } catch (err) {
    if (!(err instanceof RangeError && /call stack/i.test(err.message))) throw err;
    throw new LupineError('LIMIT_EXCEEDED', 'the dependency graph is too deep to solve', {
      cause: err,
      details: { what: 'dependency depth' },
      hint: 'a repository index chains thousands of packages one after another; it is damaged or hostile',
    });
  }
}

function solveGraph(input: SolveInput, options: SolveOptions): Solution {
  const db = buildDatabase(input);
  const flags = input.flags ?? 0;
  const ignoreConflict = (flags & SOLVER_IGNORE_CONFLICT) !== 0;
  let world = worldDeps(db, input);
  for (;;) {
    const solver = new Solver(db, flags, input.selfUpgrade === true);
    solver.packedDiscovery = options.packedDiscovery !== false;
    solver.run(world, flags);
    const cs = generateChangeset(solver, world, ignoreConflict);
    if (solver.errors && options.forceBrokenWorld) {
      let changed = false;
      world = world.map((d) => {
        const pkg = d.name.ss.chosen?.pkg;
        if (!d.dep.broken && (!pkg || pkg.ss.error)) {
          changed = true;
          return { ...d, dep: { ...d.dep, broken: true } };
        }
        return d;
      });
      if (changed) continue;
    }
    if (solver.errors) {
      return {
        ok: false,
        changes: toChanges(db, cs.changes),
        conflict: analyzeConflict(db, cs.changes, world, solver.errors),
      };
    }
    return { ok: true, changes: toChanges(db, cs.changes), installed: installedAfter(db, cs.changes) };
  }
}
