import { type PackageInfo, versionMatches } from '../apk/index.js';
import { digest, LupineError } from '../core/index.js';
import type { InstalledDir, InstalledFile, InstalledPackage } from './installed-db.js';
import { DEFAULT_DIR_ACL } from './installed-db.js';
import type { PackageEntry } from './package-contents.js';
import { normalizeEntryPath } from './safe-path.js';

/** A package to install or upgrade to: its metadata and the entries of its data member. */
export interface IncomingPackage {
  readonly info: PackageInfo;
  readonly files: readonly PackageEntry[];
  /** `s:` repository tag; '' for none. */
  readonly repoTag?: string;
}

export interface PlanInput {
  readonly installed: readonly InstalledPackage[];
  /** New and upgraded packages, in install order (dependencies first). */
  readonly incoming: readonly IncomingPackage[];
  /** Names of installed packages to remove entirely. */
  readonly remove: readonly string[];
  readonly forceOverwrite?: boolean;
  /**
   * apk's behaviour for a file conflict: the later package's copy is refused, the rest of it is
   * installed and it is marked broken (`f:f`); the conflicts are reported in `refused`. Default: the
   * whole change is refused with INSTALL_FILE_CONFLICT.
   */
  readonly refuseConflictingFiles?: boolean;
  readonly allowDevices?: boolean;
  /**
   * Whether the installer can set extended attributes. When it cannot (Node has no setxattr), a
   * package that carries xattrs is recorded with apk's broken-xattr flag (`f:x`).
   */
  readonly xattrsApplied?: boolean;
}

/** Put one entry of an incoming package at `path` (relative to the root, as the package names it). */
export interface PlacedEntry {
  /** Index into `PlanInput.incoming`. */
  readonly pkg: number;
  /** Index into that package's `files`. */
  readonly entry: number;
  readonly path: string;
}

export interface FileConflict {
  readonly path: string;
  readonly package: string;
  readonly owner: string;
  /** `name-version` of the package and of the owner, as apk names them in messages. */
  readonly packageId?: string;
  readonly ownerId?: string;
}

export interface InstallPlan {
  /** The installed database after the change, sorted as apk 2.14 writes it. */
  readonly installed: InstalledPackage[];
  /** Directories and files to place, in install order. */
  readonly place: PlacedEntry[];
  /** Files no package owns any more, to delete. */
  readonly removeFiles: string[];
  /** Directories no package owns any more, deepest first, to delete when empty. */
  readonly removeDirs: string[];
  /** Files not written because their owner has the higher replaces_priority. */
  readonly skipped: FileConflict[];
  /** Files not written because another package owns them (only with refuseConflictingFiles). */
  readonly refused: FileConflict[];
  /** Files that would overwrite another package's (only when forceOverwrite; else they throw). */
  readonly overwritten: FileConflict[];
}

type Decision = 'yes' | 'no' | 'conflict';

function replacesEntry(pkg: PackageInfo, other: PackageInfo): boolean {
  return pkg.replaces.some((r) => {
    const m = /^([^<>=~]+)(?:([<>=~]+)(.*))?$/.exec(r);
    if (!m || m[1] !== other.name) return false;
    return m[2] === undefined || versionMatches(other.version, m[2], m[3] ?? '');
  });
}

/** apk_pkg_replaces_file: may `incoming` overwrite a file that `owner` has? */
export function replacesDecision(owner: PackageInfo, incoming: PackageInfo): Decision {
  if (owner.name === incoming.name) return 'yes';
  if (owner.origin !== '' && owner.origin === incoming.origin) return 'yes';
  const ownerPrio = replacesEntry(owner, incoming) ? owner.replacesPriority : -1;
  const newPrio = replacesEntry(incoming, owner) ? incoming.replacesPriority : -1;
  if (ownerPrio > newPrio) return 'no';
  if (newPrio >= 0) return 'yes';
  return 'conflict';
}

/** `Q1` + base64 of a hex SHA-1 ('' stays ''). */
export function q1FromHex(hex: string): string {
  return hex ? `Q1${Buffer.from(hex, 'hex').toString('base64')}` : '';
}

/** apk's xattr hash: SHA-1 over the xattrs sorted by name, each `be32 len‖name‖be32 len‖value`. */
export function xattrHash(xattrs: Readonly<Record<string, Uint8Array>>): string {
  const names = Object.keys(xattrs).sort();
  if (names.length === 0) return '';
  const parts: Uint8Array[] = [];
  for (const n of names) {
    const name = Buffer.from(n);
    const value = xattrs[n] as Uint8Array;
    const l1 = Buffer.alloc(4);
    l1.writeUInt32BE(name.length);
    const l2 = Buffer.alloc(4);
    l2.writeUInt32BE(value.length);
    parts.push(l1, name, l2, value);
  }
  return `Q1${digest('sha1', ...parts).toString('base64')}`;
}

/**
 * apk-tools 2.14's directory permissions when several packages own a directory: the lowest uid:gid
 * wins; packages with the same owner narrow the mode (`&`).
 */
export function directoryAcls(
  installed: readonly InstalledPackage[],
): Map<string, { uid: number; gid: number; mode: number }> {
  const acls = new Map<string, { uid: number; gid: number; mode: number }>();
  for (const p of installed) {
    for (const d of p.dirs) {
      const cur = acls.get(d.path);
      if (!cur || d.uid < cur.uid || (d.uid === cur.uid && d.gid < cur.gid)) {
        acls.set(d.path, { uid: d.uid, gid: d.gid, mode: d.mode });
      } else if (d.uid === cur.uid && d.gid === cur.gid) {
        cur.mode &= d.mode;
      }
    }
  }
  return acls;
}

function splitPath(p: string): [string, string] {
  const i = p.lastIndexOf('/');
  return i < 0 ? ['', p] : [p.slice(0, i), p.slice(i + 1)];
}

function cloneRecord(r: InstalledPackage): InstalledPackage {
  return { ...r, dirs: r.dirs.map((d) => ({ ...d, files: [...d.files] })) };
}

function sortByName(pkgs: InstalledPackage[]): InstalledPackage[] {
  return pkgs.sort((a, b) => {
    const x = a.info.name.toLowerCase();
    const y = b.info.name.toLowerCase();
    if (x !== y) return x < y ? -1 : 1;
    return a.info.name < b.info.name ? -1 : a.info.name > b.info.name ? 1 : 0;
  });
}

/**
 * Diffs the installed state against the packages to install and remove: who owns which file after
 * the change (replaces / origin / replaces_priority as apk-tools 2.14 decides), what to place, what
 * to delete, and the new installed database. Pure; never touches its inputs.
 */
export function planInstall(input: PlanInput): InstallPlan {
  const planner = new Planner(input);
  for (const [pi, pkg] of input.incoming.entries()) planner.addPackage(pkg, pi);
  planner.assertNoConflicts();
  return planner.finish();
}

/** The record an incoming package will have, built entry by entry. */
class IncomingRecord {
  readonly record: InstalledPackage;
  readonly #dirs = new Map<string, InstalledDir>();
  /** Each file's SHA-1 so far, for the hard links that name it. */
  readonly #sha1ByPath = new Map<string, string>();

  constructor(readonly pkg: IncomingPackage) {
    this.record = { info: pkg.info, repoTag: pkg.repoTag ?? '', flags: '', dirs: [] };
  }

  get name(): string {
    return this.pkg.info.name;
  }

  /** `name-version`, as apk names the package in messages. */
  get id(): string {
    return `${this.pkg.info.name}-${this.pkg.info.version}`;
  }

  /** The record's directory `path`, made with apk's default ACL on first use. */
  dir(path: string): InstalledDir {
    let d = this.#dirs.get(path);
    if (!d) {
      d = { path, ...DEFAULT_DIR_ACL, xattrHash: '', files: [] };
      this.#dirs.set(path, d);
      this.record.dirs.push(d);
    }
    return d;
  }

  /** The entry's SHA-1 (a hard link's is its target's), remembered for later links. */
  sha1Of(e: PackageEntry, path: string): string {
    const sha1 =
      e.type === 'hardlink' ? (this.#sha1ByPath.get(normalizeEntryPath(e.linkTarget, this.id)) ?? '') : e.sha1;
    this.#sha1ByPath.set(path, sha1);
    return sha1;
  }

  /** apk's `f:f`: a file of the package was not written. */
  markFilesBroken(): void {
    if (!this.record.flags.includes('f')) this.record.flags += 'f';
  }
}

/** Refuses what apk refuses outright: device nodes (unless allowed), symlinks with an empty target. */
function checkEntry(rec: IncomingRecord, e: PackageEntry, path: string, allowDevices: boolean): void {
  if ((e.type === 'chardev' || e.type === 'blockdev') && !allowDevices) {
    throw new LupineError('INSTALL_DEVICE_REFUSED', `${rec.name}: refusing device node '${path}'`, {
      details: { path, package: rec.name },
      hint: 'device nodes in packages are refused unless explicitly allowed',
    });
  }
  if (e.type === 'symlink' && e.linkTarget === '') {
    // apk-tools refuses such an entry as a malformed package (symlink(2) would fail with ENOENT).
    throw new LupineError('APK_MALFORMED', `${rec.id}: '${path}' is a symlink with an empty target`, {
      details: { path, package: rec.id },
      hint: 'the package is damaged; rebuild it',
    });
  }
}

/** planInstall's working state: every record as the change leaves it so far, and who owns each path. */
class Planner {
  readonly #records = new Map<string, InstalledPackage>();
  /** The (copied) records of packages removed or replaced by a new version. */
  readonly #leaving = new Set<InstalledPackage>();
  readonly #owner = new Map<string, InstalledPackage>();
  readonly #place: PlacedEntry[] = [];
  readonly #skipped: FileConflict[] = [];
  readonly #overwritten: FileConflict[] = [];
  readonly #conflicts: FileConflict[] = [];
  readonly #refused: FileConflict[] = [];

  constructor(readonly input: PlanInput) {
    for (const r of input.installed) this.#records.set(r.info.name, cloneRecord(r));
    for (const name of [...input.remove, ...input.incoming.map((p) => p.info.name)]) {
      const r = this.#records.get(name);
      if (r) this.#leaving.add(r);
    }
    for (const r of this.#records.values()) {
      for (const d of r.dirs) for (const f of d.files) this.#owner.set(d.path ? `${d.path}/${f.name}` : f.name, r);
    }
  }

  /** Places the entries of incoming package `pi` and makes its record the package's. */
  addPackage(pkg: IncomingPackage, pi: number): void {
    const rec = new IncomingRecord(pkg);
    for (const [ei, e] of pkg.files.entries()) this.#addEntry(rec, pi, e, ei);
    if (!this.input.xattrsApplied && pkg.files.some((e) => Object.keys(e.xattrs).length > 0)) rec.record.flags += 'x';
    this.#records.set(rec.name, rec.record);
  }

  #addEntry(rec: IncomingRecord, pi: number, e: PackageEntry, ei: number): void {
    const path = normalizeEntryPath(e.path, rec.id);
    if (path === '') return;
    checkEntry(rec, e, path, this.input.allowDevices ?? false);
    if (e.type === 'dir') {
      Object.assign(rec.dir(path), { uid: e.uid, gid: e.gid, mode: e.mode & 0o7777, xattrHash: xattrHash(e.xattrs) });
      this.#place.push({ pkg: pi, entry: ei, path });
      return;
    }
    const sha1 = rec.sha1Of(e, path);
    const cur = this.#owner.get(path);
    if (cur && cur !== rec.record && !this.#leaving.has(cur) && !this.#mayOverwrite(rec, cur, path)) return;
    const [dirPath, base] = splitPath(path);
    if (cur && cur !== rec.record) {
      const od = cur.dirs.find((x) => x.path === dirPath);
      if (od) od.files = od.files.filter((f) => f.name !== base);
    }
    this.#owner.set(path, rec.record);
    const d = rec.dir(dirPath);
    const file: InstalledFile = {
      name: base,
      uid: e.uid,
      gid: e.gid,
      mode: e.mode & 0o7777,
      xattrHash: xattrHash(e.xattrs),
      digest: q1FromHex(sha1),
    };
    const existing = d.files.findIndex((f) => f.name === base);
    if (existing >= 0) d.files.splice(existing, 1);
    d.files.push(file);
    this.#place.push({ pkg: pi, entry: ei, path });
  }

  /**
   * Whether `rec` may write `path`, which staying package `cur` owns: no when `cur` wins by
   * replaces_priority (skipped), when apk would refuse the file (refused; the package is marked
   * f:f) or when it is a conflict (thrown later); yes when it replaces `cur` or overwrites by force.
   */
  #mayOverwrite(rec: IncomingRecord, cur: InstalledPackage, path: string): boolean {
    const { forceOverwrite, refuseConflictingFiles } = this.input;
    const decision = replacesDecision(cur.info, rec.pkg.info);
    const c = { path, package: rec.name, owner: cur.info.name };
    if (decision === 'no') {
      this.#skipped.push(c);
      return false;
    }
    if (decision === 'yes') return true;
    if (!forceOverwrite && refuseConflictingFiles) {
      this.#refused.push({ ...c, packageId: rec.id, ownerId: `${cur.info.name}-${cur.info.version}` });
      rec.markFilesBroken();
      rec.dir(splitPath(path)[0]);
      return false;
    }
    if (!forceOverwrite) {
      this.#conflicts.push(c);
      return false;
    }
    this.#overwritten.push(c);
    return true;
  }

  /** INSTALL_FILE_CONFLICT naming the first conflict (and how many more), when there is one. */
  assertNoConflicts(): void {
    const conflicts = this.#conflicts;
    if (conflicts.length === 0) return;
    const c = conflicts[0] as FileConflict;
    throw new LupineError(
      'INSTALL_FILE_CONFLICT',
      `${c.package}: trying to overwrite ${c.path} owned by ${c.owner}.` +
        (conflicts.length > 1 ? ` (and ${conflicts.length - 1} more)` : ''),
      {
        details: { conflicts },
        hint: "the packages ship the same file without 'replaces'; use force-overwrite to install anyway",
      },
    );
  }

  /** The plan: removed packages dropped, the files and directories they alone owned to delete. */
  finish(): InstallPlan {
    for (const name of this.input.remove) this.#records.delete(name);
    const removeFiles: string[] = [];
    const finalRecords = [...this.#records.values()];
    const keptDirs = new Set<string>();
    for (const r of finalRecords) for (const d of r.dirs) keptDirs.add(d.path);
    const removeDirSet = new Set<string>();
    for (const r of this.#leaving) {
      for (const d of r.dirs) {
        for (const f of d.files) {
          const p = d.path ? `${d.path}/${f.name}` : f.name;
          if (this.#owner.get(p) === r) {
            removeFiles.push(p);
            this.#owner.delete(p);
          }
        }
        if (d.path !== '' && !keptDirs.has(d.path)) removeDirSet.add(d.path);
      }
    }
    const removeDirs = [...removeDirSet].sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? 1 : -1));
    return {
      installed: sortByName(finalRecords),
      place: this.#place,
      removeFiles,
      removeDirs,
      skipped: this.#skipped,
      overwritten: this.#overwritten,
      refused: this.#refused,
    };
  }
}
