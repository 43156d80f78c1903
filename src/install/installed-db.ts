import { emptyPackageInfo, type PackageInfo } from '../apk/index.js';
import { isLupineError, LupineError } from '../core/index.js';
import { applyIndexField, formatIndexHeader, type IndexRecordLine, splitIndexRecords } from '../repo/index.js';

/** One file a package owns (`R:` with optional `a:` and `Z:`). */
export interface InstalledFile {
  /** Base name within its directory. */
  name: string;
  uid: number;
  gid: number;
  /** Permission bits (07777). */
  mode: number;
  /** `Q1…` hash of the file's xattrs; '' when none. */
  xattrHash: string;
  /** The `Z:` checksum as written (`Q1…`); '' when none. */
  digest: string;
}

/** One directory a package owns (`F:` with optional `M:`), and its files in extraction order. */
export interface InstalledDir {
  /** Relative to the root, no leading or trailing '/'. */
  path: string;
  uid: number;
  gid: number;
  mode: number;
  xattrHash: string;
  files: InstalledFile[];
}

/** One record of `lib/apk/db/installed`. */
export interface InstalledPackage {
  info: PackageInfo;
  /** `s:` repository tag (without '@'); '' when none. */
  repoTag: string;
  /** `f:` flags (`f` broken files, `s` broken script, `x` broken xattr, `S` sha256-160). */
  flags: string;
  dirs: InstalledDir[];
}

export const DEFAULT_DIR_ACL = { uid: 0, gid: 0, mode: 0o755 } as const;
export const DEFAULT_FILE_ACL = { uid: 0, gid: 0, mode: 0o644 } as const;

function malformed(message: string, source: string, line: number, col: number, cause?: unknown): LupineError {
  return new LupineError('DB_MALFORMED', `${source}:${line}:${col}: ${message}`, {
    cause,
    details: { location: `${source}:${line}:${col}` },
    hint: 'the installed database is damaged or was written by a newer apk; restore it from a backup',
  });
}

interface Acl {
  uid: number;
  gid: number;
  mode: number;
  xattrHash: string;
}

function parseAcl(value: string, source: string, line: number): Acl {
  const parts = value.split(':');
  const [uid, gid, mode, xattr] = parts;
  if (
    parts.length < 3 ||
    parts.length > 4 ||
    !/^\d+$/.test(uid ?? '') ||
    !/^\d+$/.test(gid ?? '') ||
    !/^[0-7]+$/.test(mode ?? '')
  ) {
    throw malformed(`bad permissions '${value}' (want uid:gid:mode[:xattrhash])`, source, line, 3);
  }
  return { uid: Number(uid), gid: Number(gid), mode: Number.parseInt(mode as string, 8), xattrHash: xattr ?? '' };
}

function parseRecord(rec: IndexRecordLine[], source: string): InstalledPackage {
  const info = emptyPackageInfo();
  const pkg: InstalledPackage = { info, repoTag: '', flags: '', dirs: [] };
  let dir: InstalledDir | undefined;
  let file: InstalledFile | undefined;
  for (const { key, value, line } of rec) {
    switch (key) {
      case 'r':
        info.replaces.push(...value.split(/[ \t]+/).filter((s) => s.length > 0));
        continue;
      case 'q':
        if (!/^\d+$/.test(value)) throw malformed(`q: is not a number: '${value}'`, source, line, 3);
        info.replacesPriority = Number(value);
        continue;
      case 's':
        pkg.repoTag = value;
        continue;
      case 'f':
        pkg.flags = value;
        continue;
      case 'F':
        dir = { path: value, ...DEFAULT_DIR_ACL, xattrHash: '', files: [] };
        file = undefined;
        pkg.dirs.push(dir);
        continue;
      case 'M': {
        if (!dir || dir.files.length > 0) throw malformed('M: not directly after its F: line', source, line, 1);
        Object.assign(dir, parseAcl(value, source, line));
        continue;
      }
      case 'R':
        if (!dir) throw malformed('R: before any F: line', source, line, 1);
        file = { name: value, ...DEFAULT_FILE_ACL, xattrHash: '', digest: '' };
        dir.files.push(file);
        continue;
      case 'a':
        if (!file) throw malformed('a: before any R: line', source, line, 1);
        Object.assign(file, parseAcl(value, source, line));
        continue;
      case 'Z':
        if (!file) throw malformed('Z: before any R: line', source, line, 1);
        file.digest = value;
        continue;
    }
    let known: boolean;
    try {
      known = applyIndexField(info, key, value, line, source);
    } catch (err) {
      if (isLupineError(err)) throw malformed(err.message, source, line, 3, err);
      throw err;
    }
    if (!known) throw malformed(`unknown field '${key}:'`, source, line, 1);
  }
  if (info.name === '' || info.version === '') {
    throw malformed('a record has no P: (name) or V: (version)', source, rec[0]?.line ?? 0, 1);
  }
  return pkg;
}

/** Parses `lib/apk/db/installed` (apk-tools 2.14 format), keeping the file's order. */
export function parseInstalledDb(text: string, source = 'lib/apk/db/installed'): InstalledPackage[] {
  let records: IndexRecordLine[][];
  try {
    records = splitIndexRecords(text, source);
  } catch (err) {
    if (isLupineError(err)) {
      const loc = String(err.details.location ?? `${source}:0:1`);
      throw new LupineError('DB_MALFORMED', `${loc}: ${err.message}`, { cause: err, details: err.details });
    }
    throw err;
  }
  return records.map((rec) => parseRecord(rec, source));
}

/** What the solver needs from an installed database: the packages, their `s:` tags and the broken ones. */
export interface InstalledState {
  readonly records: readonly InstalledPackage[];
  readonly packages: PackageInfo[];
  /** Package name → its repository tag, for the tagged ones. */
  readonly tags: Record<string, string>;
  /** Packages flagged broken (`f:` with f, s or x), which `apk fix` repairs by default. */
  readonly broken: string[];
}

/** Parses an installed database (see `parseInstalledDb`) into the state the solver reads. */
export function installedState(text: string, source = 'lib/apk/db/installed'): InstalledState {
  const records = parseInstalledDb(text, source);
  const tags: Record<string, string> = {};
  for (const r of records) if (r.repoTag) tags[r.info.name] = r.repoTag;
  return {
    records,
    packages: records.map((r) => r.info),
    tags,
    broken: records.filter((r) => /[fsx]/.test(r.flags)).map((r) => r.info.name),
  };
}

function formatAcl(letter: string, acl: Acl): string {
  return `${letter}:${acl.uid}:${acl.gid}:${acl.mode.toString(8)}${acl.xattrHash ? `:${acl.xattrHash}` : ''}\n`;
}

function isDefault(acl: Acl, def: { uid: number; gid: number; mode: number }): boolean {
  return acl.uid === def.uid && acl.gid === def.gid && acl.mode === def.mode && acl.xattrHash === '';
}

/** One record, ending with its blank line. */
export function formatInstalledRecord(pkg: InstalledPackage): string {
  const { info } = pkg;
  let s = formatIndexHeader(info);
  if (info.replaces.length) s += `r:${info.replaces.join(' ')}\n`;
  if (info.replacesPriority) s += `q:${info.replacesPriority}\n`;
  if (pkg.repoTag) s += `s:${pkg.repoTag}\n`;
  if (pkg.flags) s += `f:${pkg.flags}\n`;
  for (const dir of pkg.dirs) {
    s += `F:${dir.path}\n`;
    if (!isDefault(dir, DEFAULT_DIR_ACL)) s += formatAcl('M', dir);
    for (const f of dir.files) {
      s += `R:${f.name}\n`;
      if (!isDefault(f, DEFAULT_FILE_ACL)) s += formatAcl('a', f);
      if (f.digest) s += `Z:${f.digest}\n`;
    }
  }
  return `${s}\n`;
}

/** `lib/apk/db/installed` text for these records, in the given order. */
export function formatInstalledDb(pkgs: readonly InstalledPackage[]): string {
  return pkgs.map(formatInstalledRecord).join('');
}

/** apk-tools 2.14's order for a freshly written database: by name, case-insensitive, ties by bytes. */
export function sortInstalled(pkgs: readonly InstalledPackage[]): InstalledPackage[] {
  return [...pkgs].sort((a, b) => {
    const x = a.info.name;
    const y = b.info.name;
    const xl = x.toLowerCase();
    const yl = y.toLowerCase();
    if (xl !== yl) return xl < yl ? -1 : 1;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
