/**
 * Works out why a solve failed, the way apk-tools' error reporter does, and returns the report as
 * data (stanzas of labelled items). explain.ts turns it into text.
 */
import { formatDependency } from '../apk/index.js';
import type { RawChange } from './changeset.js';
import type { Database, Dep, Name, Pkg } from './model.js';
import { inNameHashOrder } from './name-hash.js';
import { analyzeDep, DEP_CONFLICTS, DEP_SATISFIES } from './provided.js';
import type { Conflict, ConflictLine, ConflictStanza } from './types.js';

const PRESENT = 1;
const MISSING = 2;
const VIRTUAL_ONLY = 4;
const INSTALLIF = 8;

const pkgVer = (p: Pkg) => `${p.name.name}-${p.version}`;
const depText = (d: Dep) => formatDependency({ ...d.dep, tag: '' });

class Report {
  readonly stanzas: { title: string; lines: ConflictLine[] }[] = [];
  label: string | null = null;
  #line: { label: string; items: string[]; words?: boolean } | null = null;

  start(text: string): void {
    if (this.label !== null) {
      this.stanzas.push({ title: this.label, lines: [] });
      this.label = null;
    }
    if (this.#line === null) {
      this.#line = { label: text, items: [] };
      this.stanzas[this.stanzas.length - 1]?.lines.push(this.#line);
    }
  }

  item(text: string): void {
    this.#line?.items.push(text);
  }

  words(text: string): void {
    if (this.#line) {
      this.#line.words = true;
      this.#line.items.push(...text.split(' '));
    }
  }

  end(): void {
    this.#line = null;
  }
}

class Analyzer {
  readonly r = new Report();
  readonly #db: Database;
  readonly #world: readonly Dep[];
  #genid = 0;
  #count = new Map<Name, number>();

  constructor(db: Database, world: readonly Dep[]) {
    this.#db = db;
    this.#world = world;
  }

  /** A name's reverse dependencies in the order apk lists them (name-hash order on a real root). */
  #rdepends(name: Name): readonly Name[] {
    return this.#db.reverseOrder === 'name-hash' ? inNameHashOrder(name.rdepends) : name.rdepends;
  }

  #pinning(pkg: Pkg, tag: number): void {
    const db = this.#db;
    const r = this.r;
    if (pkg.installed) return;
    if (!(pkg.repos & db.availableRepos)) {
      r.start('masked in:');
      r.item('--no-network');
    } else if (pkg.repos === 1) {
      r.start('masked in:');
      r.item('cache');
    } else {
      if (pkg.repos & db.pinningRepos(1 | (1 << tag))) return;
      for (const t of db.tags) {
        if (pkg.repos & t.allowedRepos) {
          r.start('masked in:');
          r.item(t.tag ? `@${t.tag}` : '');
        }
      }
    }
    r.end();
  }

  #conflicts(pkg: Pkg): void {
    const r = this.r;
    for (const p of pkg.name.providers) {
      if (p.pkg === pkg || !p.pkg.marked) continue;
      r.start('conflicts:');
      r.item(pkgVer(p.pkg));
    }
    for (const d of pkg.provides) {
      let once = true;
      for (const p of d.name.providers) {
        if (!p.pkg.marked) continue;
        if (d.version === null && p.version === null) continue;
        if (once && p.pkg === pkg && p.version === d.version) {
          once = false;
          continue;
        }
        r.start('conflicts:');
        const provide = d.version === null ? d.name.name : `${d.name.name}=${d.version}`;
        r.item(`${pkgVer(p.pkg)}[${provide}]`);
      }
    }
    r.end();
  }

  #deps(pkg: Pkg, match: number): void {
    const r = this.r;
    const label = match & DEP_SATISFIES ? 'satisfies:' : 'breaks:';
    for (const d of this.#world) {
      if (analyzeDep(d.dep, d.name, pkg) & match) {
        r.start(label);
        r.item(`world[${depText(d)}]`);
      }
    }
    const visit = (name: Name) => {
      for (const name0 of this.#rdepends(name)) {
        for (const p0 of name0.providers) {
          const pkg0 = p0.pkg;
          if (!pkg0.marked) continue;
          for (const d0 of pkg0.depends) {
            if (analyzeDep(d0.dep, d0.name, pkg) & match) {
              r.start(label);
              r.item(`${pkgVer(pkg0)}[${depText(d0)}]`);
            }
          }
        }
      }
    };
    visit(pkg.name);
    for (const p of pkg.provides) visit(p.name);
    r.end();
  }

  package(pkg: Pkg, tag: number): void {
    this.r.label = pkgVer(pkg);
    this.#pinning(pkg, tag);
    this.#conflicts(pkg);
    this.#deps(pkg, DEP_CONFLICTS);
    if (this.r.label === null) this.#deps(pkg, DEP_SATISFIES);
  }

  #missingName(name: Name): void {
    const r = this.r;
    if (name.providers.length) {
      r.label = `${name.name} (virtual)`;
      r.start('note:');
      r.words("please select one of the 'provided by' packages explicitly");
      r.end();
      r.start('provided by:');
      for (const p0 of name.providers) this.#count.set(p0.pkg.name, (this.#count.get(p0.pkg.name) ?? 0) + 1);
      for (const p0 of name.providers) {
        const name0 = p0.pkg.name;
        const refs = this.#count.get(name0) ?? 0;
        if (refs === name0.providers.length) {
          r.item(name0.name);
          this.#count.set(name0, 0);
        } else if (refs > 0) {
          r.item(pkgVer(p0.pkg));
          this.#count.set(name0, refs - 1);
        }
      }
      r.end();
    } else {
      r.label = `${name.name} (no such package)`;
    }
    r.start('required by:');
    for (const d0 of this.#world) {
      if (d0.name !== name || d0.dep.conflict) continue;
      r.item(`world[${depText(d0)}]`);
    }
    const genid = ++this.#genid;
    for (const name0 of this.#rdepends(name)) {
      for (const p0 of name0.providers) {
        const pkg0 = p0.pkg;
        if (!pkg0.marked || pkg0.genid === genid) continue;
        pkg0.genid = genid;
        const d0 = pkg0.depends.find((d) => d.name === name && !d.dep.conflict);
        if (d0) r.item(`${pkgVer(pkg0)}[${depText(d0)}]`);
        break;
      }
    }
    r.end();
  }

  missingDeps(deps: readonly Dep[]): void {
    for (const d0 of deps) {
      const name0 = d0.name;
      if (d0.dep.conflict) continue;
      if (name0.ss.stateInt & (INSTALLIF | PRESENT | MISSING)) continue;
      name0.ss.stateInt |= MISSING;
      this.#missingName(name0);
    }
  }

  #reverseIif(name: Name): void {
    for (const name0 of name.rinstallIf) {
      for (const p of name0.providers) {
        if (!p.pkg.marked || p.pkg.installIf.length === 0) continue;
        const ok = p.pkg.installIf.every(
          (d) => d.dep.conflict !== ((d.name.ss.stateInt & (PRESENT | INSTALLIF)) !== 0),
        );
        if (ok) {
          this.discoverName(p.pkg.name, INSTALLIF);
          for (const d of p.pkg.provides) this.discoverName(d.name, INSTALLIF);
        }
      }
    }
  }

  discoverName(name: Name, pkgState: number): void {
    for (const p of name.providers) {
      let state = pkgState;
      const pkg = p.pkg;
      if (!pkg.marked) continue;
      const concrete = pkg.name === name || pkg.provides.some((d) => d.name === name && d.version !== null);
      if ((state === PRESENT || state === INSTALLIF) && !pkg.providerPriority && !concrete) state = VIRTUAL_ONLY;
      if (pkg.stateInt & state) continue;
      pkg.stateInt |= state;
      pkg.name.ss.stateInt |= state;
      for (const d of pkg.provides) {
        d.name.ss.stateInt |= state === INSTALLIF && d.version === null ? VIRTUAL_ONLY : state;
      }
      this.discoverDeps(pkg.depends);
      if (state === PRESENT || state === INSTALLIF) {
        this.#reverseIif(pkg.name);
        for (const d of pkg.provides) this.#reverseIif(d.name);
      }
    }
  }

  discoverDeps(deps: readonly Dep[]): void {
    for (const d of deps) if (!d.dep.conflict) this.discoverName(d.name, PRESENT);
  }
}

/** apk_solver_print_errors as data. */
export function analyzeConflict(
  db: Database,
  changes: readonly RawChange[],
  world: readonly Dep[],
  errors: number,
): Conflict {
  for (const n of db.names) n.ss.stateInt = 0;
  for (const p of db.packages) {
    p.stateInt = 0;
    p.marked = false;
    p.genid = 0;
  }
  for (const c of changes) if (c.newPkg) c.newPkg.marked = true;
  const a = new Analyzer(db, world);
  a.discoverDeps(world);
  a.missingDeps(world);
  for (const c of changes) {
    if (!c.newPkg) continue;
    a.package(c.newPkg, c.newTag);
    a.missingDeps(c.newPkg.depends);
  }
  const stanzas: ConflictStanza[] = a.r.stanzas.map((s) => ({ title: s.title, lines: s.lines }));
  return { errors, stanzas };
}
