/** Licenses of installed packages counted by SPDX id (pure). */
import { knownLicenseId, type LicenseNode, parseLicenseExpression } from '../sbom/index.js';
import type { LicenseCount } from './facts.js';

/** The license ids one `L:` field names: each leaf of its expression, else the whole text. */
export function licenseIds(text: string): { license: string; spdx: boolean }[] {
  const raw = text.trim();
  if (raw === '') return [{ license: 'NOASSERTION', spdx: false }];
  const tree = parseLicenseExpression(raw);
  if (!tree) return [{ license: raw, spdx: false }];
  const out: { license: string; spdx: boolean }[] = [];
  const walk = (n: LicenseNode): void => {
    if (n.kind === 'and' || n.kind === 'or') {
      walk(n.left);
      walk(n.right);
    } else if (n.kind === 'ref') out.push({ license: n.ref, spdx: true });
    else if (n.kind === 'license') {
      const id = knownLicenseId(n.id);
      out.push(
        id === undefined ? { license: n.id, spdx: false } : { license: `${id}${n.plus ? '+' : ''}`, spdx: true },
      );
    }
  };
  walk(tree);
  return out;
}

/** How many packages name each license (a package counts once per license); most first, then by name. */
export function countLicenses(fields: readonly string[]): LicenseCount[] {
  const counts = new Map<string, { spdx: boolean; packages: number }>();
  for (const field of fields) {
    const seen = new Set<string>();
    for (const { license, spdx } of licenseIds(field)) {
      if (seen.has(license)) continue;
      seen.add(license);
      const c = counts.get(license) ?? { spdx, packages: 0 };
      c.packages++;
      counts.set(license, c);
    }
  }
  return [...counts]
    .map(([license, c]) => ({ license, spdx: c.spdx, packages: c.packages }))
    .sort((a, b) => b.packages - a.packages || (a.license < b.license ? -1 : a.license > b.license ? 1 : 0));
}
