/**
 * apk-tools' discovery pass (see discover.ts, same order and results) run over the packed tables
 * of a graph with a single source of packages, on integer ids: no node is made for the thousands of
 * names and packages it marks. The solver then makes nodes only for what it touches, and their
 * state starts from what this pass recorded (`initName`, `initPkg`).
 */
import {
  PF_DUPLICATE_EMPTY,
  PF_UNINSTALLABLE,
  PROVIDE_STRIDE,
  PROVIDER_STRIDE,
  type PackedIndex,
} from '../repo/index.js';
import type { Name } from './model.js';
import type { Source } from './nodes.js';
import type { NameState, PkgState } from './state.js';
import { SOLVER_AVAILABLE } from './types.js';

const ORDER_FLAGS_SET = 2 ** 31;
const DEFAULT_PINNING = 1;

const AVAILABLE = 1;
const SELECTABLE = 2;
const IIF_FAILED = 4;
const TAG_PREFERRED = 8;
const TAG_OK = 16;
const TF_DEPENDENCY = 1;

/** How the one source's records sit in the graph (what `Database` would mark on their nodes). */
export interface PackedSourceFacts {
  /** The source's repository bit (0 for none). */
  readonly repoBit: number;
  /** Local packages count as cached. */
  readonly local: boolean;
  readonly cacheOnly: boolean;
  /** Whether records of this arch (a pool string id of the pack) can be installed here (cached by the caller). */
  archOk(archId: number): boolean;
  /** Names with solver flags set (`nameFlags`), by id. */
  readonly flagged: Uint8Array;
}

export class PackedDiscovery {
  readonly src: Source;
  readonly #p: PackedIndex;
  readonly #facts: PackedSourceFacts;
  readonly #availableRepos: number;
  readonly #defaultRepos: number;
  readonly #flagsInherit: number;
  readonly #nameSeen: Uint8Array;
  readonly #nameNoIif: Uint8Array;
  readonly #nameOrder: Float64Array;
  readonly #riifScan: Int32Array;
  readonly #riif: (Int32Array | undefined)[];
  readonly #pkgSeen: Uint8Array;
  readonly #pkgBits: Uint8Array;
  readonly #provScan: Int32Array;
  readonly #mark: Int32Array;
  #gen = 0;
  #orderId = 0;

  constructor(src: Source, facts: PackedSourceFacts, availableRepos: number, defaultRepos: number, flags: number) {
    this.src = src;
    this.#p = src.pack;
    this.#facts = facts;
    this.#availableRepos = availableRepos;
    this.#defaultRepos = defaultRepos;
    this.#flagsInherit = flags;
    const n = this.#p.nameCount;
    const m = this.#p.packageCount;
    this.#nameSeen = new Uint8Array(n);
    this.#nameNoIif = new Uint8Array(n);
    this.#nameOrder = new Float64Array(n);
    this.#riifScan = new Int32Array(n);
    this.#mark = new Int32Array(n);
    this.#riif = new Array(n);
    this.#pkgSeen = new Uint8Array(m);
    this.#pkgBits = new Uint8Array(m);
    this.#provScan = new Int32Array(m);
  }

  /** Discovers a world entry's name; a name no package mentions is only marked. */
  discoverName(name: Name, id: number): void {
    if (id >= 0) {
      this.#discover(id);
      return;
    }
    const s = name.ss;
    if (s.seen) return;
    s.seen = true;
    s.noIif = true;
    s.orderId = (name.solverFlagsSet ? ORDER_FLAGS_SET : 0) + ++this.#orderId;
  }

  #discover(id: number): void {
    if (this.#nameSeen[id]) return;
    this.#nameSeen[id] = 1;
    const p = this.#p;
    const prov = p.providers;
    const a = p.providersOff[id] as number;
    const b = p.providersOff[id + 1] as number;
    let noIif = true;
    for (let j = a; j < b; j += PROVIDER_STRIDE) {
      const pi = prov[j] as number;
      if (!this.#pkgSeen[pi]) this.#seePackage(pi);
      noIif &&= ((this.#pkgBits[pi] as number) & IIF_FAILED) !== 0;
    }
    this.#nameNoIif[id] = noIif ? 1 : 0;
    this.#discoverInstallIfUsers(id);
    for (let j = a; j < b; j += PROVIDER_STRIDE) {
      const pi = prov[j] as number;
      this.#discoverInstallIfUsers(p.pkgName[pi] as number);
      // Resumes after the entries known to be seen (a package with 100 `cmd:` provides meets this
      // loop once per provided name, nested); entries that name nothing are passed over.
      const off = p.providesOff[pi] as number;
      const count = ((p.providesOff[pi + 1] as number) - off) / PROVIDE_STRIDE;
      for (let k = this.#provScan[pi] as number; k < count; k = Math.max(k + 1, this.#provScan[pi] as number)) {
        const nid = p.provides[off + k * PROVIDE_STRIDE + 1] as number;
        if (nid >= 0) this.#discover(nid);
        if (this.#provScan[pi] === k) this.#provScan[pi] = k + 1;
      }
    }
    let order = 0;
    if (this.#facts.flagged[id] === 1) order += ORDER_FLAGS_SET;
    this.#nameOrder[id] = order + ++this.#orderId;
    for (let j = a; j < b; j += PROVIDER_STRIDE) {
      const pi = prov[j] as number;
      for (let t = p.installIfOff[pi] as number, e = p.installIfOff[pi + 1] as number; t < e; t++) {
        const tok = p.installIf[t] as number;
        if ((p.tokFlags[tok] as number) & TF_DEPENDENCY) this.#discover(p.tokName[tok] as number);
      }
    }
  }

  #seePackage(pi: number): void {
    const p = this.#p;
    this.#pkgSeen[pi] = 1;
    const f = this.#facts;
    const flags = p.pkgFlags[pi] as number;
    const installedSize = p.installedSize(pi);
    // What Database gives the package's node: its repository bits, and whether it can be installed.
    let repos = f.repoBit;
    if (installedSize === 0 || flags & PF_DUPLICATE_EMPTY || f.local) repos |= 1;
    const archId = p.archId(pi);
    const uninstallable = (flags & PF_UNINSTALLABLE) !== 0 || (archId >= 0 && !f.archOk(archId));
    const cacheOnly = f.cacheOnly;
    const available = (repos & this.#availableRepos & ~1) !== 0;
    const selectable = !uninstallable && ((repos & this.#availableRepos) !== 0 || cacheOnly);
    let iifCount = 0;
    for (let t = p.installIfOff[pi] as number, e = p.installIfOff[pi + 1] as number; t < e; t++) {
      if ((p.tokFlags[p.installIf[t] as number] as number) & TF_DEPENDENCY) iifCount++;
    }
    const iifFailed = iifCount === 0 || ((this.#flagsInherit & SOLVER_AVAILABLE) !== 0 && !available);
    const tagPreferred = installedSize === 0 || (repos & this.#defaultRepos) !== 0;
    const tagOk = tagPreferred || cacheOnly;
    this.#pkgBits[pi] =
      (available ? AVAILABLE : 0) |
      (selectable ? SELECTABLE : 0) |
      (iifFailed ? IIF_FAILED : 0) |
      (tagPreferred ? TAG_PREFERRED : 0) |
      (tagOk ? TAG_OK : 0);
    for (let t = p.dependsOff[pi] as number, e = p.dependsOff[pi + 1] as number; t < e; t++) {
      const tok = p.depends[t] as number;
      if ((p.tokFlags[tok] as number) & TF_DEPENDENCY) this.#discover(p.tokName[tok] as number);
    }
  }

  /** `for (n of name.rinstallIf) discover(n)`, resuming after the entries known to be seen. */
  #discoverInstallIfUsers(id: number): void {
    const list = this.#rinstallIf(id);
    if (list === undefined) return;
    for (let i = this.#riifScan[id] as number; i < list.length; i = Math.max(i + 1, this.#riifScan[id] as number)) {
      this.#discover(list[i] as number);
      if (this.#riifScan[id] === i) this.#riifScan[id] = i + 1;
    }
  }

  /**
   * The names of the packages installed-if this name and the names they provide, first occurrences
   * in package order.
   */
  #rinstallIf(id: number): Int32Array | undefined {
    const p = this.#p;
    const a = p.rinstallIfOff[id] as number;
    const b = p.rinstallIfOff[id + 1] as number;
    if (a === b) return undefined;
    let list = this.#riif[id];
    if (list === undefined) {
      const gen = ++this.#gen;
      const out: number[] = [];
      for (let j = a; j < b; j++) {
        const pi = p.rinstallIf[j] as number;
        const n = p.pkgName[pi] as number;
        if (this.#mark[n] !== gen) {
          this.#mark[n] = gen;
          out.push(n);
        }
        // The names the package provides follow its own (see NameNode.rinstallIf).
        for (let t = p.providesOff[pi] as number, te = p.providesOff[pi + 1] as number; t < te; t += PROVIDE_STRIDE) {
          const nid = p.provides[t + 1] as number;
          if (nid < 0 || this.#mark[nid] === gen) continue;
          this.#mark[nid] = gen;
          out.push(nid);
        }
      }
      list = Int32Array.from(out);
      this.#riif[id] = list;
    }
    return list;
  }

  /**
   * `rdepends` of name `id` restricted to discovered names (apk's list once discovery is over): the
   * names of the packages whose `D:` tokens name it, in package order, first occurrences, kept only
   * when the package's name was discovered. Read from the tables when a node first needs it.
   */
  #reverseDependsOfSeen(id: number): number[] | undefined {
    const p = this.#p;
    let out: number[] | undefined;
    const gen = ++this.#gen;
    for (let j = p.rdependsOff[id] as number, e = p.rdependsOff[id + 1] as number; j < e; j++) {
      const n = p.pkgName[p.rdepends[j] as number] as number;
      if (!this.#nameSeen[n] || this.#mark[n] === gen) continue;
      this.#mark[n] = gen;
      if (out === undefined) out = [n];
      else out.push(n);
    }
    return out;
  }

  /** Whether name `id` was discovered. */
  seen(id: number): boolean {
    return this.#nameSeen[id] === 1;
  }

  /** A new name node's state as discovery left it; `nameAt` turns reverse ids into nodes. */
  initName(s: NameState, id: number, nameAt: (id: number) => Name): void {
    if (this.#nameSeen[id]) {
      s.seen = true;
      s.noIif = this.#nameNoIif[id] === 1;
      s.orderId = this.#nameOrder[id] as number;
    }
    const r = this.#reverseDependsOfSeen(id);
    if (r !== undefined) s.rdependsSeen = r.map(nameAt);
  }

  /** A new package node's state as discovery left it. */
  initPkg(s: PkgState, pi: number): void {
    if (!this.#pkgSeen[pi]) return;
    const bits = this.#pkgBits[pi] as number;
    s.seen = true;
    s.pinningAllowed = DEFAULT_PINNING;
    s.pinningPreferred = DEFAULT_PINNING;
    s.available = (bits & AVAILABLE) !== 0;
    s.selectable = (bits & SELECTABLE) !== 0;
    s.iifFailed = (bits & IIF_FAILED) !== 0;
    s.tagPreferred = (bits & TAG_PREFERRED) !== 0;
    s.tagOk = (bits & TAG_OK) !== 0;
  }
}
