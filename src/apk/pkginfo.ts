import { LupineError } from '../core/index.js';
import { emptyPackageInfo, type PackageInfo } from './package-info.js';
import { checkPackageNameVersion, isValidPackageName } from './package-name.js';
import { isValidVersion } from './version.js';

/** A `.PKGINFO` as read: the record, plus what apk does not keep (comments, packager, unknown keys). */
export interface PkgInfoDocument {
  readonly info: PackageInfo;
  /** The `packager` value; '' when absent (apk does not read it). */
  readonly packager: string;
  /** Comment lines, with their `#`, in file order. */
  readonly comments: string[];
  /** Keys apk does not know, in file order (ignored, as apk does). */
  readonly unknown: { key: string; value: string }[];
}

/** What `formatPkgInfo` writes beyond the record. */
export interface PkgInfoFormatOptions {
  /** Lines written first, each starting with `#` (one is added when missing). */
  readonly comments?: readonly string[];
  readonly packager?: string;
}

function bad(message: string, source: string, line: number, col: number): LupineError {
  return new LupineError('APK_BAD_PKGINFO', message, {
    details: { location: `${source}:${line}:${col}`, line, col },
    hint: "each line of .PKGINFO is 'key = value'; rebuild the package",
  });
}

function int(value: string, key: string, source: string, line: number, col: number): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw bad(`${key} must be a whole number, got '${value}'`, source, line, col);
  }
  return Number(value);
}

function words(value: string): string[] {
  return value.split(/[ \t]+/).filter((w) => w.length > 0);
}

/**
 * Parses `.PKGINFO`: `key = value` lines (the separator is exactly `" = "`), `#` comments, list keys
 * repeated one value per line. Unknown keys are kept aside and otherwise ignored, as apk does.
 */
// long: one switch case per .PKGINFO key (apk's own key table); every case needs the line and column for its error
export function parsePkgInfoDocument(input: string | Uint8Array, source = '.PKGINFO'): PkgInfoDocument {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  const info = emptyPackageInfo();
  let packager = '';
  const comments: string[] = [];
  const unknown: { key: string; value: string }[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') return;
    if (line.startsWith('#')) {
      comments.push(line);
      return;
    }
    let sep = line.indexOf(' = ');
    let value: string;
    if (sep < 0 && line.endsWith(' =')) {
      // `url = ` with its trailing space trimmed by an editor: an empty value.
      sep = line.length - 2;
      value = '';
    } else if (sep < 0) {
      throw bad(`line has no ' = ' separator: '${line.slice(0, 60)}'`, source, lineNo, 1);
    } else {
      value = line.slice(sep + 3);
    }
    const key = line.slice(0, sep);
    if (key === '' || /\s/.test(key)) throw bad(`bad key '${key}'`, source, lineNo, 1);
    const col = sep + 4;
    switch (key) {
      case 'pkgname':
        if (!isValidPackageName(value)) throw bad(`'${value}' is not a valid package name`, source, lineNo, col);
        info.name = value;
        break;
      case 'pkgver':
        if (value === '') throw bad('pkgver is empty', source, lineNo, col);
        if (!isValidVersion(value)) {
          throw new LupineError('APK_BAD_VERSION', `'${value.slice(0, 80)}' is not a valid version`, {
            details: { location: `${source}:${lineNo}:${col}`, line: lineNo, col },
            hint: "versions look like 1.2.3_rc1-r0 (apk's version syntax); the package is damaged or hostile",
          });
        }
        info.version = value;
        break;
      case 'pkgdesc':
        info.description = value;
        break;
      case 'url':
        info.url = value;
        break;
      case 'builddate':
        info.buildTime = int(value, key, source, lineNo, col);
        break;
      case 'packager':
        packager = value;
        break;
      case 'size':
        info.installedSize = int(value, key, source, lineNo, col);
        break;
      case 'arch':
        info.arch = value;
        break;
      case 'origin':
        info.origin = value;
        break;
      case 'commit':
        info.commit = value;
        break;
      case 'maintainer':
        info.maintainer = value;
        break;
      case 'license':
        info.license = value;
        break;
      case 'depend':
        info.depends.push(...words(value));
        break;
      case 'provides':
        info.provides.push(...words(value));
        break;
      case 'replaces':
        info.replaces.push(...words(value));
        break;
      case 'install_if':
        info.installIf.push(...words(value));
        break;
      case 'triggers':
        info.triggers.push(...words(value));
        break;
      case 'replaces_priority':
        info.replacesPriority = int(value, key, source, lineNo, col);
        break;
      case 'provider_priority':
        info.providerPriority = int(value, key, source, lineNo, col);
        break;
      case 'datahash':
        if (!/^[0-9a-f]{64}$/.test(value)) {
          throw bad(`datahash must be 64 lowercase hex digits, got '${value.slice(0, 70)}'`, source, lineNo, col);
        }
        info.datahash = value;
        break;
      default:
        unknown.push({ key, value });
    }
  });
  if (info.name === '') throw bad('pkgname is missing', source, lines.length + 1, 1);
  if (info.version === '') throw bad('pkgver is missing', source, lines.length + 1, 1);
  // apk's limits: NAME-VERSION becomes a file name (the repository's, the cache's).
  checkPackageNameVersion(info.name, info.version, source);
  return { info, packager, comments, unknown };
}

/** Parses `.PKGINFO` into the shared package record. */
export function parsePkgInfo(input: string | Uint8Array, source = '.PKGINFO'): PackageInfo {
  return parsePkgInfoDocument(input, source).info;
}

/**
 * Writes `.PKGINFO` in abuild's order: comments, then pkgname, pkgver, pkgdesc, url, builddate,
 * packager, size, arch, origin, commit, maintainer, replaces_priority, provider_priority, license,
 * replaces*, depend*, provides*, triggers, install_if, datahash (last, and only when known).
 */
export function formatPkgInfo(info: PackageInfo, options: PkgInfoFormatOptions = {}): string {
  const out: string[] = [];
  for (const c of options.comments ?? []) out.push(c.startsWith('#') ? c : `# ${c}`);
  const kv = (k: string, v: string | number) => out.push(`${k} = ${v}`);
  kv('pkgname', info.name);
  kv('pkgver', info.version);
  kv('pkgdesc', info.description);
  kv('url', info.url);
  kv('builddate', info.buildTime);
  if (options.packager) kv('packager', options.packager);
  kv('size', info.installedSize);
  kv('arch', info.arch);
  if (info.origin) kv('origin', info.origin);
  if (info.commit) kv('commit', info.commit);
  if (info.maintainer) kv('maintainer', info.maintainer);
  if (info.replacesPriority) kv('replaces_priority', info.replacesPriority);
  if (info.providerPriority) kv('provider_priority', info.providerPriority);
  kv('license', info.license);
  for (const r of info.replaces) kv('replaces', r);
  for (const d of info.depends) kv('depend', d);
  for (const p of info.provides) kv('provides', p);
  if (info.triggers.length) kv('triggers', info.triggers.join(' '));
  if (info.installIf.length) kv('install_if', info.installIf.join(' '));
  if (info.datahash) kv('datahash', info.datahash);
  for (const line of out) {
    if (line.includes('\n')) {
      throw new LupineError('APK_BAD_PKGINFO', `a .PKGINFO value holds a newline: '${line.slice(0, 60)}'`, {
        hint: 'package metadata values are single lines',
      });
    }
  }
  return `${out.join('\n')}\n`;
}
