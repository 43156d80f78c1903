/**
 * Alpine / Wolfi / Chainguard secdb JSON (`security.json`, `<branch>/<repo>.json`): packages keyed by
 * origin name, `secfixes` mapping an APK version to the ids fixed in it. Key `"0"` (and the proposed
 * `"0-r0"`) lists ids that never affected the package: NAKs.
 */
import { compareVersions, isValidVersion } from '../apk/index.js';
import { LupineError } from '../core/index.js';
import { type AdvisoryBatch, type AdvisoryDistro, type AdvisoryEntry, advisoryEntry } from './advisory.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether a parsed JSON document looks like a secdb (`packages[].pkg.secfixes`). */
export function isSecdb(doc: unknown): boolean {
  return isObject(doc) && Array.isArray(doc.packages) && ('urlprefix' in doc || 'apkurl' in doc || 'reponame' in doc);
}

/** The distribution a secdb is for, from its urlprefix / distroversion. */
export function secdbDistro(doc: Json): { distro: AdvisoryDistro; branch: string } {
  const prefix = typeof doc.urlprefix === 'string' ? doc.urlprefix.toLowerCase() : '';
  const branch = typeof doc.distroversion === 'string' ? doc.distroversion : '';
  if (prefix.includes('alpinelinux') || branch !== '') return { distro: 'alpine', branch };
  if (prefix.includes('wolfi')) return { distro: 'wolfi', branch: '' };
  if (prefix.includes('cgr.dev') || prefix.includes('chainguard')) return { distro: 'chainguard', branch: '' };
  if (prefix.includes('lupine') || doc.reponame === 'lupine') return { distro: 'lupine', branch: '' };
  return { distro: '', branch: '' };
}

/** Whether a secfixes key means "never affected". */
export function isNakVersion(version: string): boolean {
  if (version === '0' || version === '0-r0') return true;
  if (/^[1-9]/.test(version)) return false;
  return compareVersions(version, '0-r0') < 0;
}

/** Splits Alpine's `CVE-1 CVE-2` strings into single ids, in order, without repeats. */
export function secdbIds(raw: readonly unknown[]): string[] {
  const ids: string[] = [];
  for (const item of raw) {
    if (typeof item !== 'string') continue;
    for (const id of item.split(/\s+/)) if (id !== '' && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/**
 * The vulnerabilities of one secdb version bucket. `wolfictl advisory secdb` writes each advisory as
 * its CGA id followed by its aliases, so a bucket that starts with a CGA id and has aliases after
 * every CGA id is split into those groups (one vulnerability each). Otherwise each id stands alone,
 * and CGA ids listed beside CVE/GHSA ids are dropped as the duplicates they are.
 */
export function secdbGroups(ids: readonly string[]): string[][] {
  // A distro's own advisory id (Chainguard's CGA-, lupine's LUP-) heads its group.
  const isCga = (id: string) => id.startsWith('CGA-') || id.startsWith('LUP-');
  const structured =
    ids.length > 0 &&
    isCga(ids[0] as string) &&
    ids.every((id, i) => !isCga(id) || (i + 1 < ids.length && !isCga(ids[i + 1] as string)));
  if (structured) {
    const groups: string[][] = [];
    for (const id of ids) {
      if (isCga(id)) groups.push([id]);
      else groups[groups.length - 1]?.push(id);
    }
    return groups;
  }
  const others = ids.filter((id) => !isCga(id));
  return (others.length > 0 ? others : [...ids]).map((id) => [id]);
}

/**
 * Reads a secdb document into advisory entries. A secfixes key that is not an APK version (real
 * data has `4.10-1-r1`) would sort anywhere as a fix: skipped with a warning, an error under `strict`.
 */
export function parseSecdb(doc: unknown, source: string, options: { readonly strict?: boolean } = {}): AdvisoryBatch {
  if (!isObject(doc) || !Array.isArray(doc.packages)) {
    throw new LupineError('SCAN_BAD_ADVISORY', `${source}: not a secdb document (no "packages" list)`, {
      details: { source },
      hint: 'a secdb is the JSON of packages.wolfi.dev/os/security.json or secdb.alpinelinux.org',
    });
  }
  const { distro, branch } = secdbDistro(doc);
  const entries: AdvisoryEntry[] = [];
  const warnings: string[] = [];
  const shown = `${source} (secdb)`;
  for (const [i, item] of doc.packages.entries()) {
    const pkg = isObject(item) && isObject(item.pkg) ? item.pkg : undefined;
    if (!pkg || typeof pkg.name !== 'string' || !isObject(pkg.secfixes)) {
      if (!(pkg && typeof pkg.name === 'string' && pkg.secfixes === undefined))
        warnings.push(`${source}: packages[${i}] has no pkg.name / pkg.secfixes; skipped`);
      continue;
    }
    for (const [version, list] of Object.entries(pkg.secfixes)) {
      if (!Array.isArray(list)) {
        warnings.push(`${source}: ${pkg.name} ${version}: the ids are not a list; skipped`);
        continue;
      }
      if (!isValidVersion(version) || version === '') {
        const what = `${source}: ${pkg.name}: secfixes key '${version}' (${secdbIds(list).join(' ')}) is not a valid APK version`;
        if (options.strict) {
          throw new LupineError('SCAN_BAD_ADVISORY', what, {
            details: { source, package: pkg.name, version },
            hint: 'fix the version in the secdb, or scan without --strict to skip the entry',
          });
        }
        warnings.push(`${what}; skipped (--strict fails instead)`);
        continue;
      }
      const nak = isNakVersion(version);
      for (const [id, ...aliases] of secdbGroups(secdbIds(list))) {
        if (id === undefined) continue;
        entries.push(
          advisoryEntry({
            id,
            aliases: aliases.sort(),
            package: pkg.name,
            distro,
            branch,
            state: nak ? 'not-affected' : 'fixed',
            fixed: nak ? '' : version,
            ...(nak ? { note: `the secdb lists it under "${version}": never affected` } : {}),
            source: shown,
          }),
        );
      }
    }
  }
  return { entries, aliasGroups: [], severities: new Map(), warnings, format: 'secdb' };
}
