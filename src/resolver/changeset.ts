/**
 * Turns the solver's choices into apk's ordered changeset: walking world depth-first so that
 * dependencies come before dependents, removals before the installs that replace them.
 */
import type { Database, Dep, Name, Pkg } from './model.js';
import { inNameHashOrder } from './name-hash.js';
import { DEP_SATISFIES, forEachReverseDependency, isProvided } from './provided.js';
import type { Solver } from './solver.js';
import { SOLVER_REINSTALL } from './types.js';

export interface RawChange {
  readonly oldPkg: Pkg | null;
  readonly newPkg: Pkg | null;
  readonly oldTag: number;
  readonly newTag: number;
  readonly reinstall: boolean;
}

export interface RawChangeset {
  readonly changes: RawChange[];
  numInstall: number;
  numRemove: number;
  numAdjust: number;
}

function getTag(db: Database, mask: number, repos: number): number {
  for (let i = 0; i < db.tags.length; i++) {
    if (!(mask & (1 << i))) continue;
    if ((db.tags[i]?.allowedRepos ?? 0) & repos) return i;
  }
  return 0;
}

class ChangesetBuilder {
  readonly cs: RawChangeset = { changes: [], numInstall: 0, numRemove: 0, numAdjust: 0 };
  readonly #db: Database;
  readonly #solver: Solver;
  readonly #ignoreConflict: boolean;

  constructor(solver: Solver, ignoreConflict: boolean) {
    this.#solver = solver;
    this.#db = solver.db;
    this.#ignoreConflict = ignoreConflict;
  }

  #record(opkg: Pkg | null, npkg: Pkg | null): void {
    const db = this.#db;
    const newRepos = npkg ? npkg.repos | (npkg.installed ? (db.tags[npkg.installedTag]?.allowedRepos ?? 0) : 0) : 0;
    const change: RawChange = {
      oldPkg: opkg,
      newPkg: npkg,
      oldTag: opkg ? opkg.installedTag : 0,
      newTag: npkg ? getTag(db, npkg.ss.pinningAllowed, newRepos) : 0,
      reinstall: npkg ? (npkg.ss.flags & SOLVER_REINSTALL) !== 0 : false,
    };
    this.cs.changes.push(change);
    if (npkg === null) this.cs.numRemove++;
    else if (opkg === null) this.cs.numInstall++;
    else if (npkg !== opkg || change.reinstall || change.newTag !== change.oldTag) this.cs.numAdjust++;
  }

  #trackAdded(pkg: Pkg): void {
    for (let j = 0, xs = pkg.depends; j < xs.length; j++) {
      const d = xs[j]!;
      if (d.dep.conflict || !d.name.ss.installedName) continue;
      d.name.ss.installedName.ss.csRequirers++;
    }
  }

  #trackRemoved(pkg: Pkg): void {
    for (let j = 0, xs = pkg.depends; j < xs.length; j++) {
      const d = xs[j]!;
      const iname = d.name.ss.installedName;
      if (d.dep.conflict || !iname) continue;
      if (--iname.ss.csRequirers > 0) continue;
      const pkg0 = d.name.ss.installedPkg;
      if (pkg0) this.#remove(pkg0);
    }
  }

  checkRemovalByDeps(pkg: Pkg): void {
    if (pkg.name.ss.csRequirers === 0 && pkg.name.ss.chosen?.pkg == null) this.#remove(pkg);
  }

  #checkInstallByIif(name: Name): void {
    const pkg = name.ss.chosen?.pkg;
    if (!pkg || !name.ss.seen || name.ss.processed) return;
    for (let j = 0, xs = pkg.installIf; j < xs.length; j++) {
      const d = xs[j]!;
      if (!d.dep.conflict && !d.name.ss.processed) return;
      if (!isProvided(d.dep, d.name.ss.chosen)) return;
    }
    this.nameChange(name);
  }

  #checkRemovalByIif(name: Name): void {
    const pkg = name.ss.installedPkg;
    if (!pkg || name.ss.chosen?.pkg) return;
    if (name.ss.processed || name.ss.removed) return;
    for (let j = 0, xs = pkg.installIf; j < xs.length; j++) {
      const d = xs[j]!;
      if (d.name.ss.removed && !d.name.ss.chosen?.pkg) {
        this.checkRemovalByDeps(pkg);
        return;
      }
    }
  }

  #byReverseIif(pkg: Pkg | null, cb: (name: Name) => void): void {
    if (!pkg) return;
    for (let j = 0, xs = pkg.name.rinstallIf; j < xs.length; j++) {
      const n = xs[j]!;
      cb(n);
    }
    for (let j = 0, xs = pkg.provides; j < xs.length; j++) {
      const d = xs[j]!;
      for (let j = 0, xs = d.name.rinstallIf; j < xs.length; j++) {
        const n = xs[j]!;
        cb(n);
      }
    }
  }

  #preprocess(name: Name): void {
    if (name.ss.processed) return;
    name.ss.processed = true;
    const chosen = name.ss.chosen?.pkg;
    if (name.ss.installedPkg && (!chosen || chosen.name !== name)) this.#remove(name.ss.installedPkg);
    for (let j = 0, xs = name.providers; j < xs.length; j++) {
      const p = xs[j]!;
      const pkg0 = p.pkg;
      if (pkg0.name.ss.installedPkg === pkg0 && !pkg0.name.ss.chosen) this.#remove(pkg0);
    }
  }

  nameChange(name: Name): void {
    if (name.ss.processed) return;
    this.#preprocess(name);
    const pkg = name.ss.chosen?.pkg;
    if (!pkg || pkg.ss.inChangeset) return;
    pkg.ss.inChangeset = true;
    this.#preprocess(pkg.name);
    for (let j = 0, xs = pkg.provides; j < xs.length; j++) {
      const d = xs[j]!;
      this.#preprocess(d.name);
    }
    const opkg = pkg.name.ss.installedPkg;
    this.#byReverseIif(opkg, (n) => this.#checkRemovalByIif(n));
    for (let j = 0, xs = pkg.depends; j < xs.length; j++) {
      const d = xs[j]!;
      this.genDep(pkg, d);
    }
    this.#record(opkg, pkg);
    this.#byReverseIif(pkg, (n) => this.#checkInstallByIif(n));
    this.#trackAdded(pkg);
    if (opkg) this.#trackRemoved(opkg);
  }

  #remove(pkg: Pkg): void {
    const name = pkg.name;
    const chosen = name.ss.chosen?.pkg;
    if (pkg.ss.inChangeset || (chosen && chosen.name === name)) return;
    name.ss.removed = true;
    pkg.ss.inChangeset = true;
    forEachReverseDependency(
      pkg,
      DEP_SATISFIES,
      (p0) => p0.installed,
      (p0) => this.#remove(p0),
      this.#db.reverseOrder === 'name-hash' ? inNameHashOrder : undefined,
    );
    this.#byReverseIif(pkg, (n) => this.#checkRemovalByIif(n));
    this.#record(pkg, null);
    this.#trackRemoved(pkg);
  }

  genDep(ppkg: Pkg | null, d: Dep): void {
    const name = d.name;
    const pkg = name.ss.chosen?.pkg;
    if (d.dep.conflict && this.#ignoreConflict) return;
    if (!isProvided(d.dep, name.ss.chosen)) this.#solver.markError(ppkg);
    this.nameChange(name);
    if (pkg?.ss.error) this.#solver.markError(ppkg);
  }
}

/** apk's generate_changeset over a finished solve. */
export function generateChangeset(solver: Solver, world: readonly Dep[], ignoreConflict: boolean): RawChangeset {
  const db = solver.db;
  const b = new ChangesetBuilder(solver, ignoreConflict);
  // Every solver starts from fresh name states, whose changeset fields are null/0 already: only the
  // names that are touched here get a state (most names of a big index never do).
  for (let j = 0, xs = db.installed; j < xs.length; j++) {
    const pkg = xs[j]!;
    pkg.name.ss.installedPkg = pkg;
    pkg.name.ss.installedName = pkg.name;
    for (let j = 0, xs = pkg.provides; j < xs.length; j++) {
      const d = xs[j]!;
      if (d.version !== null) d.name.ss.installedName = pkg.name;
    }
  }
  for (let j = 0, xs = db.installed; j < xs.length; j++) {
    const pkg = xs[j]!;
    for (let j = 0, xs = pkg.depends; j < xs.length; j++) {
      const d = xs[j]!;
      if (d.dep.conflict || !d.name.ss.installedName) continue;
      d.name.ss.installedName.ss.csRequirers++;
    }
  }
  for (let j = 0, xs = db.installed; j < xs.length; j++) {
    const pkg = xs[j]!;
    b.checkRemovalByDeps(pkg);
  }
  for (let j = 0, xs = world; j < xs.length; j++) {
    const d = xs[j]!;
    b.genDep(null, d);
  }
  for (let j = 0, xs = db.installed; j < xs.length; j++) {
    const pkg = xs[j]!;
    b.nameChange(pkg.name);
  }
  return b.cs;
}
