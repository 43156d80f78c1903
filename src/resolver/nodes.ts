/**
 * The nodes of the solver's graph: names and packages. Reverse edges and parsed dependencies are
 * built on first read, and solver state is allocated on first use (most of a big index is never
 * looked at by a solve).
 */
import type { PackageInfo } from '../apk/index.js';
import type { Dep, Name, Pkg, Provide, Provider } from './model.js';
import { freshNameState, freshPkgState, type NameState, type PkgState } from './state.js';

/** What the nodes ask of their graph. */
export interface GraphEdges {
  /** Parsed edges of a `D:`/`i:` list. */
  edges(list: readonly string[]): Dep[];
  /** Fills every name's `rdepends`. */
  buildReverseDepends(): void;
}

export const NO_DEPS: Dep[] = [];
export const NO_PROVIDES: Provide[] = [];
const NO_PROVIDERS: Provider[] = [];

/** Appends `name` to `target`'s discovered reverse dependencies (repeats are removed afterwards). */
export function pushReverse(target: Name, name: Name, touched: Name[][]): void {
  const s = target.ss;
  const l = s.rdependsSeen;
  if (l === null) s.rdependsSeen = [name];
  else if (l[l.length - 1] !== name) {
    if (l.length === 1) touched.push(l);
    l.push(name);
  }
}

let dedupGeneration = 0;

/**
 * `list` without repeats, first occurrences kept in order (what appending only when absent would
 * have built), marking names with a fresh generation instead of searching the list.
 */
export function unique(list: Name[]): Name[] {
  const gen = ++dedupGeneration;
  let out: Name[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const n = list[i] as NameNode;
    if (n.dedupMark === gen) {
      out ??= list.slice(0, i);
      continue;
    }
    n.dedupMark = gen;
    out?.push(n);
  }
  return out ?? list;
}

/**
 * A name in the graph. Reverse edges are collected with repeats while packages are added and made
 * unique on first read; the solver state is allocated on first use (most names are never touched).
 */
export class NameNode implements Name {
  readonly name: string;
  providers: Provider[] = NO_PROVIDERS;
  solverFlagsSet = false;
  dedupMark = 0;
  #rdepends: Name[] = NO_NAMES;
  #rdependsUnique = true;
  #rinstallIf: Name[] = NO_NAMES;
  #rinstallIfUnique = true;
  #ss: NameState | undefined;
  readonly #db: GraphEdges;

  constructor(name: string, db: GraphEdges) {
    this.name = name;
    this.#db = db;
  }

  isSeen(): boolean {
    return this.#ss?.seen === true;
  }

  addProvider(p: Provider): void {
    if (this.providers === NO_PROVIDERS) this.providers = [p];
    else this.providers.push(p);
  }

  addReverseDepend(name: Name): void {
    const l = this.#rdepends;
    if (l === NO_NAMES) this.#rdepends = [name];
    else if (l[l.length - 1] !== name) {
      l.push(name);
      this.#rdependsUnique = false;
    }
  }

  addReverseInstallIf(name: Name): void {
    const l = this.#rinstallIf;
    if (l === NO_NAMES) this.#rinstallIf = [name];
    else if (l[l.length - 1] !== name) {
      l.push(name);
      this.#rinstallIfUnique = false;
    }
  }

  get rdepends(): Name[] {
    this.#db.buildReverseDepends();
    if (!this.#rdependsUnique) {
      this.#rdepends = unique(this.#rdepends);
      this.#rdependsUnique = true;
    }
    return this.#rdepends;
  }

  get rinstallIf(): Name[] {
    if (!this.#rinstallIfUnique) {
      this.#rinstallIf = unique(this.#rinstallIf);
      this.#rinstallIfUnique = true;
    }
    return this.#rinstallIf;
  }

  get ss(): NameState {
    this.#ss ??= freshNameState();
    return this.#ss;
  }

  set ss(s: NameState) {
    this.#ss = s;
  }

  resetState(): void {
    this.#ss = undefined;
  }
}

const NO_NAMES: Name[] = [];

/** A package in the graph; its `D:` list is parsed on first use (most of a big index is never looked at). */
export class PackageNode implements Pkg {
  readonly info: PackageInfo;
  readonly name: Name;
  readonly version: string;
  readonly identity: string;
  /** Set right after construction when the package has `p:` entries. */
  provides: Provide[] = NO_PROVIDES;
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
  readonly #db: GraphEdges;
  #ss: PkgState | undefined;

  constructor(info: PackageInfo, name: Name, installIf: Dep[], uninstallable: boolean, db: GraphEdges) {
    this.info = info;
    this.name = name;
    this.version = info.version;
    this.identity = info.identity;
    this.installIf = installIf;
    this.uninstallable = uninstallable;
    this.#db = db;
  }

  get depends(): Dep[] {
    this.#depends ??= this.info.depends.length ? this.#db.edges(this.info.depends) : NO_DEPS;
    return this.#depends;
  }

  /** Solver state, created on first use with the flags preset for its names. */
  get ss(): PkgState {
    if (this.#ss === undefined) {
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

/** The name a dependency string refers to (`!foo@tag>=1` → `foo`), without parsing the rest. */
export function dependencyName(s: string): string | undefined {
  let i = s.charCodeAt(0) === 33 /* ! */ ? 1 : 0;
  const start = i;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // < = > ~ @
    if (c === 60 || c === 61 || c === 62 || c === 126 || c === 64) break;
  }
  if (i === start) return undefined;
  return start === 0 && i === s.length ? s : s.slice(start, i);
}
