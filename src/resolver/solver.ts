/**
 * The deductive solver (apk-tools 2.14 semantics): names are discovered from world, constraints
 * propagate down, and names are chosen greedily from a queue until none is left.
 */
import { compareProviders } from './compare.js';
import { Discovery, packageRepos } from './discover.js';
import type { Database, Dep, Name, Pkg, Provider } from './model.js';
import type { NameNode } from './nodes.js';
import { isProvided } from './provided.js';
import { NameQueues, Q_NONE } from './queues.js';
import { SOLVER_IGNORE_CONFLICT } from './types.js';

const DEFAULT_PINNING = 1;

export class Solver {
  errors = 0;
  readonly db: Database;
  readonly selfUpgrade: boolean;
  /** Discover over the packed tables when the graph allows (false: always walk nodes, for tests). */
  packedDiscovery = true;
  #flagsInherit = 0;
  #pinningInherit = 0;
  #defaultRepos: number;
  #ignoreConflict: boolean;
  #dirty: Name[] = [];
  #queues = new NameQueues();

  constructor(db: Database, flags: number, selfUpgrade: boolean) {
    this.db = db;
    this.selfUpgrade = selfUpgrade;
    this.#ignoreConflict = (flags & SOLVER_IGNORE_CONFLICT) !== 0;
    this.#defaultRepos = db.pinningRepos(DEFAULT_PINNING);
    if (db.used) {
      db.resetDiscovery();
      for (const n of db.names) n.resetState();
      for (let j = 0, xs = db.packages; j < xs.length; j++) {
        const p = xs[j]!;
        p.resetState();
      }
    }
    db.used = true;
  }

  #pkgRepos(pkg: Pkg): number {
    return packageRepos(this.db, pkg);
  }

  #markError(pkg: Pkg | null | undefined): void {
    if (!pkg || pkg.ss.error) return;
    pkg.ss.error = true;
    this.errors++;
  }

  #queueDirty(name: Name): void {
    const s = name.ss;
    if (s.inDirty || s.locked || (s.requirers === 0 && !s.reevaluateIif)) return;
    s.inDirty = true;
    this.#dirty.push(name);
  }

  #wantsResolveNow(name: Name): boolean {
    const s = name.ss;
    return s.reverseDepsDone && s.requirers > 0 && s.hasAutoSelectable && !s.hasOptions;
  }

  #queueUnresolved(name: Name, reevaluate: boolean): void {
    const s = name.ss;
    if (s.locked) return;
    if (s.queue !== Q_NONE) {
      if (s.resolveNow) return;
      if (this.#wantsResolveNow(name)) s.resolveNow = true;
      else if (!reevaluate) return;
      this.#queues.remove(name);
    } else {
      if (s.requirers === 0 && !s.hasIif && !s.iifNeeded) return;
      s.resolveNow = this.#wantsResolveNow(name);
    }
    if (s.resolveNow) this.#queues.now(name);
    else this.#queues.insert(name, s.hasAutoSelectable);
  }

  #reevaluateReverseDeps(name: Name): void {
    const rdepends = name.ss.rdependsSeen;
    if (rdepends === null) return;
    for (let j = 0, xs = rdepends; j < xs.length; j++) {
      const name0 = xs[j]!;
      name0.ss.reevaluateDeps = true;
      this.#queueDirty(name0);
    }
  }

  #reevaluateReverseInstallIf(name: Name): void {
    for (let j = 0, xs = name.rinstallIf; j < xs.length; j++) {
      const name0 = xs[j]!;
      if (!name0.ss.seen || name0.ss.noIif) continue;
      name0.ss.reevaluateIif = true;
      this.#queueDirty(name0);
    }
  }

  #reevaluateReverseInstallIfPkg(pkg: Pkg): void {
    this.#reevaluateReverseInstallIf(pkg.name);
    for (let j = 0, xs = pkg.provides; j < xs.length; j++) {
      const p = xs[j]!;
      this.#reevaluateReverseInstallIf(p.name);
    }
  }

  #disqualify(pkg: Pkg): void {
    pkg.ss.selectable = false;
    this.#reevaluateReverseDeps(pkg.name);
    for (let j = 0, xs = pkg.provides; j < xs.length; j++) {
      const p = xs[j]!;
      this.#reevaluateReverseDeps(p.name);
    }
    this.#reevaluateReverseInstallIfPkg(pkg);
  }

  #satisfiable(d: Dep): boolean {
    const name = d.name;
    if (d.dep.conflict && this.#ignoreConflict) return true;
    if (name.ss.locked) return isProvided(d.dep, name.ss.chosen);
    if (name.ss.requirers === 0 && isProvided(d.dep, null)) return true;
    for (let j = 0, xs = name.providers; j < xs.length; j++) {
      const p = xs[j]!;
      if (p.pkg.ss.selectable && isProvided(d.dep, p)) return true;
    }
    return false;
  }

  #requirersChanged(name: Name): void {
    this.#queueUnresolved(name, false);
    this.#reevaluateReverseInstallIf(name);
    this.#queueDirty(name);
  }

  #inherit(pkg: Pkg, ppkg: Pkg | null): void {
    const repos = this.#pkgRepos(pkg);
    const s = pkg.ss;
    if (ppkg) {
      s.flags |= ppkg.ss.flagsInheritable;
      s.flagsInheritable |= ppkg.ss.flagsInheritable;
      s.pinningAllowed |= ppkg.ss.pinningAllowed;
    } else {
      s.flags |= this.#flagsInherit;
      s.flagsInheritable |= this.#flagsInherit;
      s.pinningAllowed |= this.#pinningInherit;
      s.pinningPreferred = this.#pinningInherit;
      s.tagPreferred = (repos & this.db.pinningRepos(s.pinningPreferred)) !== 0;
    }
    if ((repos & this.db.pinningRepos(s.pinningAllowed)) !== 0) s.tagOk = true;
  }

  applyConstraint(ppkg: Pkg | null, d: Dep): void {
    const name = d.name;
    const conflict = d.dep.conflict;
    if (conflict && this.#ignoreConflict) return;
    if (!conflict) name.ss.requirers++;
    if (name.ss.requirers === 1 && !conflict) this.#requirersChanged(name);
    for (let j = 0, xs = name.providers; j < xs.length; j++) {
      const p0 = xs[j]!;
      const pkg0 = p0.pkg;
      const provided = isProvided(d.dep, p0);
      if (!provided) pkg0.ss.conflicts++;
      if (pkg0.ss.selectable && pkg0.ss.conflicts) this.#disqualify(pkg0);
      if (provided) this.#inherit(pkg0, ppkg);
    }
  }

  #excludeNonProviders(name: Name, mustProvide: Name, skipVirtuals: boolean): void {
    if (name === mustProvide || this.#ignoreConflict) return;
    for (let j = 0, xs = name.providers; j < xs.length; j++) {
      const p = xs[j]!;
      const pkg = p.pkg;
      if (pkg.name === mustProvide || !pkg.ss.selectable || (skipVirtuals && p.version === null)) continue;
      if (pkg.provides.some((d) => d.name === mustProvide || (skipVirtuals && d.version === null))) continue;
      this.#disqualify(pkg);
    }
  }

  #autoSelectable(p: Provider): boolean {
    if (p.version !== null) return true;
    if (p.pkg.providerPriority) return true;
    return p.pkg.name.ss.requirers > 0;
  }

  // long: the solver's hot loop over one name's providers, kept in the order of apk-tools' reconsider_name so the two compare line by line
  #reconsider(name: Name): void {
    const s = name.ss;
    const reevaluateDeps = s.reevaluateDeps;
    const reevaluateIif = s.reevaluateIif;
    s.reevaluateDeps = false;
    s.reevaluateIif = false;
    let first: Pkg | null = null;
    let numOptions = 0;
    let numTagNotOk = 0;
    let hasIif = false;
    let noIif = true;
    let hasAuto = false;
    let reevaluate = false;
    for (let j = 0, xs = name.providers; j < xs.length; j++) {
      const p = xs[j]!;
      const pkg = p.pkg;
      const ps = pkg.ss;
      ps.dependenciesMerged = false;
      if (reevaluateDeps) {
        if (!ps.selectable) continue;
        for (let j = 0, xs = pkg.depends; j < xs.length; j++) {
          const d = xs[j]!;
          if (!this.#satisfiable(d)) {
            this.#disqualify(pkg);
            break;
          }
        }
      }
      if (!ps.selectable) continue;
      if (reevaluateIif && !ps.iifTriggered && !ps.iifFailed) {
        ps.iifTriggered = true;
        ps.iifFailed = false;
        for (let j = 0, xs = pkg.installIf; j < xs.length; j++) {
          const d = xs[j]!;
          if (!d.name.ss.locked) {
            if (d.dep.conflict) {
              d.name.ss.iifNeeded = true;
              this.#queueUnresolved(d.name, false);
            }
            ps.iifTriggered = false;
            ps.iifFailed = false;
            break;
          }
          if (!isProvided(d.dep, d.name.ss.chosen)) {
            ps.iifTriggered = false;
            ps.iifFailed = true;
            break;
          }
        }
      }
      if (reevaluateIif && ps.iifTriggered) {
        for (let j = 0, xs = pkg.installIf; j < xs.length; j++) {
          const d = xs[j]!;
          this.#inherit(pkg, d.name.ss.chosen?.pkg ?? null);
        }
      }
      hasIif ||= ps.iifTriggered;
      noIif &&= ps.iifFailed;
      hasAuto ||= ps.iifTriggered;
      if (s.requirers === 0) continue;
      ps.dependenciesMerged = true;
      if (first === null) first = pkg;
      for (let j = 0, xs = pkg.depends; j < xs.length; j++) {
        const d = xs[j]!;
        if (!d.dep.conflict) mergeIndex(d.name.ss, 'mergeDepends', numOptions);
      }
      if (mergeIndex(pkg.name.ss, 'mergeProvides', numOptions)) pkg.name.ss.hasVirtualProvides ||= p.version === null;
      for (let j = 0, xs = pkg.provides; j < xs.length; j++) {
        const d = xs[j]!;
        if (mergeIndex(d.name.ss, 'mergeProvides', numOptions)) d.name.ss.hasVirtualProvides ||= d.version === null;
      }
      if (!ps.tagOk) numTagNotOk++;
      numOptions++;
      if (!hasAuto && this.#autoSelectable(p)) hasAuto = true;
    }
    s.hasOptions = numOptions > 1 || numTagNotOk > 0;
    s.hasIif = hasIif;
    s.noIif = noIif;
    if (hasAuto !== s.hasAutoSelectable) {
      s.hasAutoSelectable = hasAuto;
      reevaluate = true;
    }
    if (first !== null) {
      const pkg: Pkg = first;
      for (let j = 0, xs = name.providers; j < xs.length; j++) {
        const p = xs[j]!;
        p.pkg.ss.dependenciesUsed = p.pkg.ss.dependenciesMerged;
      }
      if (numOptions === 1) {
        for (let j = 0, xs = pkg.depends; j < xs.length; j++) {
          const d = xs[j]!;
          if (mergeComplete(d.name.ss, 'mergeDepends', numOptions)) this.applyConstraint(pkg, d);
        }
      } else {
        for (let j = 0, xs = pkg.depends; j < xs.length; j++) {
          const d = xs[j]!;
          const name0 = d.name;
          if (mergeComplete(name0.ss, 'mergeDepends', numOptions) && name0.ss.requirers === 0) {
            name0.ss.requirers++;
            this.#requirersChanged(name0);
            for (let j = 0, xs = name0.providers; j < xs.length; j++) {
              const p = xs[j]!;
              this.#inherit(p.pkg, pkg);
            }
          }
        }
      }
      if (mergeComplete(pkg.name.ss, 'mergeProvides', numOptions)) {
        this.#excludeNonProviders(pkg.name, name, pkg.name.ss.hasVirtualProvides);
      }
      for (let j = 0, xs = pkg.provides; j < xs.length; j++) {
        const d = xs[j]!;
        if (mergeComplete(d.name.ss, 'mergeProvides', numOptions)) {
          this.#excludeNonProviders(d.name, name, d.name.ss.hasVirtualProvides);
        }
      }
      pkg.name.ss.hasVirtualProvides = false;
      for (let j = 0, xs = pkg.provides; j < xs.length; j++) {
        const d = xs[j]!;
        d.name.ss.hasVirtualProvides = false;
      }
    }
    s.reverseDepsDone = !s.rdependsSeen?.some((n0) => !n0.ss.locked);
    this.#queueUnresolved(name, reevaluate);
  }

  #assign(name: Name, p: Provider | null): void {
    const s = name.ss;
    if (s.locked) {
      if ((p?.version ?? null) === null && (s.chosen?.version ?? null) === null) return;
      if (this.#ignoreConflict) return;
      this.#markError(p?.pkg);
      this.#markError(s.chosen?.pkg);
      return;
    }
    s.locked = true;
    s.chosen = p;
    if (s.queue !== Q_NONE) this.#queues.remove(name);
    if (s.inDirty) {
      s.inDirty = false;
      const i = this.#dirty.indexOf(name);
      if (i >= 0) this.#dirty.splice(i, 1);
    }
    if (!this.#ignoreConflict) {
      for (let j = 0, xs = name.providers; j < xs.length; j++) {
        const p0 = xs[j]!;
        if (p !== null && p0.pkg === p.pkg) continue;
        if ((p?.version ?? null) === null && p0.version === null) continue;
        this.#disqualify(p0.pkg);
      }
    }
    this.#reevaluateReverseDeps(name);
    if (p !== null) this.#reevaluateReverseInstallIfPkg(p.pkg);
    else this.#reevaluateReverseInstallIf(name);
  }

  #select(name: Name): void {
    const s = name.ss;
    let chosen: Provider | null = null;
    if (s.requirers || s.hasIif) {
      for (let j = 0, xs = name.providers; j < xs.length; j++) {
        const p = xs[j]!;
        const ps = p.pkg.ss;
        if (s.requirers === 0 && (!ps.iifTriggered || !ps.tagOk || !ps.selectable)) continue;
        if (!this.#autoSelectable(p)) continue;
        if (compareProviders(p, chosen, this.selfUpgrade) > 0) chosen = p;
      }
    }
    if (chosen !== null) {
      const pkg = chosen.pkg;
      if (!pkg.ss.selectable || !pkg.ss.tagOk) this.#markError(pkg);
      this.#assign(pkg.name, { pkg, version: pkg.version });
      for (let j = 0, xs = pkg.provides; j < xs.length; j++) {
        const d = xs[j]!;
        this.#assign(d.name, { pkg, version: d.version });
      }
      for (let j = 0, xs = pkg.depends; j < xs.length; j++) {
        const d = xs[j]!;
        this.applyConstraint(pkg, d);
      }
    } else {
      this.#assign(name, null);
      if (s.requirers > 0) this.errors++;
    }
  }

  /** Solves for the (sorted) world; afterwards every name's `ss.chosen` holds the choice. */
  run(world: readonly Dep[], flags: number): void {
    this.#flagsInherit = flags;
    const packed = this.packedDiscovery ? this.db.startPackedDiscovery(flags, this.#defaultRepos) : undefined;
    if (packed !== undefined) {
      const k = packed.src.k;
      for (let j = 0, xs = world; j < xs.length; j++) {
        const d = xs[j]!;
        if (!d.dep.broken) packed.discoverName(d.name, (d.name as NameNode).ids[k] as number);
      }
      // Reverse dependencies among discovered names are read from the tables as nodes are made.
    } else {
      const discovery = new Discovery(this.db, flags, this.#defaultRepos);
      for (let j = 0, xs = world; j < xs.length; j++) {
        const d = xs[j]!;
        if (!d.dep.broken) discovery.discover(d.name);
      }
      // Nothing is discovered after this point: reverse dependencies among discovered names are final.
      this.db.reverseDependsOfSeen();
    }
    for (let j = 0, xs = world; j < xs.length; j++) {
      const d = xs[j]!;
      if (d.dep.broken) continue;
      this.#pinningInherit = 1 << d.tag;
      this.applyConstraint(null, d);
    }
    this.#flagsInherit = 0;
    this.#pinningInherit = 0;
    for (;;) {
      while (this.#dirty.length) {
        const name = this.#dirty.shift() as Name;
        name.ss.inDirty = false;
        this.#reconsider(name);
      }
      const name = this.#queues.next();
      if (!name) break;
      this.#select(name);
    }
  }

  markError(pkg: Pkg | null | undefined): void {
    this.#markError(pkg);
  }
}

type MergeKey = 'mergeDepends' | 'mergeProvides';

function mergeIndex(s: { mergeDepends: number; mergeProvides: number }, key: MergeKey, numOptions: number): boolean {
  if (s[key] !== numOptions) return false;
  s[key] = numOptions + 1;
  return true;
}

function mergeComplete(s: { mergeDepends: number; mergeProvides: number }, key: MergeKey, numOptions: number): boolean {
  const ret = s[key] === numOptions;
  s[key] = 0;
  return ret;
}
