/**
 * apk-tools' discovery pass over the graph: every name reachable from world through dependencies,
 * provides and install_if is marked seen, its packages get their initial solver state, and each name
 * an order id (the queues resolve higher ids first).
 */
import type { Database, Name, Pkg, Provide } from './model.js';
import { SOLVER_AVAILABLE } from './types.js';

const DEFAULT_PINNING = 1;
const ORDER_FLAGS_SET = 2 ** 31;

/** The repositories a package can come from, counting the tag it was installed from. */
export function packageRepos(db: Database, pkg: Pkg): number {
  return pkg.repos | (pkg.installed ? (db.tags[pkg.installedTag]?.allowedRepos ?? 0) : 0);
}

export class Discovery {
  readonly #db: Database;
  readonly #flagsInherit: number;
  readonly #defaultRepos: number;
  #orderId = 0;

  constructor(db: Database, flagsInherit: number, defaultRepos: number) {
    this.#db = db;
    this.#flagsInherit = flagsInherit;
    this.#defaultRepos = defaultRepos;
  }

  discover(name: Name): void {
    const s = name.ss;
    if (s.seen) return;
    s.seen = true;
    s.noIif = true;
    for (let j = 0, xs = name.providers; j < xs.length; j++) {
      const p = xs[j]!;
      const pkg = p.pkg;
      const ps = pkg.ss;
      if (!ps.seen) {
        ps.seen = true;
        ps.pinningAllowed = DEFAULT_PINNING;
        ps.pinningPreferred = DEFAULT_PINNING;
        ps.available = (pkg.repos & this.#db.availableRepos & ~1) !== 0;
        ps.selectable =
          !pkg.uninstallable && ((pkg.repos & this.#db.availableRepos) !== 0 || pkg.cacheOnly || pkg.installed);
        ps.iifFailed = pkg.installIf.length === 0 || ((this.#flagsInherit & SOLVER_AVAILABLE) !== 0 && !ps.available);
        const repos = packageRepos(this.#db, pkg);
        ps.tagPreferred = pkg.installedSize === 0 || (repos & this.#defaultRepos) !== 0;
        ps.tagOk = ps.tagPreferred || pkg.cacheOnly || pkg.installed;
        for (let j = 0, xs = pkg.depends; j < xs.length; j++) {
          const d = xs[j]!;
          this.discover(d.name);
        }
      }
      s.noIif = s.noIif && ps.iifFailed;
    }
    this.#discoverInstallIfUsers(name);
    for (let j = 0, xs = name.providers; j < xs.length; j++) {
      const p = xs[j]!;
      this.#discoverInstallIfUsers(p.pkg.name);
      // A package with 100 `cmd:` provides meets this loop once per provided name, nested: each loop
      // resumes after the entries known to be seen (calling discover() on those does nothing).
      const provides = p.pkg.provides;
      const ps = p.pkg.ss;
      for (let i = ps.providesScan; i < provides.length; i = Math.max(i + 1, ps.providesScan)) {
        this.discover((provides[i] as Provide).name);
        if (ps.providesScan === i) ps.providesScan = i + 1;
      }
    }
    let order = 0;
    if (name.solverFlagsSet) order += ORDER_FLAGS_SET;
    s.orderId = order + ++this.#orderId;
    for (let j = 0, xs = name.providers; j < xs.length; j++) {
      const p = xs[j]!;
      for (let j = 0, xs = p.pkg.installIf; j < xs.length; j++) {
        const d = xs[j]!;
        this.discover(d.name);
      }
    }
  }

  /** `for (n of name.rinstallIf) discover(n)`, resuming after the entries known to be seen. */
  #discoverInstallIfUsers(name: Name): void {
    const list = name.rinstallIf;
    const s = name.ss;
    for (let i = s.rinstallIfScan; i < list.length; i = Math.max(i + 1, s.rinstallIfScan)) {
      this.discover(list[i] as Name);
      if (s.rinstallIfScan === i) s.rinstallIfScan = i + 1;
    }
  }
}
