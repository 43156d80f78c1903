/**
 * apko's install order (go-apk `GetPackagesWithDependencies`), over a set the solver already chose:
 * for each world entry in config order, its dependencies depth first — deeper before shallower, in
 * the order each package lists them — then the entry itself; each package once. Packages the solver
 * added that no world entry reaches (install_if) follow, by name, with their dependencies first.
 *
 * One apko quirk is not copied: apko skips a dependency that another *world* entry names (it is
 * "already selected"), which can put a package before its dependency; here dependencies always come first.
 */
import { type PackageInfo, tryParseDependency } from '../apk/index.js';

export function installOrder<T extends { readonly info: PackageInfo }>(
  world: readonly string[],
  chosen: readonly T[],
): T[] {
  const byName = new Map<string, T>();
  for (const c of chosen) byName.set(c.info.name, c);
  const byProvide = new Map<string, T>();
  for (const c of [...chosen].sort((a, b) => (a.info.name < b.info.name ? -1 : a.info.name > b.info.name ? 1 : 0))) {
    for (const p of c.info.provides) {
      const name = tryParseDependency(p)?.name;
      if (name && !byProvide.has(name)) byProvide.set(name, c);
    }
  }
  const find = (name: string) => byName.get(name) ?? byProvide.get(name);
  const out: T[] = [];
  const done = new Set<T>();
  const visiting = new Set<T>();
  const visit = (c: T) => {
    if (done.has(c) || visiting.has(c)) return;
    visiting.add(c);
    for (const d of c.info.depends) {
      const dep = tryParseDependency(d);
      if (!dep || dep.conflict) continue;
      const target = find(dep.name);
      if (target && target !== c) visit(target);
    }
    visiting.delete(c);
    done.add(c);
    out.push(c);
  };
  for (const w of world) {
    const dep = tryParseDependency(w);
    if (!dep || dep.conflict) continue;
    const c = find(dep.name);
    if (c) visit(c);
  }
  for (const c of [...chosen].sort((a, b) => (a.info.name < b.info.name ? -1 : a.info.name > b.info.name ? 1 : 0))) {
    visit(c);
  }
  return out;
}
