/** The applets that change the installed set: add, del, upgrade, fix (apk-tools 2.14 behaviour). */
import { createHash } from 'node:crypto';
import {
  DEPMASK_ANY,
  DEPMASK_CHECKSUM,
  type Dependency,
  emptyPackageInfo,
  formatDependency,
  makeDependency,
  type PackageInfo,
  parseDependency,
  tryParseDependency,
  VERSION_EQUAL,
} from '../../../apk/index.js';
import type { Clock } from '../../../core/index.js';
import {
  type Change,
  type NameFlags,
  SOLVER_AVAILABLE,
  SOLVER_INSTALLED,
  SOLVER_LATEST,
  SOLVER_REINSTALL,
  SOLVER_REMOVE,
  SOLVER_UPGRADE,
  type Solution,
  type SolveOk,
  solve,
} from '../../../resolver/index.js';
import { type ApkArgs, has, isTestMode, last } from './args.js';
import { commitChanges, errorLine, message, type Output, printConflict, warning } from './commit.js';
import type { ApkState, ChangeApplier, CommitPlan } from './context.js';
import { printNotDeleted, satisfiesDependency } from './not-deleted.js';

export interface ApkRun {
  readonly out: Output;
  readonly args: ApkArgs;
  readonly state: ApkState;
  readonly applier: ChangeApplier;
  readonly simulate: boolean;
  readonly clock: Clock;
  /** `add ./x.apk`: reads a package file (its info, with its identity); absent in test mode. */
  readonly readLocalPackage?: (file: string) => Promise<PackageInfo>;
}

interface SolveRequest {
  readonly world: readonly Dependency[];
  readonly flags?: number;
  readonly nameFlags?: readonly NameFlags[];
  readonly localPackages?: readonly PackageInfo[];
  readonly selfUpgrade?: boolean;
}

/** An applet's own failure (apk's `return -1`): apk exits 250 for it, not an error count. */
const APPLET_FAILED = -1;

const forceBrokenWorld = (run: ApkRun) => has(run.args, 'force-broken-world') || has(run.args, 'force');

function solveFor(run: ApkRun, req: SolveRequest): Solution {
  const s = run.state;
  return solve(
    {
      world: req.world,
      repositories: s.repositories,
      installed: s.installed,
      installedTags: s.installedTags,
      flags: req.flags ?? 0,
      nameFlags: req.nameFlags ?? [],
      localPackages: req.localPackages ?? [],
      arch: s.arch,
      selfUpgrade: req.selfUpgrade === true,
      // apk lists reverse dependencies in load order in its test build, in name-hash order on a root.
      reverseOrder: isTestMode(run.args) ? 'load' : 'name-hash',
    },
    { forceBrokenWorld: forceBrokenWorld(run) },
  );
}

function planOf(solution: SolveOk, req: SolveRequest): CommitPlan {
  return {
    changes: solution.changes,
    installed: solution.installed,
    world: req.world,
    localPackages: req.localPackages ?? [],
  };
}

/** `apk_db_check_world`: every tag used in world must name a configured repository. */
function missingTags(run: ApkRun, world: readonly Dependency[]): number {
  if (forceBrokenWorld(run)) return 0;
  const tags = new Set(run.state.repositories.filter((r) => !r.cacheOnly).map((r) => r.tag ?? ''));
  let bad = 0;
  for (const d of world) {
    if (!d.tag || tags.has(d.tag)) continue;
    warning(run.out, `The repository tag for world dependency '${d.name}@${d.tag}' does not exist`);
    bad++;
  }
  return bad;
}

/** `apk_solver_commit`: solve, then commit or print the report. Returns apk's error count. */
async function solverCommit(run: ApkRun, req: SolveRequest): Promise<number> {
  if (missingTags(run, req.world)) {
    errorLine(run.out, 'Not committing changes due to missing repository tags. Use --force-broken-world to override.');
    return APPLET_FAILED;
  }
  const solution = solveFor(run, req);
  if (!solution.ok) {
    printConflict(run.out, solution);
    return solution.conflict.errors;
  }
  return commitChanges(run.out, planOf(solution, req), run.applier, { installed: run.state.installed });
}

function addDep(world: Dependency[], dep: Dependency): void {
  const i = world.findIndex((d) => d.name === dep.name);
  if (i >= 0) world[i] = dep;
  else world.push(dep);
}

function virtualVersion(clock: Clock): string {
  const d = new Date(clock.now() * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}.${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export async function addApplet(run: ApkRun): Promise<number> {
  const { args } = run;
  let flags = 0;
  if (has(args, 'latest')) flags |= SOLVER_LATEST;
  if (has(args, 'upgrade')) flags |= SOLVER_UPGRADE;
  const world = [...run.state.world];
  const nameFlags: NameFlags[] = [];
  const localPackages: PackageInfo[] = [];
  const virt = last(args, 'virtual');
  let virtPkg: PackageInfo | undefined;
  let virtDep: Dependency | undefined;
  if (virt !== undefined) {
    let d = tryParseDependency(virt);
    const bad = () => {
      errorLine(run.out, `${virt}: bad package specifier`);
      return APPLET_FAILED;
    };
    if (!d || d.conflict || d.broken) return bad();
    if (d.mask === DEPMASK_ANY && d.version === null) {
      d = { ...d, mask: VERSION_EQUAL, version: virtualVersion(run.clock) };
    } else if (d.mask !== VERSION_EQUAL || d.version === null) {
      return bad();
    }
    virtDep = d;
    virtPkg = emptyPackageInfo(d.name, d.version as string);
    virtPkg.description = 'virtual meta package';
    virtPkg.arch = 'noarch';
    const id = createHash('sha1').update(`${d.name}\0${d.version}`).digest('base64');
    virtPkg.identity = `Q1${id}`;
    if (run.args.args.length === 0) warning(run.out, 'creating empty virtual package');
  }
  for (const arg of args.args) {
    if (arg.endsWith('.apk')) {
      const local = await run.readLocalPackage?.(arg);
      if (!local) {
        errorLine(run.out, `${arg}: adding package files needs a real root (not with --test-*)`);
        return APPLET_FAILED;
      }
      // World pins the file's identity (`name><Q1…`), as apk does for `add ./foo.apk`.
      const dep = makeDependency(local.name, { op: '><', version: local.identity });
      localPackages.push(local);
      if (virtPkg) virtPkg.depends.push(formatDependency(dep));
      else {
        addDep(world, dep);
        nameFlags.push({ name: dep.name, flags, inheritable: flags });
      }
      continue;
    }
    let dep: Dependency;
    try {
      dep = parseDependency(arg, virtPkg ? 'child' : 'world');
    } catch (err) {
      errorLine(run.out, (err as Error).message);
      return APPLET_FAILED;
    }
    if (virtPkg) virtPkg.depends.push(arg);
    else {
      addDep(world, dep);
      nameFlags.push({ name: dep.name, flags, inheritable: flags });
    }
  }
  if (virtPkg && virtDep) {
    localPackages.push(virtPkg);
    addDep(world, virtDep);
    nameFlags.push({ name: virtDep.name, flags, inheritable: flags });
  }
  return solverCommit(run, { world, nameFlags, localPackages });
}

/** Names the databases know (packages, their dependencies and provides, world). */
function knownNames(state: ApkState): Set<string> {
  const names = new Set<string>();
  const addList = (l: readonly string[]) => {
    for (const s of l) {
      const d = tryParseDependency(s);
      if (d) names.add(d.name);
    }
  };
  const addPkg = (p: PackageInfo) => {
    names.add(p.name);
    addList(p.depends);
    addList(p.provides);
    addList(p.installIf);
  };
  for (const r of state.repositories) for (const p of r.packages) addPkg(p);
  for (const p of state.installed) addPkg(p);
  for (const d of state.world) names.add(d.name);
  return names;
}

export async function delApplet(run: ApkRun): Promise<number> {
  const { state } = run;
  const known = knownNames(state);
  let world = [...state.world];
  let errors = 0;
  const recursive = has(run.args, 'rdepends');
  const nameFlags: NameFlags[] = [];
  const seen = new Set<PackageInfo>();
  const deletePkg = (pkg: PackageInfo) => {
    if (seen.has(pkg)) return;
    seen.add(pkg);
    world = world.filter((d) => d.name !== pkg.name);
    nameFlags.push({ name: pkg.name, flags: SOLVER_REMOVE, inheritable: 0 });
    if (!recursive) return;
    const provided = new Set(pkg.provides.map((p) => tryParseDependency(p)?.name ?? ''));
    world = world.filter((d) => !provided.has(d.name));
    for (const p0 of state.installed) {
      if (p0.depends.some((s) => satisfiesDependency(s, pkg))) deletePkg(p0);
    }
  };
  for (const arg of run.args.args) {
    if (!known.has(arg)) {
      errorLine(run.out, `No such package: ${arg}`);
      errors++;
      continue;
    }
    const pkg = state.installed.find((p) => p.name === arg);
    if (pkg) deletePkg(pkg);
    else world = world.filter((d) => d.name !== arg);
  }
  if (errors) return errors;
  const solution = solveFor(run, { world, nameFlags });
  if (!solution.ok) {
    printConflict(run.out, solution);
    return solution.conflict.errors;
  }
  printNotDeleted(run.out, solution.changes, world, run.args.args);
  return commitChanges(run.out, planOf(solution, { world }), run.applier, { installed: state.installed });
}

/**
 * apk's early upgrade of apk-tools. Returns whether a solve ran: apk then keeps the name marked as
 * having solver flags, which orders it in the following solve.
 */
async function selfUpgrade(run: ApkRun, flags: number, only: boolean): Promise<boolean> {
  const { state } = run;
  const current = state.installed.find((p) => p.name === 'apk-tools');
  if (!current) return false;
  const { compareVersions } = await import('../../../apk/index.js');
  const newer = state.repositories.some(
    (r) =>
      !r.cacheOnly && r.packages.some((p) => p.name === 'apk-tools' && compareVersions(p.version, current.version) > 0),
  );
  if (!newer) return false;
  const solution = solveFor(run, {
    world: state.world,
    nameFlags: [{ name: 'apk-tools', flags, inheritable: 0 }],
    selfUpgrade: true,
  });
  if (!solution.ok) {
    warning(run.out, 'Failed to perform initial self-upgrade, continuing with full upgrade.');
    return true;
  }
  if (!solution.changes.some((c: Change) => c.kind !== 'none')) return true;
  if (!only && run.simulate) {
    warning(run.out, 'This simulation is not reliable as apk-tools upgrade is available.');
    return true;
  }
  message(run.out, 'Upgrading critical system libraries and apk-tools:');
  await commitChanges(run.out, planOf(solution, { world: state.world }), run.applier, {
    installed: state.installed,
    selfUpgrade: true,
  });
  return true;
}

export async function upgradeApplet(run: ApkRun): Promise<number> {
  const { args, state } = run;
  if (missingTags(run, state.world)) {
    errorLine(
      run.out,
      'Not continuing with upgrade due to missing repository tags. Use --force-broken-world to override.',
    );
    return APPLET_FAILED;
  }
  let flags = SOLVER_UPGRADE;
  if (has(args, 'available')) flags |= SOLVER_AVAILABLE;
  if (has(args, 'latest')) flags |= SOLVER_LATEST;
  const only = has(args, 'self-upgrade-only');
  const nameFlags: NameFlags[] = [];
  if (!has(args, 'no-self-upgrade') && args.args.length === 0) {
    if (await selfUpgrade(run, flags, only)) nameFlags.push({ name: 'apk-tools', flags: 0, inheritable: 0 });
  }
  if (only) return 0;
  let world: Dependency[] = [...state.world];
  if (flags & SOLVER_AVAILABLE) {
    world = world.map((d) => (d.mask === DEPMASK_CHECKSUM ? { ...d, mask: DEPMASK_ANY, version: null } : d));
  }
  if (has(args, 'prune')) {
    const inRepo = new Set<string>();
    for (const r of state.repositories) {
      if (r.cacheOnly) continue;
      for (const p of r.packages) {
        inRepo.add(p.name);
        for (const s of p.provides) inRepo.add(tryParseDependency(s)?.name ?? '');
      }
    }
    // Packages with nothing to install (I:0) count as cached, so apk keeps them too.
    for (const p of state.installed) if (p.installedSize === 0) inRepo.add(p.name);
    world = world.filter((d) => inRepo.has(d.name));
  }
  if (args.args.length > 0) {
    const ignore = has(args, 'ignore');
    if (!ignore) flags &= ~SOLVER_UPGRADE;
    const known = knownNames(state);
    let errors = 0;
    for (const a of args.args) {
      if (!known.has(a)) {
        errorLine(run.out, `Package '${a}' not found`);
        errors++;
        continue;
      }
      nameFlags.push({ name: a, flags: ignore ? SOLVER_INSTALLED : SOLVER_UPGRADE, inheritable: 0 });
    }
    if (errors) return errors;
  }
  return solverCommit(run, { world, flags, nameFlags });
}

export async function fixApplet(run: ApkRun): Promise<number> {
  const { args, state } = run;
  let flags = 0;
  if (has(args, 'reinstall')) flags |= SOLVER_REINSTALL;
  if (has(args, 'upgrade')) flags |= SOLVER_UPGRADE;
  if (!flags) flags = SOLVER_REINSTALL;
  const depends = has(args, 'depends');
  const known = knownNames(state);
  const nameFlags: NameFlags[] = [];
  let errors = 0;
  const targets = args.args.length ? args.args : [...(state.broken ?? [])];
  for (const a of targets) {
    if (!known.has(a)) {
      errorLine(run.out, `Package '${a}' not found`);
      errors++;
      continue;
    }
    nameFlags.push({ name: a, flags, inheritable: depends ? flags : 0 });
  }
  if (errors) return errors;
  return solverCommit(run, { world: state.world, nameFlags });
}
