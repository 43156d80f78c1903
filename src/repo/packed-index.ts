/**
 * A repository index in packed form: every record of an APKINDEX plus the graph the resolver walks
 * (names, providers, reverse edges, parsed dependency tokens) as integer tables over one string pool.
 * The resolver builds its nodes from it on demand, so a solve touches only the part of a 5,000-package
 * index it reaches; `encodePackedIndex` stores it so a later run skips inflating and parsing the index
 * (apt's pkgcache.bin, for APKINDEX files).
 *
 * Layout. Strings are ids into the pool (`str(id)`); -1 = none. Lists are CSR: `xOff[i]..xOff[i+1]`
 * index into `x`. Packages are in index order; names in order of first mention.
 */
import type { Dependency, PackageInfo } from '../apk/index.js';

/** `pkgStr` fields per package. */
export const PS_VERSION = 0;
export const PS_IDENTITY = 1;
export const PS_ARCH = 2;
export const PS_DESCRIPTION = 3;
export const PS_URL = 4;
export const PS_LICENSE = 5;
export const PS_ORIGIN = 6;
export const PS_MAINTAINER = 7;
export const PS_COMMIT = 8;
export const PS_DATAHASH = 9;
export const PS_FIELDS = 10;

/** `pkgNum` fields per package. */
export const PN_SIZE = 0;
export const PN_INSTALLED_SIZE = 1;
export const PN_BUILD_TIME = 2;
export const PN_PROVIDER_PRIORITY = 3;
export const PN_REPLACES_PRIORITY = 4;
export const PN_FIELDS = 5;

/** `pkgFlags` bits. */
export const PF_UNINSTALLABLE = 1;
/** A later record of a package met before (same identity): merged into it, not in the graph tables. */
export const PF_DUPLICATE = 2;
/** A duplicate of this package has nothing to install (I:0): apk counts it as cached. */
export const PF_DUPLICATE_EMPTY = 4;

/** `tokFlags` bits. */
export const TF_DEPENDENCY = 1;
export const TF_CONFLICT = 2;
export const TF_BROKEN = 4;

/** `provides` entries are triples: raw string, name id (-1: not a provide), version string (-1: none). */
export const PROVIDE_STRIDE = 3;
/** `providers` entries are pairs: package, version string (-1: unversioned, -2: the package's own version). */
export const PROVIDER_STRIDE = 2;
export const PROVIDER_SELF = -2;

/** The Int32 tables, in the order the codec writes them. */
export const INT_TABLES = [
  'strRef',
  'pkgName',
  'pkgStr',
  'pkgFlags',
  'dependsOff',
  'depends',
  'installIfOff',
  'installIf',
  'providesOff',
  'provides',
  'replacesOff',
  'replaces',
  'triggersOff',
  'triggers',
  'tokStr',
  'tokName',
  'tokFlags',
  'tokMask',
  'tokVersion',
  'tokTag',
  'nameStr',
  'providersOff',
  'providers',
  'rinstallIfOff',
  'rinstallIf',
  'rdependsOff',
  'rdepends',
  'nameSorted',
] as const;

/** The tables of a packed index, by name (what the codec stores): the Int32 ones and `pkgNum`. */
export type PackedTables = { readonly [K in (typeof INT_TABLES)[number]]: Int32Array } & {
  readonly pkgNum: Float64Array;
};

export class PackedIndex implements PackedTables {
  readonly packageCount: number;
  readonly nameCount: number;
  readonly tokenCount: number;
  /** Every field is in the tables (what the codec needs); else `info(i)` comes from the records. */
  readonly complete: boolean;
  /** The archive's DESCRIPTION ('' when none). */
  readonly description: string;
  readonly strRef: Int32Array;
  readonly pkgName: Int32Array;
  readonly pkgStr: Int32Array;
  readonly pkgNum: Float64Array;
  readonly pkgFlags: Int32Array;
  readonly dependsOff: Int32Array;
  readonly depends: Int32Array;
  readonly installIfOff: Int32Array;
  readonly installIf: Int32Array;
  readonly providesOff: Int32Array;
  readonly provides: Int32Array;
  readonly replacesOff: Int32Array;
  readonly replaces: Int32Array;
  readonly triggersOff: Int32Array;
  readonly triggers: Int32Array;
  readonly tokStr: Int32Array;
  readonly tokName: Int32Array;
  readonly tokFlags: Int32Array;
  readonly tokMask: Int32Array;
  readonly tokVersion: Int32Array;
  readonly tokTag: Int32Array;
  readonly nameStr: Int32Array;
  readonly providersOff: Int32Array;
  readonly providers: Int32Array;
  readonly rinstallIfOff: Int32Array;
  readonly rinstallIf: Int32Array;
  readonly rdependsOff: Int32Array;
  readonly rdepends: Int32Array;
  readonly nameSorted: Int32Array;
  readonly #pool: string;
  #infos: (PackageInfo | undefined)[] | undefined;
  #all: PackageInfo[] | undefined;

  /**
   * `records`: the PackageInfo objects the pack was made from, if at hand; `info(i)` then gives those
   * very objects (callers compare them by reference), else it makes them from the tables.
   */
  constructor(
    pool: string,
    tables: PackedTables,
    description: string,
    records?: readonly PackageInfo[],
    complete = true,
  ) {
    this.#pool = pool;
    this.complete = complete;
    if (records !== undefined) this.#infos = [...records];
    this.description = description;
    this.strRef = tables.strRef;
    this.pkgName = tables.pkgName;
    this.pkgStr = tables.pkgStr;
    this.pkgNum = tables.pkgNum;
    this.pkgFlags = tables.pkgFlags;
    this.dependsOff = tables.dependsOff;
    this.depends = tables.depends;
    this.installIfOff = tables.installIfOff;
    this.installIf = tables.installIf;
    this.providesOff = tables.providesOff;
    this.provides = tables.provides;
    this.replacesOff = tables.replacesOff;
    this.replaces = tables.replaces;
    this.triggersOff = tables.triggersOff;
    this.triggers = tables.triggers;
    this.tokStr = tables.tokStr;
    this.tokName = tables.tokName;
    this.tokFlags = tables.tokFlags;
    this.tokMask = tables.tokMask;
    this.tokVersion = tables.tokVersion;
    this.tokTag = tables.tokTag;
    this.nameStr = tables.nameStr;
    this.providersOff = tables.providersOff;
    this.providers = tables.providers;
    this.rinstallIfOff = tables.rinstallIfOff;
    this.rinstallIf = tables.rinstallIf;
    this.rdependsOff = tables.rdependsOff;
    this.rdepends = tables.rdepends;
    this.nameSorted = tables.nameSorted;
    this.packageCount = tables.pkgName.length;
    this.nameCount = tables.nameStr.length;
    this.tokenCount = tables.tokStr.length;
  }

  /** The string pool itself (for the codec). */
  get pool(): string {
    return this.#pool;
  }

  /** String `id` of the pool; '' for -1. */
  str(id: number): string {
    if (id < 0) return '';
    const start = this.strRef[2 * id] as number;
    const len = this.strRef[2 * id + 1] as number;
    if (len >= 0) return this.#pool.slice(start, start + len);
    // Stored as UTF-8 bytes (the pool holds one byte per character).
    return Buffer.from(this.#pool.slice(start, start - len), 'latin1').toString('utf8');
  }

  nameString(nameId: number): string {
    return this.str(this.nameStr[nameId] as number);
  }

  /** The id of a name, or -1 (binary search over the sorted names, comparing in place). */
  lookupName(name: string): number {
    const sorted = this.nameSorted;
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const id = sorted[mid] as number;
      const c = this.#compare(this.nameStr[id] as number, name);
      if (c === 0) return id;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Pool string `sid` compared with `s` by UTF-16 code units (the order of `<` on strings). */
  #compare(sid: number, s: string): number {
    const start = this.strRef[2 * sid] as number;
    const len = this.strRef[2 * sid + 1] as number;
    if (len < 0) {
      const t = this.str(sid);
      return t < s ? -1 : t > s ? 1 : 0;
    }
    const pool = this.#pool;
    const n = Math.min(len, s.length);
    for (let i = 0; i < n; i++) {
      const d = pool.charCodeAt(start + i) - s.charCodeAt(i);
      if (d !== 0) return d;
    }
    return len - s.length;
  }

  /** Package fields the resolver reads for every package it meets. */
  version(i: number): string {
    return this.str(this.pkgStr[PS_FIELDS * i + PS_VERSION] as number);
  }

  identity(i: number): string {
    return this.str(this.pkgStr[PS_FIELDS * i + PS_IDENTITY] as number);
  }

  arch(i: number): string {
    return this.str(this.pkgStr[PS_FIELDS * i + PS_ARCH] as number);
  }

  /** The pool id of the arch string (-1: none); equal arches of one pack share an id. */
  archId(i: number): number {
    return this.pkgStr[PS_FIELDS * i + PS_ARCH] as number;
  }

  installedSize(i: number): number {
    return this.pkgNum[PN_FIELDS * i + PN_INSTALLED_SIZE] as number;
  }

  providerPriority(i: number): number {
    return this.pkgNum[PN_FIELDS * i + PN_PROVIDER_PRIORITY] as number;
  }

  /** The dependency a token parses to (as `tryParseDependency` gives it), or undefined. */
  dependency(tok: number): Dependency | undefined {
    const flags = this.tokFlags[tok] as number;
    if ((flags & TF_DEPENDENCY) === 0) return undefined;
    const v = this.tokVersion[tok] as number;
    return {
      name: this.nameString(this.tokName[tok] as number),
      conflict: (flags & TF_CONFLICT) !== 0,
      tag: this.str(this.tokTag[tok] as number),
      mask: this.tokMask[tok] as number,
      version: v < 0 ? null : this.str(v),
      broken: (flags & TF_BROKEN) !== 0,
    };
  }

  /** Record `i` as a PackageInfo (made once, then the same object). */
  info(i: number): PackageInfo {
    this.#infos ??= new Array(this.packageCount);
    let info = this.#infos[i];
    if (info === undefined) {
      info = this.#makeInfo(i);
      this.#infos[i] = info;
    }
    return info;
  }

  /** Every record, in index order. */
  infos(): PackageInfo[] {
    if (this.#all === undefined) {
      const out: PackageInfo[] = new Array(this.packageCount);
      for (let i = 0; i < this.packageCount; i++) out[i] = this.info(i);
      this.#all = out;
    }
    return this.#all;
  }

  #list(off: Int32Array, vals: Int32Array, i: number, stride = 1, field = 0): string[] {
    const a = off[i] as number;
    const b = off[i + 1] as number;
    const out: string[] = new Array((b - a) / stride);
    for (let j = a, k = 0; j < b; j += stride, k++) out[k] = this.str(vals[j + field] as number);
    return out;
  }

  #makeInfo(i: number): PackageInfo {
    const s = PS_FIELDS * i;
    const n = PN_FIELDS * i;
    const ps = this.pkgStr;
    const pn = this.pkgNum;
    const depends: string[] = [];
    for (let j = this.dependsOff[i] as number, e = this.dependsOff[i + 1] as number; j < e; j++) {
      depends.push(this.str(this.tokStr[this.depends[j] as number] as number));
    }
    const installIf: string[] = [];
    for (let j = this.installIfOff[i] as number, e = this.installIfOff[i + 1] as number; j < e; j++) {
      installIf.push(this.str(this.tokStr[this.installIf[j] as number] as number));
    }
    const info: PackageInfo = {
      name: this.nameString(this.pkgName[i] as number),
      version: this.str(ps[s + PS_VERSION] as number),
      identity: this.str(ps[s + PS_IDENTITY] as number),
      arch: this.str(ps[s + PS_ARCH] as number),
      size: pn[n + PN_SIZE] as number,
      installedSize: pn[n + PN_INSTALLED_SIZE] as number,
      description: this.str(ps[s + PS_DESCRIPTION] as number),
      url: this.str(ps[s + PS_URL] as number),
      license: this.str(ps[s + PS_LICENSE] as number),
      origin: this.str(ps[s + PS_ORIGIN] as number),
      maintainer: this.str(ps[s + PS_MAINTAINER] as number),
      buildTime: pn[n + PN_BUILD_TIME] as number,
      commit: this.str(ps[s + PS_COMMIT] as number),
      providerPriority: pn[n + PN_PROVIDER_PRIORITY] as number,
      depends,
      provides: this.#list(this.providesOff, this.provides, i, PROVIDE_STRIDE, 0),
      installIf,
      replaces: this.#list(this.replacesOff, this.replaces, i),
      replacesPriority: pn[n + PN_REPLACES_PRIORITY] as number,
      triggers: this.#list(this.triggersOff, this.triggers, i),
      datahash: this.str(ps[s + PS_DATAHASH] as number),
    };
    if ((this.pkgFlags[i] as number) & PF_UNINSTALLABLE) info.uninstallable = true;
    return info;
  }
}
