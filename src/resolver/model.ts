/**
 * The solver's in-memory database: names, packages and providers, built fresh from a SolveInput so
 * solving never touches the caller's objects. Mirrors apk's apk_name / apk_package graph.
 */
import { type Dependency, type PackageInfo, tryParseDependency } from '../apk/index.js';
import { dependencyName, NameNode, NO_DEPS, PackageNode, pushReverse, unique } from './nodes.js';
import type { NameState, PkgState } from './state.js';
import type { SolveInput } from './types.js';

export { freshNameState, freshPkgState, type NameState, type PkgState } from './state.js';

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

/** One object for both views of a provide entry: what a package provides, and who provides a name. */
interface ProvideEntry extends Provider, Provide {}

export interface Name {
  readonly name: string;
  readonly providers: Provider[];
  /** Names of the packages that depend on this name, in package order (built on first read). */
  readonly rdepends: Name[];
  readonly rinstallIf: Name[];
  solverFlagsSet: boolean;
  ss: NameState;
  /** Drops the solver state (the next access starts fresh). */
  resetState(): void;
  /** Whether the current solve has discovered this name (without allocating its state). */
  isSeen(): boolean;
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
  /**
   * Dependency strings → their parsed edge (null: not a dependency). The same strings recur
   * thousands of times in an index (`so:libc.musl.so.1`); the edges are immutable and shared.
   */
  #edges = new Map<string, Dep | null>();
  /** Dependency strings → the name they refer to, for reverse edges (no full parse). */
  #depNames = new Map<string, Name | null>();
  #reverseDone = true;

  constructor(arch = '') {
    this.arch = arch;
  }

  getName(name: string): Name {
    let n = this.names.get(name);
    if (n === undefined) {
      n = new NameNode(name, this);
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
    for (let i = 0; i < this.tags.length; i++) if (mask & (1 << i)) r |= (this.tags[i] as Tag).allowedRepos;
    return r;
  }

  /** Parsed edges of a `D:`/`i:` list, in order; tokens that are not dependencies are skipped. */
  edges(list: readonly string[]): Dep[] {
    // Arrays are made at their final length: most are short and many live as long as the graph.
    let skipped = false;
    const out = list.map((s) => {
      let e = this.#edges.get(s);
      if (e === undefined) {
        const d = tryParseDependency(s);
        e = d ? { name: this.getName(d.name), dep: d, tag: 0 } : null;
        this.#edges.set(s, e);
      }
      if (e === null) skipped = true;
      return e;
    });
    return skipped ? out.filter((e): e is Dep => e !== null) : (out as Dep[]);
  }

  /** The name a dependency string refers to (`!foo@tag>=1` → `foo`), without parsing the rest. */
  #depName(s: string): Name | null {
    let n = this.#depNames.get(s);
    if (n === undefined) {
      const raw = dependencyName(s);
      n = raw === undefined ? null : this.getName(raw);
      this.#depNames.set(s, n);
    }
    return n;
  }

  /**
   * Every name's `rdepends`, from every package in order: read only when a solve removes installed
   * packages or explains a conflict (the solver itself uses `reverseDependsOfSeen`).
   */
  buildReverseDepends(): void {
    if (this.#reverseDone) return;
    this.#reverseDone = true;
    for (let j = 0, xs = this.packages; j < xs.length; j++) {
      const pkg = xs[j]!;
      for (let j = 0, xs = pkg.info.depends; j < xs.length; j++) {
        const str = xs[j]!;
        const n = this.#depName(str);
        if (n !== null) (n as NameNode).addReverseDepend(pkg.name);
      }
    }
  }

  /**
   * `rdepends` restricted to discovered names, into each name's `ss.rdependsSeen`: what the solver
   * reads once discovery is over (undiscovered depending names never count there). Same order as
   * `rdepends`: package order, first occurrence.
   */
  reverseDependsOfSeen(): void {
    const touched: Name[][] = [];
    for (let j = 0, xs = this.packages; j < xs.length; j++) {
      const pkg = xs[j]!;
      const name = pkg.name;
      if (!name.isSeen()) continue;
      const edges = pkg.depends;
      if (edges.length === pkg.info.depends.length) {
        for (let j = 0, xs = edges; j < xs.length; j++) {
          const d = xs[j]!;
          pushReverse(d.name, name, touched);
        }
      } else {
        // A token that is not a dependency still names a reverse edge, as in `rdepends`.
        for (let j = 0, xs = pkg.info.depends; j < xs.length; j++) {
          const str = xs[j]!;
          const n = this.#depName(str);
          if (n !== null) pushReverse(n, name, touched);
        }
      }
    }
    for (const list of touched) {
      const u = unique(list);
      if (u !== list) list.splice(0, list.length, ...u);
    }
  }

  /**
   * `p:` entries are `name` or `name=version`; their versions are compared, never validated. Each
   * entry is also the provider record of its name (one object serves as both `Provide` and `Provider`).
   */
  #provides(list: readonly string[], pkg: Pkg): Provide[] {
    const out: Provide[] = [];
    for (let j = 0; j < list.length; j++) {
      const str = list[j] as string;
      const eq = str.indexOf('=');
      if (eq === 0 || str === '') continue;
      const name = this.getName(eq < 0 ? str : str.slice(0, eq));
      const entry: ProvideEntry = { pkg, name, version: eq < 0 ? null : str.slice(eq + 1) };
      (name as NameNode).addProvider(entry);
      out.push(entry);
    }
    return out;
  }

  /** Adds (or merges, by identity) one package; returns the package object. */
  addPackage(info: PackageInfo, where: { repo?: number; installed?: boolean; cacheOnly?: boolean }): Pkg {
    const key = mergeKey(info);
    let pkg = this.#byIdentity.get(key);
    if (pkg === undefined) {
      const name = this.getName(info.name);
      const installIf = info.installIf.length ? this.edges(info.installIf) : NO_DEPS;
      const archOk = !this.arch || !info.arch || info.arch === 'noarch' || info.arch === this.arch;
      const node = new PackageNode(info, name, installIf, info.uninstallable === true || !archOk, this);
      pkg = node;
      this.#byIdentity.set(key, pkg);
      this.packages.push(pkg);
      // The package's own name first, then its `p:` entries, in order (apk's provider order).
      const self: ProvideEntry = { pkg, name, version: pkg.version };
      (name as NameNode).addProvider(self);
      if (info.provides.length) node.provides = this.#provides(info.provides, pkg);
      // Dependencies are parsed when the solver first looks at the package, reverse ones when first read.
      this.#reverseDone = false;
      for (let j = 0, xs = installIf; j < xs.length; j++) {
        const d = xs[j]!;
        (d.name as NameNode).addReverseInstallIf(name);
      }
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

/**
 * The key of the merge map: equal exactly when `identityKey` is, without building a new string
 * for the common case (a SHA-1 `Q1` identity already spelled canonically).
 */
function mergeKey(info: PackageInfo): string {
  const id = info.identity;
  if (id.length === 30 && id.charCodeAt(0) === 81 && id.charCodeAt(1) === 49 && id.charCodeAt(29) === 61) {
    const i = B64.indexOf(id[28] as string);
    if (i >= 0 && (i & 3) === 0) return id;
    if (i >= 0) return `${id.slice(0, 28)}${B64[i & ~3]}=`;
  }
  return `#${identityKey(info)}`;
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
    const where = repo.cacheOnly ? { cacheOnly: true } : { repo: i };
    for (let j = 0, xs = repo.packages; j < xs.length; j++) {
      const info = xs[j]!;
      db.addPackage(info, where);
    }
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
    for (let j = 0, xs = name.providers; j < xs.length; j++) {
      const p = xs[j]!;
      p.pkg.presetFlags |= nf.flags;
      p.pkg.presetInheritable |= nf.inheritable;
    }
  }
  return db;
}
