/**
 * The solver's in-memory database: names, packages and providers, built fresh from a SolveInput so
 * solving never touches the caller's objects. Mirrors apk's apk_name / apk_package graph.
 */
import { type Dependency, type PackageInfo, tryParseDependency } from '../apk/index.js';
import { freshNameState, freshPkgState, type NameState, type PkgState } from './state.js';
import type { SolveInput } from './types.js';

export { freshNameState, freshPkgState, type NameState, type PkgState } from './state.js';

const uniqueSets = new WeakMap<Name[], Set<Name>>();

/** Appends unless present; long lists (so:libc has thousands of reverse deps) keep a side set. */
function addUnique(list: Name[], name: Name): void {
  if (list.length < 16) {
    if (!list.includes(name)) list.push(name);
    return;
  }
  let set = uniqueSets.get(list);
  if (!set) {
    set = new Set(list);
    uniqueSets.set(list, set);
  }
  if (set.has(name)) return;
  set.add(name);
  list.push(name);
}

const depCache = new Map<string, Dependency | undefined>();

/** Parsed dependencies are immutable values; the same strings recur thousands of times in an index. */
function cachedDependency(s: string): Dependency | undefined {
  if (depCache.has(s)) return depCache.get(s);
  if (depCache.size > 100_000) depCache.clear();
  const d = tryParseDependency(s);
  depCache.set(s, d);
  return d;
}

/** Bit of the "cached" pseudo-repository (local and virtual packages). */
export const REPO_CACHED = 1;

export interface Dep {
  readonly name: Name;
  readonly dep: Dependency;
  /** Tag id for world entries; 0 = untagged. */
  readonly tag: number;
}

export interface Provider {
  readonly pkg: Pkg;
  /** The provided version; null for an unversioned (virtual) provide. */
  readonly version: string | null;
}

/** One `p:` entry of a package. */
export interface Provide {
  readonly name: Name;
  readonly version: string | null;
}

export interface Name {
  readonly name: string;
  readonly providers: Provider[];
  readonly rdepends: Name[];
  readonly rinstallIf: Name[];
  solverFlagsSet: boolean;
  ss: NameState;
}

export interface Pkg {
  readonly info: PackageInfo;
  readonly name: Name;
  readonly version: string;
  readonly identity: string;
  readonly depends: Dep[];
  readonly provides: Provide[];
  readonly installIf: Dep[];
  /** Bit set of repositories holding it: bit 0 = cached/local, bit i+1 = repositories[i]. */
  repos: number;
  installed: boolean;
  installedTag: number;
  cacheOnly: boolean;
  uninstallable: boolean;
  /** Flags from apk_solver_set_name_flags, applied when solving starts. */
  presetFlags: number;
  presetInheritable: number;
  readonly ss: PkgState;
  resetState(): void;
  // error report
  marked: boolean;
  stateInt: number;
  genid: number;
}

export interface Tag {
  readonly tag: string;
  allowedRepos: number;
}

/** The graph the solver works on. */
export class Database {
  readonly names = new Map<string, Name>();
  readonly packages: Pkg[] = [];
  /** Installed packages in installed-DB order. */
  readonly installed: Pkg[] = [];
  readonly tags: Tag[] = [{ tag: '', allowedRepos: REPO_CACHED }];
  availableRepos = REPO_CACHED;
  /** Set once a solver ran over this graph (its state must be reset before another run). */
  used = false;
  readonly arch: string;
  #byIdentity = new Map<string, Pkg>();

  constructor(arch = '') {
    this.arch = arch;
  }

  getName(name: string): Name {
    let n = this.names.get(name);
    if (!n) {
      n = new NameNode(name);
      this.names.set(name, n);
    }
    return n;
  }

  tagId(tag: string): number {
    const i = this.tags.findIndex((t) => t.tag === tag);
    if (i >= 0) return i;
    this.tags.push({ tag, allowedRepos: 0 });
    return this.tags.length - 1;
  }

  /** Repositories allowed by a pinning mask (bit i = tag i). */
  pinningRepos(mask: number): number {
    let r = 0;
    this.tags.forEach((t, i) => {
      if (mask & (1 << i)) r |= t.allowedRepos;
    });
    return r;
  }

  #deps(list: readonly string[]): Dep[] {
    const out: Dep[] = [];
    for (const s of list) {
      const d = cachedDependency(s);
      if (!d) continue;
      out.push({ name: this.getName(d.name), dep: d, tag: 0 });
    }
    return out;
  }

  /** Adds (or merges, by identity) one package; returns the package object. */
  addPackage(info: PackageInfo, where: { repo?: number; installed?: boolean; cacheOnly?: boolean }): Pkg {
    const key = identityKey(info);
    let pkg = this.#byIdentity.get(key);
    if (!pkg) {
      const name = this.getName(info.name);
      const provides: Provide[] = [];
      for (const str of info.provides) {
        // `p:` entries are `name` or `name=version`; their versions are compared, never validated.
        const eq = str.indexOf('=');
        const pname = eq < 0 ? str : str.slice(0, eq);
        if (pname) provides.push({ name: this.getName(pname), version: eq < 0 ? null : str.slice(eq + 1) });
      }
      const installIf = this.#deps(info.installIf);
      const archOk = !this.arch || !info.arch || info.arch === 'noarch' || info.arch === this.arch;
      pkg = new PackageNode(info, name, provides, installIf, info.uninstallable === true || !archOk, (l) =>
        this.#deps(l),
      );
      this.#byIdentity.set(key, pkg);
      this.packages.push(pkg);
      name.providers.push({ pkg, version: pkg.version });
      for (const pr of provides) pr.name.providers.push({ pkg, version: pr.version });
      // Dependencies are parsed when the solver first looks at the package; reverse edges need names only.
      for (const str of info.depends) {
        const n = dependencyName(str);
        if (n !== undefined) addUnique(this.getName(n).rdepends, name);
      }
      for (const d of installIf) addUnique(d.name.rinstallIf, name);
    }
    if (where.repo !== undefined) pkg.repos |= 1 << (where.repo + 1);
    // apk counts packages with nothing to install (virtual/meta, I:0) as present in the cache.
    if (info.installedSize === 0) pkg.repos |= REPO_CACHED;
    if (where.cacheOnly) pkg.cacheOnly = true;
    if (where.installed && !pkg.installed) {
      pkg.installed = true;
      this.installed.push(pkg);
    }
    return pkg;
  }
}

/** A name in the graph; its solver state is allocated on first use (most names are never touched). */
class NameNode implements Name {
  readonly name: string;
  readonly providers: Provider[] = [];
  readonly rdepends: Name[] = [];
  readonly rinstallIf: Name[] = [];
  solverFlagsSet = false;
  #ss: NameState | undefined;

  constructor(name: string) {
    this.name = name;
  }

  get ss(): NameState {
    this.#ss ??= freshNameState();
    return this.#ss;
  }

  set ss(s: NameState) {
    this.#ss = s;
  }
}

/** A package in the graph; its `D:` list is parsed on first use (most of a big index is never looked at). */
class PackageNode implements Pkg {
  readonly info: PackageInfo;
  readonly name: Name;
  readonly version: string;
  readonly identity: string;
  readonly provides: Provide[];
  readonly installIf: Dep[];
  repos = 0;
  installed = false;
  installedTag = 0;
  cacheOnly = false;
  readonly uninstallable: boolean;
  presetFlags = 0;
  presetInheritable = 0;
  marked = false;
  stateInt = 0;
  genid = 0;
  #depends: Dep[] | undefined;
  readonly #parse: (list: readonly string[]) => Dep[];

  constructor(
    info: PackageInfo,
    name: Name,
    provides: Provide[],
    installIf: Dep[],
    uninstallable: boolean,
    parse: (list: readonly string[]) => Dep[],
  ) {
    this.info = info;
    this.name = name;
    this.version = info.version;
    this.identity = info.identity;
    this.provides = provides;
    this.installIf = installIf;
    this.uninstallable = uninstallable;
    this.#parse = parse;
  }

  get depends(): Dep[] {
    this.#depends ??= this.#parse(this.info.depends);
    return this.#depends;
  }

  #ss: PkgState | undefined;

  /** Solver state, created on first use with the flags preset for its names. */
  get ss(): PkgState {
    if (!this.#ss) {
      this.#ss = freshPkgState();
      this.#ss.flags = this.presetFlags;
      this.#ss.flagsInheritable = this.presetInheritable;
    }
    return this.#ss;
  }

  /** Drops the solver state (the next access starts fresh). */
  resetState(): void {
    this.#ss = undefined;
  }
}

const nameCache = new Map<string, string | undefined>();

/** The name a dependency string refers to (`!foo@tag>=1` → `foo`), without parsing the rest. */
function dependencyName(s: string): string | undefined {
  if (nameCache.has(s)) return nameCache.get(s);
  if (nameCache.size > 100_000) nameCache.clear();
  let i = s.startsWith('!') ? 1 : 0;
  const start = i;
  while (i < s.length && !'<>=~@'.includes(s[i] as string)) i++;
  const n = i > start ? s.slice(start, i) : undefined;
  nameCache.set(s, n);
  return n;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * The key apk merges packages by: the identity's decoded bytes (`Q1` base64 or `X1` hex), so two
 * spellings of the same digest are one package; name-version when there is no identity.
 */
export function identityKey(info: PackageInfo): string {
  const id = info.identity;
  if (id.length === 30 && id.startsWith('Q1') && id.endsWith('=')) {
    // 20 bytes in 28 base64 characters: the last data character carries 2 unused bits.
    const i = B64.indexOf(id[28] as string);
    return i < 0 ? id : `${id.slice(0, 28)}${B64[i & ~3]}`;
  }
  if (id.startsWith('Q1') || id.startsWith('Q2'))
    return `${id.slice(0, 2)}${Buffer.from(id.slice(2), 'base64').toString('hex')}`;
  if (id.startsWith('X1') || id.startsWith('X2')) return `Q${id.slice(1, 2)}${id.slice(2).toLowerCase()}`;
  if (id) return id;
  return `${info.name}-${info.version}`;
}

/** Builds the database for one solve: installed first, then repositories in order, then local packages. */
export function buildDatabase(input: SolveInput): Database {
  const db = new Database(input.arch ?? '');
  // apk reads world first, so its tags are numbered before the repositories' own.
  for (const d of input.world) if (d.tag) db.tagId(d.tag);
  for (const info of input.installed ?? []) {
    const pkg = db.addPackage(info, { installed: true });
    const tag = input.installedTags?.[info.name];
    if (tag) pkg.installedTag = db.tagId(tag);
  }
  input.repositories.forEach((repo, i) => {
    const bit = 1 << (i + 1);
    const tag = db.tagId(repo.tag ?? '');
    for (const info of repo.packages) db.addPackage(info, repo.cacheOnly ? { cacheOnly: true } : { repo: i });
    if (!repo.cacheOnly) {
      if (repo.available !== false) db.availableRepos |= bit;
      (db.tags[tag] as Tag).allowedRepos |= bit;
    }
  });
  for (const info of input.localPackages ?? []) {
    const pkg = db.addPackage(info, {});
    pkg.repos |= REPO_CACHED;
  }
  for (const nf of input.nameFlags ?? []) {
    const name = db.getName(nf.name);
    name.solverFlagsSet = true;
    for (const p of name.providers) {
      p.pkg.presetFlags |= nf.flags;
      p.pkg.presetInheritable |= nf.inheritable;
    }
  }
  return db;
}
