/**
 * The nodes of the solver's graph: names and packages, made on first reach from the packed
 * sources (most of a big index is never looked at by a solve). Their edges are read from the packed
 * tables on first use; solver state is allocated on first use.
 */
import type { PackageInfo } from '../apk/index.js';
import { PROVIDE_STRIDE, PROVIDER_SELF, PROVIDER_STRIDE, type PackedIndex } from '../repo/index.js';
import type { Dep, Name, Pkg, Provide, Provider } from './model.js';
import type { NameState, PkgState } from './state.js';

/** One packed source of packages (installed, a repository, local packages) with its materialized nodes. */
export interface Source {
  readonly pack: PackedIndex;
  /** Position among the sources. */
  readonly k: number;
  /** Name nodes by the pack's name id. */
  readonly names: (NameNode | undefined)[];
  /** Package nodes by the pack's package index (a merged record points at the package it merged into). */
  readonly pkgs: (Pkg | undefined)[];
  /** Parsed edges by token id (null: not a dependency). */
  readonly edges: (Dep | null | undefined)[];
}

/** What the nodes ask of their graph. */
export interface Graph {
  /** The node of name `id` of a source. */
  nameAt(src: Source, id: number): Name;
  /** The package node of record `idx` of a source (merged by identity with an earlier one). */
  pkgAt(src: Source, idx: number): Pkg;
  readonly sources: readonly Source[];
  /** A name node's first state (what discovery recorded for it, if it ran over the tables). */
  newNameState(node: NameNode): NameState;
  /** A package node's first state. */
  newPkgState(node: PackageNode): PkgState;
  /** Whether a name whose state was not made yet was discovered. */
  seenWithoutState(node: NameNode): boolean;
}

const NO_DEPS: Dep[] = [];
const NO_PROVIDES: Provide[] = [];
const NO_NAMES: Name[] = [];

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
 * A name in the graph. `ids[k]` is its id in source k (-1: absent there); providers and reverse
 * edges are gathered from the sources in order on first read.
 */
export class NameNode implements Name {
  readonly name: string;
  readonly ids: number[];
  solverFlagsSet = false;
  dedupMark = 0;
  #providers: Provider[] | undefined;
  #rdepends: Name[] | undefined;
  #rinstallIf: Name[] | undefined;
  #ss: NameState | undefined;
  readonly #g: Graph;

  constructor(name: string, g: Graph, ids: number[]) {
    this.name = name;
    this.#g = g;
    this.ids = ids;
  }

  isSeen(): boolean {
    return this.#ss !== undefined ? this.#ss.seen : this.#g.seenWithoutState(this);
  }

  /** Whether the solver state was made (it starts from what discovery recorded). */
  hasState(): boolean {
    return this.#ss !== undefined;
  }

  get providers(): Provider[] {
    if (this.#providers === undefined) {
      const out: Provider[] = [];
      const g = this.#g;
      for (let k = 0; k < this.ids.length; k++) {
        const id = this.ids[k] as number;
        if (id < 0) continue;
        const src = g.sources[k] as Source;
        const pack = src.pack;
        const vals = pack.providers;
        for (
          let j = pack.providersOff[id] as number, e = pack.providersOff[id + 1] as number;
          j < e;
          j += PROVIDER_STRIDE
        ) {
          const idx = vals[j] as number;
          const pkg = g.pkgAt(src, idx) as PackageNode;
          // A record merged into a package met earlier adds nothing: that package is listed already.
          if (pkg.src !== src || pkg.idx !== idx) continue;
          const v = vals[j + 1] as number;
          out.push({ pkg, version: v === PROVIDER_SELF ? pkg.version : v < 0 ? null : pack.str(v) });
        }
      }
      this.#providers = out;
    }
    return this.#providers;
  }

  /** Names of the packages that depend on this name, in package order. */
  get rdepends(): Name[] {
    this.#rdepends ??= this.#reverse(false);
    return this.#rdepends;
  }

  get rinstallIf(): Name[] {
    this.#rinstallIf ??= this.#reverse(true);
    return this.#rinstallIf;
  }

  #reverse(installIf: boolean): Name[] {
    let out: Name[] | undefined;
    const g = this.#g;
    for (let k = 0; k < this.ids.length; k++) {
      const id = this.ids[k] as number;
      if (id < 0) continue;
      const src = g.sources[k] as Source;
      const pack = src.pack;
      const off = installIf ? pack.rinstallIfOff : pack.rdependsOff;
      const vals = installIf ? pack.rinstallIf : pack.rdepends;
      for (let j = off[id] as number, e = off[id + 1] as number; j < e; j++) {
        const idx = vals[j] as number;
        const n = g.nameAt(src, pack.pkgName[idx] as number);
        if (out === undefined) out = [n];
        else if (out[out.length - 1] !== n) out.push(n);
        // apk-tools 2.14 records the names a package provides beside its own in reverse install_if
        // lists, so choosing the package behind `i:` also reaches every provider of those names.
        if (installIf) {
          for (
            let t = pack.providesOff[idx] as number, te = pack.providesOff[idx + 1] as number;
            t < te;
            t += PROVIDE_STRIDE
          ) {
            const nid = pack.provides[t + 1] as number;
            if (nid >= 0) out.push(g.nameAt(src, nid));
          }
        }
      }
    }
    return out === undefined ? NO_NAMES : unique(out);
  }

  get ss(): NameState {
    this.#ss ??= this.#g.newNameState(this);
    return this.#ss;
  }

  set ss(s: NameState) {
    this.#ss = s;
  }

  resetState(): void {
    this.#ss = undefined;
  }
}

/** A package in the graph: record `idx` of source `src`. */
export class PackageNode implements Pkg {
  readonly src: Source;
  readonly idx: number;
  readonly name: Name;
  readonly version: string;
  readonly identity: string;
  readonly installedSize: number;
  readonly providerPriority: number;
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
  #installIf: Dep[] | undefined;
  #provides: Provide[] | undefined;
  readonly #g: Graph;
  #ss: PkgState | undefined;

  constructor(g: Graph, src: Source, idx: number, name: Name, uninstallable: boolean) {
    const pack = src.pack;
    this.#g = g;
    this.src = src;
    this.idx = idx;
    this.name = name;
    this.version = pack.version(idx);
    this.identity = pack.identity(idx);
    this.installedSize = pack.installedSize(idx);
    this.providerPriority = pack.providerPriority(idx);
    this.uninstallable = uninstallable;
  }

  get info(): PackageInfo {
    return this.src.pack.info(this.idx);
  }

  get depends(): Dep[] {
    this.#depends ??= this.#edges(this.src.pack.dependsOff, this.src.pack.depends);
    return this.#depends;
  }

  get installIf(): Dep[] {
    this.#installIf ??= this.#edges(this.src.pack.installIfOff, this.src.pack.installIf);
    return this.#installIf;
  }

  get provides(): Provide[] {
    if (this.#provides === undefined) {
      const pack = this.src.pack;
      const a = pack.providesOff[this.idx] as number;
      const b = pack.providesOff[this.idx + 1] as number;
      if (a === b) this.#provides = NO_PROVIDES;
      else {
        const out: Provide[] = [];
        const vals = pack.provides;
        for (let j = a; j < b; j += PROVIDE_STRIDE) {
          const nameId = vals[j + 1] as number;
          if (nameId < 0) continue;
          const v = vals[j + 2] as number;
          out.push({ name: this.#g.nameAt(this.src, nameId), version: v < 0 ? null : pack.str(v) });
        }
        this.#provides = out;
      }
    }
    return this.#provides;
  }

  /** Parsed edges of a token list, in order; tokens that are not dependencies are skipped. */
  #edges(off: Int32Array, toks: Int32Array): Dep[] {
    const a = off[this.idx] as number;
    const b = off[this.idx + 1] as number;
    if (a === b) return NO_DEPS;
    const src = this.src;
    const pack = src.pack;
    const out: Dep[] = [];
    for (let j = a; j < b; j++) {
      const t = toks[j] as number;
      let e = src.edges[t];
      if (e === undefined) {
        const dep = pack.dependency(t);
        e = dep ? { name: this.#g.nameAt(src, pack.tokName[t] as number), dep, tag: 0 } : null;
        src.edges[t] = e;
      }
      if (e !== null) out.push(e);
    }
    return out;
  }

  /** Solver state, created on first use with the flags preset for its names. */
  get ss(): PkgState {
    this.#ss ??= this.#g.newPkgState(this);
    return this.#ss;
  }

  hasState(): boolean {
    return this.#ss !== undefined;
  }

  /** Drops the solver state (the next access starts fresh). */
  resetState(): void {
    this.#ss = undefined;
  }
}
