/**
 * A secdb (`security.json`) from advisory entries (pure), as `wolfictl advisory secdb` writes one: an
 * advisory whose latest event is `fixed` lists its id and aliases under the fixed version; a false
 * positive lists them under "0" (never affected); other states are not expressible and are left out.
 */
import type { AdvisoryEntry } from './advisory.js';
import { compareVersions } from '../apk/index.js';

export interface SecdbOptions {
  /** `reponame` (our own repository: `lupine`). */
  readonly reponame: string;
  readonly archs: readonly string[];
  /** `urlprefix`; '' when the repository has no public address. */
  readonly urlprefix?: string;
}

export function writeSecdb(entries: readonly AdvisoryEntry[], options: SecdbOptions): string {
  const byPackage = new Map<string, Map<string, Set<string>>>();
  for (const e of entries) {
    const version = e.state === 'fixed' ? e.fixed : e.state === 'not-affected' && e.scope === 'package' ? '0' : '';
    if (version === '') continue;
    let versions = byPackage.get(e.package);
    if (!versions) {
      versions = new Map();
      byPackage.set(e.package, versions);
    }
    let ids = versions.get(version);
    if (!ids) {
      ids = new Set();
      versions.set(version, ids);
    }
    ids.add(e.id);
    for (const a of e.aliases) ids.add(a);
  }
  const packages = [...byPackage.keys()].sort().map((name) => {
    const versions = byPackage.get(name) as Map<string, Set<string>>;
    const keys = [...versions.keys()].sort((a, b) => (a === '0' ? -1 : b === '0' ? 1 : compareVersions(a, b)));
    // A fixed version's list starts with the advisory's own id, then its aliases (wolfictl's order).
    return { pkg: { name, secfixes: Object.fromEntries(keys.map((k) => [k, [...(versions.get(k) as Set<string>)]])) } };
  });
  const doc = {
    apkurl: '{{urlprefix}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk',
    archs: [...options.archs].sort(),
    reponame: options.reponame,
    urlprefix: options.urlprefix ?? '',
    packages,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
