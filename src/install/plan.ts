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
  const records = new Map<string, InstalledPackage>();
  for (const r of input.installed) records.set(r.info.name, cloneRecord(r));
  const leaving = new Set<InstalledPackage>();
  for (const name of [...input.remove, ...input.incoming.map((p) => p.info.name)]) {
    const r = records.get(name);
    if (r) leaving.add(r);
  }
  const owner = new Map<string, InstalledPackage>();
  for (const r of records.values()) {
    for (const d of r.dirs) for (const f of d.files) owner.set(d.path ? `${d.path}/${f.name}` : f.name, r);
  }
  const place: PlacedEntry[] = [];
  const skipped: FileConflict[] = [];
  const overwritten: FileConflict[] = [];
  const conflicts: FileConflict[] = [];
  const refused: FileConflict[] = [];
  input.incoming.forEach((pkg, pi) => {
    const name = pkg.info.name;
    const rec: InstalledPackage = { info: pkg.info, repoTag: pkg.repoTag ?? '', flags: '', dirs: [] };
    const dirs = new Map<string, InstalledDir>();
    const diri = (path: string): InstalledDir => {
      let d = dirs.get(path);
      if (!d) {
        d = { path, ...DEFAULT_DIR_ACL, xattrHash: '', files: [] };
        dirs.set(path, d);
        rec.dirs.push(d);
      }
      return d;
    };
    const sha1ByPath = new Map<string, string>();
    pkg.files.forEach((e, ei) => {
      const path = normalizeEntryPath(e.path, `${name}-${pkg.info.version}`);
      if (path === '') return;
      if ((e.type === 'chardev' || e.type === 'blockdev') && !input.allowDevices) {
        throw new LupineError('INSTALL_DEVICE_REFUSED', `${name}: refusing device node '${path}'`, {
          details: { path, package: name },
          hint: 'device nodes in packages are refused unless explicitly allowed',
        });
      }
      if (e.type === 'symlink' && e.linkTarget === '') {
        // apk-tools refuses such an entry as a malformed package (symlink(2) would fail with ENOENT).
        throw new LupineError(
          'APK_MALFORMED',
          `${name}-${pkg.info.version}: '${path}' is a symlink with an empty target`,
          {
            details: { path, package: `${name}-${pkg.info.version}` },
            hint: 'the package is damaged; rebuild it',
          },
        );
      }
      if (e.type === 'dir') {
        Object.assign(diri(path), { uid: e.uid, gid: e.gid, mode: e.mode & 0o7777, xattrHash: xattrHash(e.xattrs) });
        place.push({ pkg: pi, entry: ei, path });
        return;
      }
      let sha1 = e.sha1;
      if (e.type === 'hardlink') {
        const target = normalizeEntryPath(e.linkTarget, `${name}-${pkg.info.version}`);
        sha1 = sha1ByPath.get(target) ?? '';
      }
      sha1ByPath.set(path, sha1);
      const cur = owner.get(path);
      if (cur && cur !== rec && !leaving.has(cur)) {
        const d = replacesDecision(cur.info, pkg.info);
        const c = { path, package: name, owner: cur.info.name };
        if (d === 'no') {
          skipped.push(c);
          return;
        }
        if (d === 'conflict') {
          if (!input.forceOverwrite && input.refuseConflictingFiles) {
            refused.push({
              ...c,
              packageId: `${name}-${pkg.info.version}`,
              ownerId: `${cur.info.name}-${cur.info.version}`,
            });
            if (!rec.flags.includes('f')) rec.flags += 'f';
            diri(splitPath(path)[0]);
            return;
          }
          if (!input.forceOverwrite) {
            conflicts.push(c);
            return;
          }
          overwritten.push(c);
        }
      }
      const [dirPath, base] = splitPath(path);
      if (cur && cur !== rec) {
        const od = cur.dirs.find((x) => x.path === dirPath);
        if (od) od.files = od.files.filter((f) => f.name !== base);
      }
      owner.set(path, rec);
      const d = diri(dirPath);
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
      place.push({ pkg: pi, entry: ei, path });
    });
    if (!input.xattrsApplied && pkg.files.some((e) => Object.keys(e.xattrs).length > 0)) rec.flags += 'x';
    records.set(name, rec);
  });
  if (conflicts.length > 0) {
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
  for (const name of input.remove) records.delete(name);
  const removeFiles: string[] = [];
  const finalRecords = [...records.values()];
  const keptDirs = new Set<string>();
  for (const r of finalRecords) for (const d of r.dirs) keptDirs.add(d.path);
  const removeDirSet = new Set<string>();
  for (const r of leaving) {
    for (const d of r.dirs) {
      for (const f of d.files) {
        const p = d.path ? `${d.path}/${f.name}` : f.name;
        if (owner.get(p) === r) {
          removeFiles.push(p);
          owner.delete(p);
        }
      }
      if (d.path !== '' && !keptDirs.has(d.path)) removeDirSet.add(d.path);
    }
  }
  const removeDirs = [...removeDirSet].sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? 1 : -1));
  return { installed: sortByName(finalRecords), place, removeFiles, removeDirs, skipped, overwritten, refused };
}
