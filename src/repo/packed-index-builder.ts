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
  const complete = options.complete === true;
  const pool = new Pool();
  const names = new Map<string, number>();
  const nameStr = new IntList();
  const nameId = (s: string): number => {
    let id = names.get(s);
    if (id === undefined) {
      id = names.size;
      names.set(s, id);
      nameStr.push(pool.add(s));
    }
    return id;
  };
  const tokens = new Map<string, number>();
  const tok = { str: new IntList(), name: new IntList(), flags: new IntList(), mask: new IntList() };
  const tokVersion = new IntList();
  const tokTag = new IntList();
  const tokenId = (s: string): number => {
    let id = tokens.get(s);
    if (id === undefined) {
      id = tokens.size;
      tokens.set(s, id);
      tok.str.push(pool.add(s));
      const d = tryParseDependency(s);
      if (d) {
        tok.name.push(nameId(d.name));
        tok.flags.push(TF_DEPENDENCY | (d.conflict ? TF_CONFLICT : 0) | (d.broken ? TF_BROKEN : 0));
        tok.mask.push(d.mask);
        tokVersion.push(d.version === null ? -1 : pool.add(d.version));
        tokTag.push(d.tag === '' ? -1 : pool.add(d.tag));
      } else {
        // Not a dependency; what it names still counts for reverse dependencies.
        const raw = dependencyTokenName(s);
        tok.name.push(raw === undefined ? -1 : nameId(raw));
        tok.flags.push(0);
        tok.mask.push(0);
        tokVersion.push(-1);
        tokTag.push(-1);
      }
    }
    return id;
  };

  const count = records.length;
  const pkgName = new Int32Array(count);
  const pkgStr = new Int32Array(count * PS_FIELDS);
  const pkgNum = new Float64Array(count * PN_FIELDS);
  const pkgFlags = new Int32Array(count);
  const lists = {
    depends: [new Int32Array(count + 1), new IntList()] as const,
    installIf: [new Int32Array(count + 1), new IntList()] as const,
    provides: [new Int32Array(count + 1), new IntList()] as const,
    replaces: [new Int32Array(count + 1), new IntList()] as const,
    triggers: [new Int32Array(count + 1), new IntList()] as const,
  };
  const providers = new Buckets(2);
  const rinstallIf = new Buckets(1);
  const rdepends = new Buckets(1);
  const firstByKey = new Map<string, number>();
  const str = (s: string) => (s === '' ? -1 : pool.add(s));
  // Arches are few: one string each, so a reader can compare ids instead of strings.
  const arches = new Map<string, number>();
  const archStr = (s: string) => {
    if (s === '') return -1;
    let id = arches.get(s);
    if (id === undefined) {
      id = pool.add(s);
      arches.set(s, id);
    }
    return id;
  };

  for (let i = 0; i < count; i++) {
    const info = records[i] as PackageInfo;
    const nid = nameId(info.name);
    pkgName[i] = nid;
    const s = i * PS_FIELDS;
    pkgStr[s + PS_VERSION] = pool.add(info.version);
    pkgStr[s + PS_IDENTITY] = str(info.identity);
    pkgStr[s + PS_ARCH] = archStr(info.arch);
    if (complete) {
      pkgStr[s + PS_DESCRIPTION] = str(info.description);
      pkgStr[s + PS_URL] = str(info.url);
      pkgStr[s + PS_LICENSE] = str(info.license);
      pkgStr[s + PS_ORIGIN] = str(info.origin);
      pkgStr[s + PS_MAINTAINER] = str(info.maintainer);
      pkgStr[s + PS_COMMIT] = str(info.commit);
      pkgStr[s + PS_DATAHASH] = str(info.datahash);
    } else {
      pkgStr.fill(-1, s + PS_DESCRIPTION, s + PS_DATAHASH + 1);
    }
    const n = i * PN_FIELDS;
    pkgNum[n + PN_SIZE] = info.size;
    pkgNum[n + PN_INSTALLED_SIZE] = info.installedSize;
    pkgNum[n + PN_BUILD_TIME] = info.buildTime;
    pkgNum[n + PN_PROVIDER_PRIORITY] = info.providerPriority;
    pkgNum[n + PN_REPLACES_PRIORITY] = info.replacesPriority;
    let flags = info.uninstallable === true ? PF_UNINSTALLABLE : 0;
    const key = packageMergeKey(info.identity, info.name, info.version);
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, i);
    else {
      flags |= PF_DUPLICATE;
      if (info.installedSize === 0) pkgFlags[first] = (pkgFlags[first] as number) | PF_DUPLICATE_EMPTY;
    }
    pkgFlags[i] = (pkgFlags[i] as number) | flags;

    lists.depends[0][i] = lists.depends[1].n;
    for (const t of info.depends) lists.depends[1].push(tokenId(t));
    lists.installIf[0][i] = lists.installIf[1].n;
    for (const t of info.installIf) lists.installIf[1].push(tokenId(t));
    lists.replaces[0][i] = lists.replaces[1].n;
    if (complete) for (const t of info.replaces) lists.replaces[1].push(pool.add(t));
    lists.triggers[0][i] = lists.triggers[1].n;
    if (complete) for (const t of info.triggers) lists.triggers[1].push(pool.add(t));
    const pv = lists.provides[1];
    lists.provides[0][i] = pv.n;
    const isFirst = first === undefined;
    if (isFirst) providers.add2(nid, i, PROVIDER_SELF);
    for (const p of info.provides) {
      pv.push(complete ? pool.add(p) : -1);
      const eq = p.indexOf('=');
      if (eq === 0 || p === '') {
        pv.push(-1);
        pv.push(-1);
        continue;
      }
      const pn = nameId(eq < 0 ? p : p.slice(0, eq));
      const ver = eq < 0 ? -1 : pool.add(p.slice(eq + 1));
      pv.push(pn);
      pv.push(ver);
      if (isFirst) providers.add2(pn, i, ver);
    }
    if (!isFirst) continue;
    for (let j = lists.installIf[0][i] as number; j < lists.installIf[1].n; j++) {
      const t = lists.installIf[1].a[j] as number;
      if ((tok.flags.a[t] as number) & TF_DEPENDENCY) rinstallIf.add1(tok.name.a[t] as number, i);
    }
    for (let j = lists.depends[0][i] as number; j < lists.depends[1].n; j++) {
      const t = lists.depends[1].a[j] as number;
      const target = tok.name.a[t] as number;
      if (target >= 0) rdepends.add1(target, i);
    }
  }
  for (const [off, l] of Object.values(lists)) off[count] = l.n;

  const nameCount = names.size;
  const [providersOff, providersVals] = providers.csr(nameCount);
  const [rinstallIfOff, rinstallIfVals] = rinstallIf.csr(nameCount);
  const [rdependsOff, rdependsVals] = rdepends.csr(nameCount);
  const sortedNames = [...names.keys()].sort();
  const nameSorted = Int32Array.from(sortedNames, (s) => names.get(s) as number);
  const tables: PackedTables = {
    strRef: pool.ref.done(),
    pkgName,
    pkgStr,
    pkgNum,
    pkgFlags,
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
    tokVersion: tokVersion.done(),
    tokTag: tokTag.done(),
    nameStr: nameStr.done(),
    providersOff,
    providers: providersVals,
    rinstallIfOff,
    rinstallIf: rinstallIfVals,
    rdependsOff,
    rdepends: rdependsVals,
    nameSorted,
  };
  return new PackedIndex(pool.parts.join(''), tables, description, complete ? undefined : records, complete);
}
