/**
 * `apk info` and `apk dot` as apk-tools 2.14 prints them: every provider of a named package in
 * database order (installed database, then repositories), the sections of `info -a`, `info -L`
 * (contents), `info -W` (who owns a path) and `dot [--installed]` edges through provided names.
 */
import { realpathSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import {
  type Dependency,
  dependencyMatches,
  formatDependency,
  type PackageInfo,
  tryParseDependency,
} from '../../../apk/index.js';
import type { InstalledPackage } from '../../../install/index.js';
import type { ApkRun } from './applets.js';
import { has } from './args.js';
import { errorLine } from './commit.js';
import type { InstalledContents } from './context.js';

/** One package of the database: installed, or held by repositories (merged by identity). */
interface DbPackage {
  readonly pkg: PackageInfo;
  readonly installed: boolean;
}

/** A provider of a name: the package, and the version it provides the name at (null: virtual). */
interface DbProvider {
  readonly p: DbPackage;
  readonly version: string | null;
}

const pv = (p: PackageInfo) => `${p.name}-${p.version}`;

/**
 * apk's name → providers table, built in the order apk adds packages: the installed database (when
 * read), then each repository; a package held by several sources is one entry.
 */
class PackageDb {
  readonly packages: DbPackage[] = [];
  readonly #providers = new Map<string, DbProvider[]>();

  constructor(run: ApkRun, withInstalled: boolean) {
    const seen = new Set<string>();
    const add = (pkg: PackageInfo, installed: boolean) => {
      const key = pkg.identity || `${pkg.name}-${pkg.version}`;
      if (seen.has(key)) return;
      seen.add(key);
      const p: DbPackage = { pkg, installed };
      this.packages.push(p);
      this.#provide(pkg.name, { p, version: pkg.version });
      for (const s of pkg.provides) {
        const d = tryParseDependency(s);
        if (d) this.#provide(d.name, { p, version: d.version || null });
      }
    };
    if (withInstalled) for (const pkg of run.state.installed) add(pkg, true);
    for (const r of run.state.repositories) for (const pkg of r.packages) add(pkg, false);
  }

  #provide(name: string, p: DbProvider): void {
    const l = this.#providers.get(name);
    if (l) l.push(p);
    else this.#providers.set(name, [p]);
  }

  providers(name: string): readonly DbProvider[] {
    return this.#providers.get(name) ?? [];
  }

  has(name: string): boolean {
    return this.#providers.has(name);
  }
}

/** `apk_dep_is_provided` for one provider. */
function provides(d: Dependency, prov: DbProvider): boolean {
  if (d.conflict) return !dependencyMatches({ ...d, conflict: false }, true, prov.version, prov.p.pkg.identity);
  return dependencyMatches(d, true, prov.version, prov.p.pkg.identity);
}

/** Whether `d` (a dependency on some name) is satisfied by `pkg` through its name or a provide. */
function satisfiedBy(d: Dependency, pkg: PackageInfo): boolean {
  if (d.conflict) return false;
  if (d.name === pkg.name) return dependencyMatches(d, true, pkg.version, pkg.identity);
  for (const s of pkg.provides) {
    const p = tryParseDependency(s);
    if (p && p.name === d.name) return dependencyMatches(d, true, p.version || null, pkg.identity);
  }
  return false;
}

const deps = (list: readonly string[]): Dependency[] =>
  list.map((s) => tryParseDependency(s)).filter((d): d is Dependency => d !== undefined);

const depText = (s: string) => {
  const d = tryParseDependency(s);
  return d ? formatDependency(d) : s;
};

/** apk_get_human_size: divide by 1024 while the value is 10000 or more. */
export function humanSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let s = bytes;
  let i = 0;
  while (s >= 10000 && i < units.length) {
    s = Math.floor(s / 1024);
    i++;
  }
  return `${s} ${units[Math.min(i, units.length - 1)]}`;
}

const FIELDS = [
  'description',
  'webpage',
  'size',
  'depends',
  'provides',
  'rdepends',
  'contents',
  'triggers',
  'install-if',
  'rinstall-if',
  'replaces',
  'license',
] as const;
type Field = (typeof FIELDS)[number];
/** Sections only an installed package has. */
const INSTALLED_ONLY = new Set<Field>(['rdepends', 'contents', 'triggers', 'rinstall-if', 'replaces']);

class InfoPrinter {
  readonly #run: ApkRun;
  readonly #db: PackageDb;
  readonly #v: number;
  #contents: InstalledContents | undefined;

  constructor(run: ApkRun, db: PackageDb) {
    this.#run = run;
    this.#db = db;
    this.#v = run.out.verbosity;
  }

  #w(s: string): void {
    this.#run.out.io.stdout.write(s);
  }

  async #installedRecord(pkg: PackageInfo): Promise<{ rec?: InstalledPackage; triggers: readonly string[] }> {
    this.#contents ??= (await this.#run.state.contents?.()) ?? { records: [], triggers: [] };
    const rec = this.#contents.records.find((r) => r.info.name === pkg.name && r.info.version === pkg.version);
    const t = this.#contents.triggers.find((e) => e.identity === pkg.identity);
    return { ...(rec ? { rec } : {}), triggers: t?.globs ?? [] };
  }

  #blob(pkg: PackageInfo, field: string, value: string): void {
    if (this.#v > 1) this.#w(`${pkg.name}: ${value}\n`);
    else this.#w(`${pv(pkg)} ${field}:\n${value}\n\n`);
  }

  /** A list section: a header at verbosity 1, `name: ` and space-separated items above it. */
  #list(pkg: PackageInfo, title: string, items: readonly string[]): void {
    if (this.#v === 1) this.#w(`${pv(pkg)} ${title}:\n`);
    if (this.#v > 1) this.#w(`${pkg.name}: `);
    const sep = this.#v > 1 ? ' ' : '\n';
    for (const i of items) this.#w(`${i}${sep}`);
    this.#w('\n');
  }

  /** Installed packages depending on `pkg` (by its name or a name it provides), each once. */
  #requiredBy(pkg: PackageInfo): string[] {
    const out: string[] = [];
    for (const p of this.#db.packages) {
      if (!p.installed) continue;
      if (deps(p.pkg.depends).some((d) => satisfiedBy(d, pkg))) out.push(pv(p.pkg));
    }
    return out;
  }

  /** Installed packages whose install_if names this package (apk skips `!name` entries). */
  #affects(pkg: PackageInfo): string[] {
    const out: string[] = [];
    for (const p of this.#db.packages) {
      if (!p.installed) continue;
      if (deps(p.pkg.installIf).some((d) => d.name === pkg.name && !d.conflict)) out.push(pv(p.pkg));
    }
    return out;
  }

  async print(p: DbPackage, fields: ReadonlySet<Field>): Promise<void> {
    const pkg = p.pkg;
    for (const f of FIELDS) {
      if (!fields.has(f) || (!p.installed && INSTALLED_ONLY.has(f))) continue;
      if (f === 'description') this.#blob(pkg, 'description', pkg.description);
      else if (f === 'webpage') this.#blob(pkg, 'webpage', pkg.url);
      else if (f === 'size') {
        if (this.#v > 1) this.#w(`${pkg.name}: ${humanSize(pkg.installedSize)}\n`);
        else this.#w(`${pv(pkg)} installed size:\n${humanSize(pkg.installedSize)}\n\n`);
      } else if (f === 'depends') this.#list(pkg, 'depends on', pkg.depends.map(depText));
      else if (f === 'provides') this.#list(pkg, 'provides', pkg.provides.map(depText));
      else if (f === 'rdepends') this.#list(pkg, 'is required by', this.#requiredBy(pkg));
      else if (f === 'contents') {
        const { rec } = await this.#installedRecord(pkg);
        if (this.#v === 1) this.#w(`${pv(pkg)} contains:\n`);
        for (const dir of rec?.dirs ?? []) {
          for (const file of dir.files) {
            if (this.#v > 1) this.#w(`${pkg.name}: `);
            this.#w(`${dir.path}${dir.path ? '/' : ''}${file.name}\n`);
          }
        }
        this.#w('\n');
      } else if (f === 'triggers') {
        const { triggers } = await this.#installedRecord(pkg);
        if (this.#v === 1) this.#w(`${pv(pkg)} triggers:\n`);
        for (const t of triggers) this.#w(this.#v > 1 ? `${pkg.name}: trigger ${t}\n` : `${t}\n`);
        this.#w('\n');
      } else if (f === 'install-if') this.#list(pkg, 'has auto-install rule', pkg.installIf.map(depText));
      else if (f === 'rinstall-if') this.#list(pkg, 'affects auto-installation of', this.#affects(pkg));
      else if (f === 'replaces') this.#list(pkg, 'replaces', pkg.replaces.map(depText));
      else if (f === 'license') this.#blob(pkg, 'license', pkg.license);
    }
  }

  /** `info -W PATH...`: the installed package owning each path (or, for a symlink, its absolute target). */
  async whoOwns(paths: readonly string[]): Promise<number> {
    const run = this.#run;
    this.#contents ??= (await run.state.contents?.()) ?? { records: [], triggers: [] };
    const owners = new Map<string, PackageInfo>();
    for (const rec of this.#contents.records) {
      for (const dir of rec.dirs) {
        for (const file of dir.files) owners.set(`${dir.path}${dir.path ? '/' : ''}${file.name}`, rec.info);
      }
    }
    const owner = (path: string) => owners.get(path.replace(/^\/+/, ''));
    const root = run.state.root ?? run.out.io.cwd;
    let errors = 0;
    const quiet: string[] = [];
    for (const arg of paths) {
      let fn = arg;
      if (!arg.startsWith('/')) {
        try {
          fn = realpathSync(resolve(run.out.io.cwd, arg));
        } catch {
          // apk keeps the argument as given when it cannot be resolved
        }
      }
      let via = '';
      let pkg = owner(fn);
      if (pkg === undefined) {
        // apk reads the argument as a link relative to the root (an absolute one as it is).
        const target = await readlink(isAbsolute(arg) ? arg : join(root, arg)).catch(() => undefined);
        if (target?.startsWith('/')) {
          pkg = owner(target);
          via = 'symlink target ';
        }
      }
      if (pkg === undefined) {
        errorLine(run.out, `${fn}: Could not find owner package`);
        errors++;
        continue;
      }
      if (this.#v < 1) {
        if (!quiet.includes(pkg.name)) quiet.push(pkg.name);
      } else this.#w(`${fn} ${via}is owned by ${pv(pkg)}\n`);
    }
    if (quiet.length) this.#w(`${quiet.join(' ')}\n`);
    return errors;
  }
}

export async function info(run: ApkRun): Promise<number> {
  const { out, args, state } = run;
  const w = (s: string) => out.io.stdout.write(s);
  const db = new PackageDb(run, true);
  const printer = new InfoPrinter(run, db);
  if (has(args, 'who-owns')) return printer.whoOwns(args.args);
  if (args.args.length === 0) {
    // Every installed package, in installed database order.
    const v = Math.max(out.verbosity, 1);
    for (const p of state.installed) {
      w(p.name);
      if (v > 1) w(`-${p.version}`);
      if (v > 2) w(` - ${p.description}`);
      w('\n');
    }
    return 0;
  }
  if (has(args, 'installed')) {
    let errors = 0;
    for (const n of args.args) {
      const d = tryParseDependency(n);
      const prov = d ? db.providers(d.name).find((x) => x.p.installed) : undefined;
      if (d && prov && provides(d, prov)) {
        if (out.verbosity > 0) w(`${prov.p.pkg.name}\n`);
      } else errors++;
    }
    return errors;
  }
  const fields = new Set<Field>(has(args, 'all') ? FIELDS : FIELDS.filter((f) => has(args, f)));
  if (fields.size === 0) for (const f of ['description', 'webpage', 'size'] as const) fields.add(f);
  let errors = 0;
  for (const n of args.args) {
    if (!db.has(n)) {
      errors++;
      continue;
    }
    for (const prov of db.providers(n)) await printer.print(prov.p, fields);
  }
  return errors;
}

/** `apk dot [--errors] [--installed] [NAME...]`: the dependency graph in Graphviz form. */
export function dot(run: ApkRun): number {
  const { out, args, state } = run;
  const installedOnly = has(args, 'installed');
  const errorsOnly = has(args, 'errors');
  // A real root's database is opened without its installed state unless --installed is given; the
  // test build always reads it.
  const db = new PackageDb(run, installedOnly || state.testMode === true);
  let started = false;
  const w = (s: string) => {
    if (!started) {
      started = true;
      out.io.stdout.write('digraph "apkindex" {\n  rankdir=LR;\n  node [shape=box];\n');
    }
    out.io.stdout.write(s);
  };
  const errorNames = new Set<string>();
  const errorName = (name: string) => {
    if (errorNames.has(name)) return;
    errorNames.add(name);
    w(`  "${name}" [style=dashed, color=red, fontcolor=red, shape=octagon];\n`);
  };
  const EVALUATED = -1;
  const state0 = new Map<DbPackage, number>();
  const dump = (p: DbPackage): number => {
    const s = state0.get(p) ?? 0;
    if (s === EVALUATED) return 0;
    if (s <= -2) {
      state0.set(p, s - 1);
      return 1;
    }
    state0.set(p, -2);
    let ret = 0;
    for (const d of deps(p.pkg.depends)) {
      if (d.conflict) continue;
      const provs = db.providers(d.name);
      if (provs.length === 0) {
        errorName(d.name);
        w(`  "${pv(p.pkg)}" -> "${d.name}" [color=red];\n`);
        continue;
      }
      for (const p0 of provs) {
        if (installedOnly && !p0.p.installed) continue;
        if (!provides(d, p0)) continue;
        const r = dump(p0.p);
        ret += r;
        if (r || !errorsOnly) {
          let attrs = r ? 'color=red,' : '';
          if (p0.p.pkg.name !== d.name) attrs += `arrowhead=inv,label="${d.name}",`;
          w(`  "${pv(p.pkg)}" -> "${pv(p0.p.pkg)}"[${attrs}];\n`);
        }
      }
    }
    ret -= -2 - (state0.get(p) as number);
    state0.set(p, EVALUATED);
    return ret;
  };
  const names = args.args.length ? args.args : state.installed.map((p) => p.name);
  for (const n of names) for (const prov of db.providers(n)) if (!installedOnly || prov.p.installed) dump(prov.p);
  if (!started) return 1;
  out.io.stdout.write('}\n');
  return 0;
}
