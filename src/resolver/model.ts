/**
 * The solver's in-memory database: names, packages and providers over packed sources (installed,
 * repositories in order, local packages), built fresh for each solve so solving never touches the
 * caller's objects. Mirrors apk's apk_name / apk_package graph as adding the packages one by one
 * would build it, but makes a node only when the solve first reaches it.
 */
import { type Dependency, type PackageInfo, packageMergeKey } from '../apk/index.js';
import { type PackedIndex, PF_DUPLICATE, PF_DUPLICATE_EMPTY, PF_UNINSTALLABLE } from '../repo/index.js';
import { PackedDiscovery } from './discover-packed.js';
import { type Graph, NameNode, PackageNode, pushReverse, type Source, unique } from './nodes.js';
import { freshNameState, freshPkgState, type NameState, type PkgState } from './state.js';

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
  /** I: (what apk's tag preference and `OK:` line read). */
  readonly installedSize: number;
  /** k: provider_priority. */
  readonly providerPriority: number;
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

/** How the packages of one source are held: the bits and marks they carry into the graph. */
export interface SourceRole {
  /** Repository bit (1 << (i + 1)), or 0. */
  readonly repoBit: number;
  readonly installed: boolean;
  readonly cacheOnly: boolean;
  /** Local packages count as cached. */
  readonly local: boolean;
}

interface GraphSource extends Source, SourceRole {
  /** Arch string id → whether it can be installed here. */
  readonly archOk: Map<number, boolean>;
  /** The last arch id asked about and its answer (nearly every record has the same arch). */
  lastArch: number;
  lastArchOk: boolean;
}

/** The graph the solver works on. */
export class Database implements Graph {
  /** Names made so far. */
  readonly names: Name[] = [];
  /** Packages made so far (not all of the sources: a solve makes what it reaches). */
  readonly packages: Pkg[] = [];
  /** Installed packages in installed-DB order. */
  readonly installed: Pkg[] = [];
  readonly tags: Tag[] = [{ tag: '', allowedRepos: REPO_CACHED }];
  readonly sources: GraphSource[] = [];
  availableRepos = REPO_CACHED;
  /** Set once a solver ran over this graph (its state must be reset before another run). */
  used = false;
  /** The order of reverse-dependency lists where the changeset walks them (see SolveInput). */
  reverseOrder: 'load' | 'name-hash' = 'load';
  readonly arch: string;
  /** Packages by identity, when more than one source holds packages (merging needs it then). */
  #byIdentity: Map<string, Pkg> | undefined;
  /** Names held by no source (a world entry nothing provides), by name. */
  #loose = new Map<string, Name>();
  /** Sources holding packages (the others have no names to look up). */
  #busy: GraphSource[] = [];
  /** The discovery of the current solve when it ran over the tables (one source of packages). */
  #pd: PackedDiscovery | undefined;

  constructor(arch = '') {
    this.arch = arch;
  }

  /** Adds a source; every source is added before the first name is made. */
  addSource(pack: PackedIndex, role: SourceRole): void {
    if (this.names.length > 0) throw new Error('resolver: a source was added after names were made');
    if (this.#busy.length > 0 && pack.packageCount > 0) this.#byIdentity ??= new Map();
    // Node tables are made at full length: written at scattered ids, a grown array would turn sparse.
    const src: GraphSource = {
      pack,
      k: this.sources.length,
      names: new Array(pack.nameCount),
      pkgs: new Array(pack.packageCount),
      edges: new Array(pack.tokenCount),
      archOk: new Map(),
      lastArch: -2,
      lastArchOk: true,
      ...role,
    };
    this.sources.push(src);
    if (pack.packageCount > 0) this.#busy.push(src);
  }

  getName(name: string): Name {
    const busy = this.#busy;
    let found = false;
    for (let b = 0; b < busy.length; b++) {
      const src = busy[b] as GraphSource;
      const id = src.pack.lookupName(name);
      if (id < 0) continue;
      const made = src.names[id];
      if (made !== undefined) return made;
      found = true;
    }
    if (found) return this.#make(name, undefined, -1);
    let n = this.#loose.get(name);
    if (n === undefined) {
      n = this.#make(name, undefined, -1);
      this.#loose.set(name, n);
    }
    return n;
  }

  /** The node of name `id` of a source; the other sources are searched only when there are others. */
  nameAt(src: Source, id: number): Name {
    return src.names[id] ?? this.#make(src.pack.nameString(id), src, id);
  }

  /** A new name node, its ids looked up in every source holding packages (`known` already has `id`). */
  #make(name: string, known: Source | undefined, knownId: number): Name {
    const ids: number[] = new Array(this.sources.length).fill(-1);
    const node = new NameNode(name, this, ids);
    const busy = this.#busy;
    for (let b = 0; b < busy.length; b++) {
      const src = busy[b] as GraphSource;
      const id = src === known ? knownId : src.pack.lookupName(name);
      if (id < 0) continue;
      ids[src.k] = id;
      src.names[id] = node;
    }
    this.names.push(node);
    return node;
  }

  pkgAt(src: Source, idx: number): Pkg {
    const made = src.pkgs[idx];
    if (made !== undefined) return made;
    const s = src as GraphSource;
    const pack = s.pack;
    let key: string | undefined;
    if (this.#byIdentity !== undefined) {
      const name = pack.nameString(pack.pkgName[idx] as number);
      key = packageMergeKey(pack.identity(idx), name, pack.version(idx));
      const earlier = this.#byIdentity.get(key);
      if (earlier !== undefined) {
        s.pkgs[idx] = earlier;
        this.#mark(earlier, s, idx);
        return earlier;
      }
    }
    const uninstallable = ((pack.pkgFlags[idx] as number) & PF_UNINSTALLABLE) !== 0 || !this.#archOk(s, idx);
    const pkg = new PackageNode(this, s, idx, this.nameAt(s, pack.pkgName[idx] as number), uninstallable);
    s.pkgs[idx] = pkg;
    if (key !== undefined) this.#byIdentity?.set(key, pkg);
    this.packages.push(pkg);
    this.#mark(pkg, s, idx);
    return pkg;
  }

  /** Whether record `idx` is for this machine (no arch, noarch, or the solve's arch), by arch id. */
  #archOk(s: GraphSource, idx: number): boolean {
    return this.#archIdOk(s, s.pack.archId(idx));
  }

  #archIdOk(s: GraphSource, id: number): boolean {
    if (id < 0 || !this.arch) return true;
    if (id === s.lastArch) return s.lastArchOk;
    let ok = s.archOk.get(id);
    if (ok === undefined) {
      const arch = s.pack.str(id);
      ok = arch === 'noarch' || arch === this.arch;
      s.archOk.set(id, ok);
    }
    s.lastArch = id;
    s.lastArchOk = ok;
    return ok;
  }

  /** The repository bits record `idx` of `s` gives its package. */
  #recordRepos(s: GraphSource, idx: number): number {
    let r = s.repoBit;
    // apk counts packages with nothing to install (virtual/meta, I:0) as present in the cache.
    if (s.pack.installedSize(idx) === 0 || (s.pack.pkgFlags[idx] as number) & PF_DUPLICATE_EMPTY) r |= REPO_CACHED;
    if (s.local) r |= REPO_CACHED;
    return r;
  }

  /** What holding record `idx` of `s` says about the package (as apk's add does, per record). */
  #mark(pkg: Pkg, s: GraphSource, idx: number): void {
    pkg.repos |= this.#recordRepos(s, idx);
    if (s.cacheOnly) pkg.cacheOnly = true;
    if (s.installed && !pkg.installed) {
      pkg.installed = true;
      this.installed.push(pkg);
    }
  }

  /**
   * Starts a discovery over the packed tables when the graph has one source of packages and it is not
   * the installed database (the common image-build and fresh-root case); undefined otherwise, and
   * the solver walks nodes (discover.ts). Either way the same names and packages end up discovered,
   * in the same order, with the same state.
   */
  startPackedDiscovery(flags: number, defaultRepos: number): PackedDiscovery | undefined {
    this.#pd = undefined;
    const s = this.#busy.length === 1 ? (this.#busy[0] as GraphSource) : undefined;
    if (s === undefined || s.installed) return undefined;
    // Nodes whose state already exists would not see what the tables record.
    if (
      this.names.some((n) => (n as NameNode).hasState()) ||
      this.packages.some((p) => (p as PackageNode).hasState())
    ) {
      return undefined;
    }
    const pack = s.pack;
    const flagged = new Uint8Array(pack.nameCount);
    for (const n of this.names) {
      const id = (n as NameNode).ids[s.k] as number;
      if (id >= 0 && n.solverFlagsSet) flagged[id] = 1;
    }
    this.#pd = new PackedDiscovery(
      s,
      {
        repoBit: s.repoBit,
        local: s.local,
        cacheOnly: s.cacheOnly,
        archOk: (archId) => this.#archIdOk(s, archId),
        flagged,
      },
      this.availableRepos,
      defaultRepos,
      flags,
    );
    return this.#pd;
  }

  /** Forgets the tables' discovery (a new solve over this graph discovers again). */
  resetDiscovery(): void {
    this.#pd = undefined;
  }

  newNameState(node: NameNode): NameState {
    const s = freshNameState();
    const pd = this.#pd;
    if (pd !== undefined) {
      const src = pd.src;
      const id = node.ids[src.k] as number;
      if (id >= 0) pd.initName(s, id, (x) => this.nameAt(src, x));
    }
    return s;
  }

  newPkgState(node: PackageNode): PkgState {
    const s = freshPkgState();
    s.flags = node.presetFlags;
    s.flagsInheritable = node.presetInheritable;
    if (this.#pd !== undefined && node.src === this.#pd.src) this.#pd.initPkg(s, node.idx);
    return s;
  }

  seenWithoutState(node: NameNode): boolean {
    const pd = this.#pd;
    if (pd === undefined) return false;
    const id = node.ids[pd.src.k] as number;
    return id >= 0 && pd.seen(id);
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

  /**
   * `rdepends` restricted to discovered names, into each name's `ss.rdependsSeen`: what the solver
   * reads once discovery is over (undiscovered depending names never count there). Same order as
   * `rdepends`: package order, first occurrence.
   */
  reverseDependsOfSeen(): void {
    const touched: Name[][] = [];
    for (const src of this.sources) {
      const pack = src.pack;
      for (let i = 0; i < pack.packageCount; i++) {
        if ((pack.pkgFlags[i] as number) & PF_DUPLICATE) continue;
        const name = src.names[pack.pkgName[i] as number];
        if (name === undefined || !name.isSeen()) continue;
        for (let j = pack.dependsOff[i] as number, e = pack.dependsOff[i + 1] as number; j < e; j++) {
          const target = pack.tokName[pack.depends[j] as number] as number;
          // A token that is not a dependency still names a reverse edge, as in `rdepends`.
          if (target >= 0) pushReverse(this.nameAt(src, target), name, touched);
        }
      }
    }
    for (const list of touched) {
      const u = unique(list);
      if (u !== list) list.splice(0, list.length, ...u);
    }
  }
}
