/**
 * `packIndex(records)`: an index's records → a PackedIndex. The graph tables follow apk-tools'
 * database order exactly (providers in package order, a package's own name before its `p:` entries;
 * reverse edges in package order), so a resolver reading them sees what adding the packages one by
 * one would have built.
 */
import { dependencyTokenName, type PackageInfo, packageMergeKey, tryParseDependency } from '../apk/index.js';
import {
  PackedIndex,
  type PackedTables,
  PF_DUPLICATE,
  PF_DUPLICATE_EMPTY,
  PF_UNINSTALLABLE,
  PN_BUILD_TIME,
  PN_FIELDS,
  PN_INSTALLED_SIZE,
  PN_PROVIDER_PRIORITY,
  PN_REPLACES_PRIORITY,
  PN_SIZE,
  PROVIDER_SELF,
  PS_ARCH,
  PS_COMMIT,
  PS_DATAHASH,
  PS_DESCRIPTION,
  PS_FIELDS,
  PS_IDENTITY,
  PS_LICENSE,
  PS_MAINTAINER,
  PS_ORIGIN,
  PS_URL,
  PS_VERSION,
  TF_BROKEN,
  TF_CONFLICT,
  TF_DEPENDENCY,
} from './packed-index.js';

/** A growable Int32 list. */
class IntList {
  a = new Int32Array(64);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): Int32Array {
    return this.a.slice(0, this.n);
  }
}

/**
 * Per-name lists built in package order: entries of `stride` values appended with their key, laid
 * out as CSR at the end by a stable counting sort (no per-key arrays).
 */
class Buckets {
  readonly keys = new IntList();
  readonly vals = new IntList();
  readonly stride: number;
  constructor(stride: number) {
    this.stride = stride;
  }
  add1(key: number, a: number): void {
    this.keys.push(key);
    this.vals.push(a);
  }
  add2(key: number, a: number, b: number): void {
    this.keys.push(key);
    this.vals.push(a);
    this.vals.push(b);
  }
  csr(count: number): [Int32Array, Int32Array] {
    const stride = this.stride;
    const keys = this.keys.a;
    const n = this.keys.n;
    const off = new Int32Array(count + 1);
    for (let i = 0; i < n; i++) {
      const k = (keys[i] as number) + 1;
      off[k] = (off[k] as number) + stride;
    }
    for (let i = 0; i < count; i++) off[i + 1] = (off[i + 1] as number) + (off[i] as number);
    const at = off.slice(0, count);
    const vals = new Int32Array(n * stride);
    const src = this.vals.a;
    for (let i = 0; i < n; i++) {
      const k = keys[i] as number;
      const to = at[k] as number;
      for (let j = 0; j < stride; j++) vals[to + j] = src[i * stride + j] as number;
      at[k] = to + stride;
    }
    return [off, vals];
  }
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The string pool: one string of byte-valued characters (read back as latin1, one byte each). An
 * ASCII string is stored as is; any other as its UTF-8 bytes, its length negated to say so.
 */
class Pool {
  readonly parts: string[] = [];
  readonly ref = new IntList();
  #length = 0;
  #count = 0;
  add(s: string): number {
    let stored = s;
    let len = s.length;
    if (NON_ASCII.test(s)) {
      stored = Buffer.from(s, 'utf8').toString('latin1');
      len = -stored.length;
    }
    this.parts.push(stored);
    this.ref.push(this.#length);
    this.ref.push(len);
    this.#length += stored.length;
    return this.#count++;
  }
}

export interface PackIndexOptions {
  /**
   * Pack every field, for `encodePackedIndex`. Without it only what the resolver reads is packed and
   * the records themselves answer `info(i)` (quicker, for a solve over records already in memory).
   */
  readonly complete?: boolean;
}

/** Packs the records of one index (or any package list) in their order. */
export function packIndex(
  records: readonly PackageInfo[],
  description = '',
  options: PackIndexOptions = {},
): PackedIndex {
  const packer = new IndexPacker(records.length, options.complete === true);
  for (let i = 0; i < records.length; i++) packer.addPackage(i, records[i] as PackageInfo);
  const complete = options.complete === true;
  return new PackedIndex(
    packer.pool.parts.join(''),
    packer.tables(),
    description,
    complete ? undefined : records,
    complete,
  );
}

/** One of a package's token lists: its start offset per package and the flat list. */
type PackageList = readonly [Int32Array, IntList];

/**
 * The tables being built, package by package (`addPackage`, in index order), then laid out
 * (`tables`). Names, tokens and arches are interned on first sight.
 */
class IndexPacker {
  readonly pool = new Pool();
  readonly #complete: boolean;
  readonly #count: number;
  readonly #names = new Map<string, number>();
  readonly #nameStr = new IntList();
  readonly #tokens = new Map<string, number>();
  readonly #tok = {
    str: new IntList(),
    name: new IntList(),
    flags: new IntList(),
    mask: new IntList(),
    version: new IntList(),
    tag: new IntList(),
  };
  // Arches are few: one string each, so a reader can compare ids instead of strings.
  readonly #arches = new Map<string, number>();
  readonly #pkgName: Int32Array;
  readonly #pkgStr: Int32Array;
  readonly #pkgNum: Float64Array;
  readonly #pkgFlags: Int32Array;
  readonly #lists: Record<'depends' | 'installIf' | 'provides' | 'replaces' | 'triggers', PackageList>;
  readonly #providers = new Buckets(2);
  readonly #rinstallIf = new Buckets(1);
  readonly #rdepends = new Buckets(1);
  readonly #firstByKey = new Map<string, number>();

  constructor(count: number, complete: boolean) {
    this.#count = count;
    this.#complete = complete;
    this.#pkgName = new Int32Array(count);
    this.#pkgStr = new Int32Array(count * PS_FIELDS);
    this.#pkgNum = new Float64Array(count * PN_FIELDS);
    this.#pkgFlags = new Int32Array(count);
    const list = (): PackageList => [new Int32Array(count + 1), new IntList()];
    this.#lists = { depends: list(), installIf: list(), provides: list(), replaces: list(), triggers: list() };
  }

  /** Package `i`: its strings, numbers, flags and lists; as the first of its key, its graph edges. */
  addPackage(i: number, info: PackageInfo): void {
    const nid = this.#nameId(info.name);
    this.#pkgName[i] = nid;
    this.#packStrings(i, info);
    this.#packNumbers(i, info);
    const isFirst = this.#packFlags(i, info);
    const { depends, installIf, replaces, triggers } = this.#lists;
    depends[0][i] = depends[1].n;
    for (const t of info.depends) depends[1].push(this.#tokenId(t));
    installIf[0][i] = installIf[1].n;
    for (const t of info.installIf) installIf[1].push(this.#tokenId(t));
    replaces[0][i] = replaces[1].n;
    if (this.#complete) for (const t of info.replaces) replaces[1].push(this.pool.add(t));
    triggers[0][i] = triggers[1].n;
    if (this.#complete) for (const t of info.triggers) triggers[1].push(this.pool.add(t));
    this.#packProvides(i, nid, info, isFirst);
    if (isFirst) this.#addReverseEdges(i);
  }

  /** The finished tables (call once, after every package). */
  tables(): PackedTables {
    const lists = this.#lists;
    for (const [off, l] of Object.values(lists)) off[this.#count] = l.n;
    const nameCount = this.#names.size;
    const [providersOff, providers] = this.#providers.csr(nameCount);
    const [rinstallIfOff, rinstallIf] = this.#rinstallIf.csr(nameCount);
    const [rdependsOff, rdepends] = this.#rdepends.csr(nameCount);
    const sortedNames = [...this.#names.keys()].sort();
    const tok = this.#tok;
    return {
      strRef: this.pool.ref.done(),
      pkgName: this.#pkgName,
      pkgStr: this.#pkgStr,
      pkgNum: this.#pkgNum,
      pkgFlags: this.#pkgFlags,
      dependsOff: lists.depends[0],
      depends: lists.depends[1].done(),
      installIfOff: lists.installIf[0],
      installIf: lists.installIf[1].done(),
      providesOff: lists.provides[0],
      provides: lists.provides[1].done(),
      replacesOff: lists.replaces[0],
      replaces: lists.replaces[1].done(),
      triggersOff: lists.triggers[0],
      triggers: lists.triggers[1].done(),
      tokStr: tok.str.done(),
      tokName: tok.name.done(),
      tokFlags: tok.flags.done(),
      tokMask: tok.mask.done(),
      tokVersion: tok.version.done(),
      tokTag: tok.tag.done(),
      nameStr: this.#nameStr.done(),
      providersOff,
      providers,
      rinstallIfOff,
      rinstallIf,
      rdependsOff,
      rdepends,
      nameSorted: Int32Array.from(sortedNames, (s) => this.#names.get(s) as number),
    };
  }

  #nameId(s: string): number {
    let id = this.#names.get(s);
    if (id === undefined) {
      id = this.#names.size;
      this.#names.set(s, id);
      this.#nameStr.push(this.pool.add(s));
    }
    return id;
  }

  #tokenId(s: string): number {
    let id = this.#tokens.get(s);
    if (id !== undefined) return id;
    id = this.#tokens.size;
    this.#tokens.set(s, id);
    const tok = this.#tok;
    tok.str.push(this.pool.add(s));
    const d = tryParseDependency(s);
    if (d) {
      tok.name.push(this.#nameId(d.name));
      tok.flags.push(TF_DEPENDENCY | (d.conflict ? TF_CONFLICT : 0) | (d.broken ? TF_BROKEN : 0));
      tok.mask.push(d.mask);
      tok.version.push(d.version === null ? -1 : this.pool.add(d.version));
      tok.tag.push(d.tag === '' ? -1 : this.pool.add(d.tag));
    } else {
      // Not a dependency; what it names still counts for reverse dependencies.
      const raw = dependencyTokenName(s);
      tok.name.push(raw === undefined ? -1 : this.#nameId(raw));
      tok.flags.push(0);
      tok.mask.push(0);
      tok.version.push(-1);
      tok.tag.push(-1);
    }
    return id;
  }

  #str(s: string): number {
    return s === '' ? -1 : this.pool.add(s);
  }

  #archStr(s: string): number {
    if (s === '') return -1;
    let id = this.#arches.get(s);
    if (id === undefined) {
      id = this.pool.add(s);
      this.#arches.set(s, id);
    }
    return id;
  }

  #packStrings(i: number, info: PackageInfo): void {
    const pkgStr = this.#pkgStr;
    const s = i * PS_FIELDS;
    pkgStr[s + PS_VERSION] = this.pool.add(info.version);
    pkgStr[s + PS_IDENTITY] = this.#str(info.identity);
    pkgStr[s + PS_ARCH] = this.#archStr(info.arch);
    if (this.#complete) {
      pkgStr[s + PS_DESCRIPTION] = this.#str(info.description);
      pkgStr[s + PS_URL] = this.#str(info.url);
      pkgStr[s + PS_LICENSE] = this.#str(info.license);
      pkgStr[s + PS_ORIGIN] = this.#str(info.origin);
      pkgStr[s + PS_MAINTAINER] = this.#str(info.maintainer);
      pkgStr[s + PS_COMMIT] = this.#str(info.commit);
      pkgStr[s + PS_DATAHASH] = this.#str(info.datahash);
    } else {
      pkgStr.fill(-1, s + PS_DESCRIPTION, s + PS_DATAHASH + 1);
    }
  }

  #packNumbers(i: number, info: PackageInfo): void {
    const n = i * PN_FIELDS;
    const pkgNum = this.#pkgNum;
    pkgNum[n + PN_SIZE] = info.size;
    pkgNum[n + PN_INSTALLED_SIZE] = info.installedSize;
    pkgNum[n + PN_BUILD_TIME] = info.buildTime;
    pkgNum[n + PN_PROVIDER_PRIORITY] = info.providerPriority;
    pkgNum[n + PN_REPLACES_PRIORITY] = info.replacesPriority;
  }

  /** The package's flags (a later copy of the same package is a duplicate); whether it is the first. */
  #packFlags(i: number, info: PackageInfo): boolean {
    const pkgFlags = this.#pkgFlags;
    let flags = info.uninstallable === true ? PF_UNINSTALLABLE : 0;
    const key = packageMergeKey(info.identity, info.name, info.version);
    const first = this.#firstByKey.get(key);
    if (first === undefined) this.#firstByKey.set(key, i);
    else {
      flags |= PF_DUPLICATE;
      if (info.installedSize === 0) pkgFlags[first] = (pkgFlags[first] as number) | PF_DUPLICATE_EMPTY;
    }
    pkgFlags[i] = (pkgFlags[i] as number) | flags;
    return first === undefined;
  }

  /** The `p:` list (pool string, name, version each); the first of a key provides its own name first. */
  #packProvides(i: number, nid: number, info: PackageInfo, isFirst: boolean): void {
    const [offsets, pv] = this.#lists.provides;
    offsets[i] = pv.n;
    if (isFirst) this.#providers.add2(nid, i, PROVIDER_SELF);
    for (const p of info.provides) {
      pv.push(this.#complete ? this.pool.add(p) : -1);
      const eq = p.indexOf('=');
      if (eq === 0 || p === '') {
        pv.push(-1);
        pv.push(-1);
        continue;
      }
      const pn = this.#nameId(eq < 0 ? p : p.slice(0, eq));
      const ver = eq < 0 ? -1 : this.pool.add(p.slice(eq + 1));
      pv.push(pn);
      pv.push(ver);
      if (isFirst) this.#providers.add2(pn, i, ver);
    }
  }

  /** Reverse edges of package `i`: install_if names it triggers on, names it depends on. */
  #addReverseEdges(i: number): void {
    const { depends, installIf } = this.#lists;
    const tok = this.#tok;
    for (let j = installIf[0][i] as number; j < installIf[1].n; j++) {
      const t = installIf[1].a[j] as number;
      if ((tok.flags.a[t] as number) & TF_DEPENDENCY) this.#rinstallIf.add1(tok.name.a[t] as number, i);
    }
    for (let j = depends[0][i] as number; j < depends[1].n; j++) {
      const t = depends[1].a[j] as number;
      const target = tok.name.a[t] as number;
      if (target >= 0) this.#rdepends.add1(target, i);
    }
  }
}
