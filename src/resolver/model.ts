/**
 * The solver's in-memory database: names, packages and providers, built fresh from a SolveInput so
 * solving never touches the caller's objects. Mirrors apk's apk_name / apk_package graph.
 */
import { type Dependency, type PackageInfo, tryParseDependency } from '../apk/index.js';
import type { SolveInput } from './types.js';

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

export interface NameState {
  seen: boolean;
  locked: boolean;
  requirers: number;
  chosen: Provider | null;
  hasOptions: boolean;
  hasIif: boolean;
  noIif: boolean;
  reevaluateDeps: boolean;
  reevaluateIif: boolean;
  reverseDepsDone: boolean;
  hasVirtualProvides: boolean;
  hasAutoSelectable: boolean;
  iifNeeded: boolean;
  resolveNow: boolean;
  mergeDepends: number;
  mergeProvides: number;
  orderId: number;
  inDirty: boolean;
  queue: 0 | 1 | 2 | 3;
  // changeset generation
  installedPkg: Pkg | null;
  installedName: Name | null;
  csRequirers: number;
  processed: boolean;
  removed: boolean;
  // error report
  stateInt: number;
}

export interface PkgState {
  seen: boolean;
  error: boolean;
  selectable: boolean;
  available: boolean;
  conflicts: number;
  dependenciesMerged: boolean;
  dependenciesUsed: boolean;
  iifTriggered: boolean;
  iifFailed: boolean;
  tagOk: boolean;
  tagPreferred: boolean;
  flags: number;
  flagsInheritable: number;
  pinningAllowed: number;
  pinningPreferred: number;
  inChangeset: boolean;
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
  ss: PkgState;
  // error report
  marked: boolean;
  stateInt: number;
  genid: number;
}

export interface Tag {
  readonly tag: string;
  allowedRepos: number;
}

export function freshNameState(): NameState {
  return {
    seen: false,
    locked: false,
    requirers: 0,
    chosen: null,
    hasOptions: false,
    hasIif: false,
    noIif: false,
    reevaluateDeps: false,
    reevaluateIif: false,
    reverseDepsDone: false,
    hasVirtualProvides: false,
    hasAutoSelectable: false,
    iifNeeded: false,
    resolveNow: false,
    mergeDepends: 0,
    mergeProvides: 0,
    orderId: 0,
    inDirty: false,
    queue: 0,
    installedPkg: null,
    installedName: null,
    csRequirers: 0,
    processed: false,
    removed: false,
    stateInt: 0,
  };
}

export function freshPkgState(): PkgState {
  return {
    seen: false,
    error: false,
    selectable: false,
    available: false,
    conflicts: 0,
    dependenciesMerged: false,
    dependenciesUsed: false,
    iifTriggered: false,
    iifFailed: false,
    tagOk: false,
    tagPreferred: false,
    flags: 0,
    flagsInheritable: 0,
    pinningAllowed: 0,
    pinningPreferred: 0,
    inChangeset: false,
  };
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
  readonly repoNames: string[] = [];
  #byIdentity = new Map<string, Pkg>();

  constructor(arch = '') {
    this.arch = arch;
  }

  getName(name: string): Name {
    let n = this.names.get(name);
    if (!n) {
      n = {
        name,
        providers: [],
        rdepends: [],
        rinstallIf: [],
        solverFlagsSet: false,
        ss: freshNameState(),
      };
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
      const depends = this.#deps(info.depends);
      const provides: Provide[] = [];
      for (const str of info.provides) {
        const d = cachedDependency(str);
        if (d) provides.push({ name: this.getName(d.name), version: d.version });
      }
      const installIf = this.#deps(info.installIf);
      const archOk = !this.arch || !info.arch || info.arch === 'noarch' || info.arch === this.arch;
      pkg = {
        info,
        name,
        version: info.version,
        identity: info.identity,
        depends,
        provides,
        installIf,
        repos: 0,
        installed: false,
        installedTag: 0,
        cacheOnly: false,
        uninstallable: info.uninstallable === true || !archOk,
        presetFlags: 0,
        presetInheritable: 0,
        ss: freshPkgState(),
        marked: false,
        stateInt: 0,
        genid: 0,
      };
      this.#byIdentity.set(key, pkg);
      this.packages.push(pkg);
      name.providers.push({ pkg, version: pkg.version });
      for (const pr of provides) pr.name.providers.push({ pkg, version: pr.version });
      for (const d of depends) addUnique(d.name.rdepends, name);
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
  for (const info of input.installed ?? []) {
    const pkg = db.addPackage(info, { installed: true });
    const tag = input.installedTags?.[info.name];
    if (tag) pkg.installedTag = db.tagId(tag);
  }
  input.repositories.forEach((repo, i) => {
    const bit = 1 << (i + 1);
    const tag = db.tagId(repo.tag ?? '');
    db.repoNames.push(repo.name ?? `repository ${i + 1}`);
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
