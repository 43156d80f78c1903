import {
  emptyPackageInfo,
  isValidPackageName,
  isValidVersion,
  nameVersionFits,
  type PackageInfo,
} from '../apk/index.js';
import { LupineError } from '../core/index.js';

/** One parsed record plus the fields the index parser does not know (installed-DB parsers use them). */
export interface IndexRecordLine {
  readonly key: string;
  readonly value: string;
  /** 1-based line number in the source text. */
  readonly line: number;
}

function splitList(value: string): string[] {
  if (value.indexOf('  ') < 0 && value.indexOf('\t') < 0 && value[0] !== ' ' && value[value.length - 1] !== ' ') {
    return value === '' ? [] : value.split(' ');
  }
  return value.split(/[ \t]+/).filter((s) => s.length > 0);
}

/** `/^\d+$/`, by char codes (four fields of every record). */
function allDigits(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function toInt(value: string, key: string, line: number, source: string): number {
  if (!allDigits(value)) {
    throw new LupineError('INDEX_MALFORMED', `field ${key}: is not a number: '${value}'`, {
      details: { location: `${source}:${line}:3` },
      hint: 'the index is damaged; fetch it again or rebuild it',
    });
  }
  return Number(value);
}

/**
 * Applies one `X:value` field of the index vocabulary to a record. Returns false for a letter the
 * index does not define (callers such as the installed-DB parser handle those).
 */
export function applyIndexField(pkg: PackageInfo, key: string, value: string, line: number, source: string): boolean {
  switch (key) {
    case 'C':
      pkg.identity = value;
      return true;
    case 'P':
      pkg.name = value;
      return true;
    case 'V':
      pkg.version = value;
      return true;
    case 'A':
      pkg.arch = value;
      return true;
    case 'S':
      pkg.size = toInt(value, key, line, source);
      return true;
    case 'I':
      pkg.installedSize = toInt(value, key, line, source);
      return true;
    case 'T':
      pkg.description = value;
      return true;
    case 'U':
      pkg.url = value;
      return true;
    case 'L':
      pkg.license = value;
      return true;
    case 'o':
      pkg.origin = value;
      return true;
    case 'm':
      pkg.maintainer = value;
      return true;
    case 't':
      pkg.buildTime = toInt(value, key, line, source);
      return true;
    case 'c':
      pkg.commit = value;
      return true;
    case 'k':
      pkg.providerPriority = toInt(value, key, line, source);
      return true;
    case 'D':
      pkg.depends = pkg.depends.length ? pkg.depends.concat(splitList(value)) : splitList(value);
      return true;
    case 'p':
      pkg.provides = pkg.provides.length ? pkg.provides.concat(splitList(value)) : splitList(value);
      return true;
    case 'i':
      pkg.installIf = pkg.installIf.length ? pkg.installIf.concat(splitList(value)) : splitList(value);
      return true;
    default:
      return false;
  }
}

/**
 * Splits APKINDEX-style text into records of lines. A line shorter than 2 characters ends a record;
 * a line whose second character is not ':' fails the whole text, as in apk-tools.
 */
export function splitIndexRecords(text: string, source = 'APKINDEX'): IndexRecordLine[][] {
  const records: IndexRecordLine[][] = [];
  let cur: IndexRecordLine[] = [];
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    if (raw.length < 2) {
      if (cur.length) records.push(cur);
      cur = [];
      return;
    }
    if (raw[1] !== ':') {
      throw new LupineError('INDEX_MALFORMED', `line is not of the form 'X:value': '${raw.slice(0, 60)}'`, {
        details: { location: `${source}:${i + 1}:1` },
        hint: 'the index is damaged or not an APKINDEX; fetch it again or rebuild it',
      });
    }
    cur.push({ key: raw[0] as string, value: raw.slice(2), line: i + 1 });
  });
  if (cur.length) records.push(cur);
  return records;
}

/** Parses APKINDEX text into package records, in file order. One pass, no intermediate line objects. */
export function parseApkIndexText(text: string, source = 'APKINDEX'): PackageInfo[] {
  return parseLines(text, undefined, source);
}

/**
 * Parses APKINDEX bytes (UTF-8) into package records: the same records as
 * `parseApkIndexText(bytes.toString('utf8'))`. The bytes are read as latin1 (one byte per character,
 * a compact string) and only the lines holding bytes over 0x7f are decoded as UTF-8.
 */
export function parseApkIndexBytes(bytes: Buffer, source = 'APKINDEX'): PackageInfo[] {
  return parseLines(bytes.toString('latin1'), bytes, source);
}

const NON_ASCII = /[\x80-\xff]/g;

/**
 * The parser of both entry points. With `utf8`, `text` is its latin1 reading (character index = byte
 * offset), and a line with a non-ASCII byte is decoded from the bytes and read as the UTF-8 text would be.
 */
function parseLines(text: string, utf8: Buffer | undefined, source: string): PackageInfo[] {
  const out: PackageInfo[] = [];
  let pkg: PackageInfo | undefined;
  let recordLine = 0;
  let lineNo = 0;
  let pos = 0;
  const n = text.length;
  const finish = () => {
    if (!pkg) return;
    if (pkg.name === '' || pkg.version === '') {
      throw new LupineError('INDEX_MALFORMED', 'a record has no P: (name) or V: (version)', {
        details: { location: `${source}:${recordLine}:1` },
        hint: 'the index is damaged; fetch it again or rebuild it',
      });
    }
    // apk's syntax: a name or version holding '/' (`1.0-r0/../../x`) would become a path later.
    // apk's limits: a name is a file-name component, NAME-VERSION must fit the cache's file name.
    const badField = !isValidPackageName(pkg.name)
      ? 'P'
      : !isValidVersion(pkg.version) || !nameVersionFits(pkg.name, pkg.version)
        ? 'V'
        : undefined;
    if (badField !== undefined) {
      const value = badField === 'P' ? pkg.name : pkg.version;
      throw new LupineError(
        'INDEX_MALFORMED',
        `field ${badField}: '${value.slice(0, 80)}' is not a valid ${badField === 'P' ? 'package name' : 'version'}`,
        {
          details: { location: `${source}:${recordLine}:1`, field: badField },
          hint: 'the index is damaged or hostile; do not use this repository until it is rebuilt',
        },
      );
    }
    out.push(pkg);
    pkg = undefined;
  };
  NON_ASCII.lastIndex = 0;
  let nextHigh = utf8 !== undefined && NON_ASCII.test(text) ? NON_ASCII.lastIndex - 1 : n;
  while (pos < n) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    lineNo++;
    // The line as the UTF-8 text holds it, and where it starts in `line`.
    let line = text;
    let start = pos;
    let end = eol;
    if (nextHigh < eol) {
      line = (utf8 as Buffer).toString('utf8', pos, eol);
      start = 0;
      end = line.length;
      NON_ASCII.lastIndex = eol;
      nextHigh = NON_ASCII.test(text) ? NON_ASCII.lastIndex - 1 : n;
    }
    if (end - start < 2) {
      finish();
    } else {
      if (line.charCodeAt(start + 1) !== 58 /* ':' */) {
        throw new LupineError(
          'INDEX_MALFORMED',
          `line is not of the form 'X:value': '${line.slice(start, Math.min(end, start + 60))}'`,
          {
            details: { location: `${source}:${lineNo}:1` },
            hint: 'the index is damaged or not an APKINDEX; fetch it again or rebuild it',
          },
        );
      }
      if (!pkg) {
        pkg = emptyPackageInfo();
        recordLine = lineNo;
      }
      const key = line[start] as string;
      if (!applyIndexField(pkg, key, line.slice(start + 2, end), lineNo, source) && key >= 'A' && key <= 'Z') {
        pkg.uninstallable = true;
      }
    }
    pos = eol + 1;
  }
  finish();
  return out;
}

/**
 * The index header of one record in apk-tools 2.14's order (`C P V A S I T U L o m t c k D p i`),
 * each line ending in '\n', without the blank line that ends a record.
 */
export function formatIndexHeader(p: PackageInfo): string {
  let s = '';
  if (p.identity) s += `C:${p.identity}\n`;
  s += `P:${p.name}\nV:${p.version}\n`;
  if (p.arch) s += `A:${p.arch}\n`;
  s += `S:${p.size}\nI:${p.installedSize}\n`;
  s += `T:${p.description}\nU:${p.url}\nL:${p.license}\n`;
  if (p.origin) s += `o:${p.origin}\n`;
  if (p.maintainer) s += `m:${p.maintainer}\n`;
  if (p.buildTime) s += `t:${p.buildTime}\n`;
  if (p.commit) s += `c:${p.commit}\n`;
  if (p.providerPriority) s += `k:${p.providerPriority}\n`;
  if (p.depends.length) s += `D:${p.depends.join(' ')}\n`;
  if (p.provides.length) s += `p:${p.provides.join(' ')}\n`;
  if (p.installIf.length) s += `i:${p.installIf.join(' ')}\n`;
  return s;
}

/** APKINDEX text for these records, in the given order, each followed by a blank line. */
export function formatApkIndexText(pkgs: readonly PackageInfo[]): string {
  return pkgs.map((p) => `${formatIndexHeader(p)}\n`).join('');
}

/** apk-tools 2.14's index order: name (case-insensitive, ties by bytes), then version ascending. */
export function sortForIndex(
  pkgs: readonly PackageInfo[],
  compareVersions: (a: string, b: string) => number,
): PackageInfo[] {
  return [...pkgs].sort((a, b) => {
    const ci = a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : 0;
    if (ci) return ci;
    if (a.name !== b.name) return a.name < b.name ? -1 : 1;
    return compareVersions(a.version, b.version);
  });
}
