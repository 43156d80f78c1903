/**
 * Debian version ordering, as `dpkg --compare-versions` does it (lib/dpkg/version.c): an epoch
 * (number), then the upstream version and the Debian revision, each compared by `verrevcmp`:
 * alternating non-digit runs (letters before non-letters, `~` before everything, even the end) and
 * digit runs (numerically).
 */
import { LupineError } from '../core/index.js';

export interface DpkgVersion {
  readonly epoch: number;
  readonly upstream: string;
  readonly revision: string;
}

/**
 * What is wrong with a Debian version, as dpkg's parseversion() (lib/dpkg/parsehelp.c) says it:
 * `error` for what dpkg refuses outright (empty, embedded spaces, a bad epoch, an empty upstream or
 * revision), `warning` for bad syntax it tolerates in its own database (a first character that is
 * not a digit, characters outside the allowed sets). Both '' for a good version.
 */
export function dpkgVersionProblem(text: string): { error: string; warning: string } {
  const v = text.trim();
  const ok = (warning = '') => ({ error: '', warning });
  const error = (e: string) => ({ error: e, warning: '' });
  if (v === '') return error('version string is empty');
  if (/\s/.test(v)) return error('version string has embedded spaces');
  const colon = v.indexOf(':');
  if (colon >= 0) {
    const e = v.slice(0, colon);
    // strtol: an optional sign and digits; none read is "empty", a rest before the colon "not number".
    if (!/^[+-]?\d/.test(e)) return error('epoch in version is empty');
    if (!/^[+-]?\d+$/.test(e)) return error('epoch in version is not number');
    if (Number(e) < 0) return error('epoch in version is negative');
    if (Number(e) > 2147483647) return error('epoch in version is too big');
    if (colon === v.length - 1) return error('nothing after colon in version number');
  }
  const rest = colon >= 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : '';
  if (dash >= 0 && revision === '') return error('revision number is empty');
  if (upstream === '') return error('version number is empty');
  if (!/^\d/.test(upstream)) return ok('version number does not start with digit');
  if (/[^A-Za-z0-9.+~:-]/.test(upstream)) return ok('invalid character in version number');
  if (/[^A-Za-z0-9.+~]/.test(revision)) return ok('invalid character in revision number');
  return ok();
}

/** Splits `[epoch:]upstream[-revision]`; a version dpkg refuses (see dpkgVersionProblem) is SCAN_BAD_VERSION. */
export function parseDpkgVersion(text: string): DpkgVersion {
  const { error } = dpkgVersionProblem(text);
  if (error) {
    throw new LupineError('SCAN_BAD_VERSION', `version '${text}' has bad syntax: ${error}`, {
      details: { version: text },
      hint: 'Debian versions are [epoch:]upstream[-revision] (see deb-version(7))',
    });
  }
  const v = text.trim();
  const colon = v.indexOf(':');
  const epoch = colon >= 0 ? Number(v.slice(0, colon)) : 0;
  const rest = colon >= 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash >= 0
    ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) }
    : { epoch, upstream: rest, revision: '' };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** dpkg's `order()`: `~` < end < letters < everything else. */
function order(c: number): number {
  if (Number.isNaN(c)) return 0;
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126 /* ~ */) return -1;
  return c + 256;
}

function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(i < a.length ? a.charCodeAt(i) : Number.NaN);
      const bc = order(j < b.length ? b.charCodeAt(j) : Number.NaN);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    while (i < a.length && isDigit(a.charCodeAt(i)) && j < b.length && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && isDigit(a.charCodeAt(i))) return 1;
    if (j < b.length && isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** Compares two Debian versions: negative, 0 or positive (`dpkg --compare-versions a lt/eq/gt b`). */
export function compareDpkgVersions(a: string, b: string): number {
  const x = parseDpkgVersion(a);
  const y = parseDpkgVersion(b);
  if (x.epoch !== y.epoch) return x.epoch > y.epoch ? 1 : -1;
  const u = verrevcmp(x.upstream, y.upstream);
  if (u !== 0) return Math.sign(u);
  return Math.sign(verrevcmp(x.revision, y.revision));
}

/**
 * The first version of a Debian advisory range that dpkg refuses (`introduced`, `fixed`,
 * `lastAffected`; '' and '0' stand for "none"), with why; undefined when all are good. Such an
 * entry is skipped with a warning: comparing against it would be an error, or a guess.
 */
export function badDebianRangeVersion(range: {
  readonly introduced?: string;
  readonly fixed?: string;
  readonly lastAffected?: string;
}): string | undefined {
  for (const v of [range.introduced, range.fixed, range.lastAffected]) {
    if (v === undefined || v === '' || v === '0') continue;
    const { error } = dpkgVersionProblem(v);
    if (error) return `version '${v}' has bad syntax: ${error}`;
  }
  return undefined;
}
