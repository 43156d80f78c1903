/** Facts about APK packages that both SBOM formats need: purls, hashes, suppliers, resolved depends. */
import type { InventoryPackage, OsInfo } from './inventory.js';
import { apkPurl } from './purl.js';

export function comparePlain(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Packages by name, then version, then arch (plain code-unit order, no locale). */
export function sortPackages(pkgs: readonly InventoryPackage[]): InventoryPackage[] {
  return [...pkgs].sort(
    (a, b) => comparePlain(a.name, b.name) || comparePlain(a.version, b.version) || comparePlain(a.arch, b.arch),
  );
}

export function purlForPackage(pkg: InventoryPackage, os: OsInfo): string {
  return apkPurl({
    osId: os.id,
    osVersionId: os.versionId,
    name: pkg.name,
    version: pkg.version,
    arch: pkg.arch,
    origin: pkg.origin,
  });
}

export function isSha256Hex(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}

export interface Supplier {
  readonly name: string;
  readonly email: string;
}

/** `Name <mail>` → name and mail ('' when absent); undefined for an empty or `unknown` maintainer. */
export function parseMaintainer(maintainer: string): Supplier | undefined {
  // melange writes `unknown` when a recipe names no maintainer.
  if (/^\s*unknown\s*$/i.test(maintainer)) return undefined;
  const m = /^\s*(.*?)\s*<([^>]*)>\s*$/.exec(maintainer);
  const name = (m ? (m[1] as string) : maintainer).trim();
  const email = m ? (m[2] as string).trim() : '';
  if (name === '' && email === '') return undefined;
  return { name: name === '' ? email : name, email };
}

/** The distribution's display name: NAME, else PRETTY_NAME, else the ID (undefined for 'unknown'). */
export function osDisplayName(os: OsInfo): string | undefined {
  if (os.name !== '') return os.name;
  if (os.prettyName !== '') return os.prettyName;
  return os.id === 'unknown' ? undefined : os.id;
}

/** Who supplies a package: its maintainer, else the image's supplier, else the distribution. */
export function packageSupplier(pkg: InventoryPackage, os: OsInfo, fallback?: string): Supplier | undefined {
  const m = parseMaintainer(pkg.maintainer);
  if (m) return m;
  const name = fallback ?? osDisplayName(os);
  return name === undefined ? undefined : { name, email: '' };
}

/** The name a `D:`/`p:` token is about (`!`, `@tag` and the version part removed); undefined for a conflict. */
export function dependencyName(token: string): string | undefined {
  if (token.startsWith('!')) return undefined;
  const op = token.search(/[<>=~]/);
  const nameTag = op >= 0 ? token.slice(0, op) : token;
  const name = nameTag.split('@')[0] ?? '';
  return name === '' ? undefined : name;
}

/**
 * For each package (by index into `pkgs`), the indexes of the present packages its `D:` entries
 * resolve to: the package of that name if present, else every present provider of that name.
 * Sorted, without duplicates or self-references.
 */
export function resolvedDependencies(pkgs: readonly InventoryPackage[]): number[][] {
  const byName = new Map<string, number>();
  const providers = new Map<string, number[]>();
  pkgs.forEach((p, i) => {
    if (!byName.has(p.name)) byName.set(p.name, i);
    for (const token of p.provides) {
      const name = dependencyName(token);
      if (name === undefined) continue;
      const list = providers.get(name) ?? [];
      list.push(i);
      providers.set(name, list);
    }
  });
  return pkgs.map((p, self) => {
    const out = new Set<number>();
    for (const token of p.depends) {
      const name = dependencyName(token);
      if (name === undefined) continue;
      const own = byName.get(name);
      const targets = own !== undefined ? [own] : (providers.get(name) ?? []);
      for (const t of targets) if (t !== self) out.add(t);
    }
    return [...out].sort((a, b) => a - b);
  });
}
