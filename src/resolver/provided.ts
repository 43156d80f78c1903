import { type Dependency, dependencyMatches } from '../apk/index.js';
import type { Name, Pkg, Provider } from './model.js';

/** `apk_dep_is_provided`: does this provider (null = nothing chosen) satisfy the dependency? */
export function isProvided(dep: Dependency, p: Provider | null): boolean {
  if (p === null) return dep.conflict;
  return dependencyMatches(dep, true, p.version, p.pkg.identity);
}

export const DEP_IRRELEVANT = 1;
export const DEP_SATISFIES = 2;
export const DEP_CONFLICTS = 4;

/** `apk_dep_analyze`: how a dependency on some name relates to one package. */
export function analyzeDep(dep: Dependency, depName: Name, pkg: Pkg | null): number {
  if (pkg === null) return DEP_IRRELEVANT;
  if (depName === pkg.name) {
    return dependencyMatches(dep, true, pkg.version, pkg.identity) ? DEP_SATISFIES : DEP_CONFLICTS;
  }
  for (let j = 0, xs = pkg.provides; j < xs.length; j++) {
    const p = xs[j]!;
    if (p.name !== depName) continue;
    return isProvided(dep, { pkg, version: p.version }) ? DEP_SATISFIES : DEP_CONFLICTS;
  }
  return DEP_IRRELEVANT;
}

/**
 * Calls `cb(pkg0, dep)` for each dependency of a package that depends on `pkg` (through its name or
 * a name it provides) and whose relation matches `match`. `order` gives the order of a name's reverse
 * dependencies (apk's list order: load order, or name-hash order on a real root).
 */
export function forEachReverseDependency(
  pkg: Pkg,
  match: number,
  filter: (pkg0: Pkg) => boolean,
  cb: (pkg0: Pkg, depIndex: number) => void,
  order: (names: readonly Name[]) => readonly Name[] = (names) => names,
): void {
  const visit = (name: Name) => {
    for (let j = 0, xs = order(name.rdepends); j < xs.length; j++) {
      const name0 = xs[j]!;
      for (let j = 0, xs = name0.providers; j < xs.length; j++) {
        const p0 = xs[j]!;
        const pkg0 = p0.pkg;
        if (!filter(pkg0)) continue;
        pkg0.depends.forEach((d0, i) => {
          if (analyzeDep(d0.dep, d0.name, pkg) & match) cb(pkg0, i);
        });
      }
    }
  };
  visit(pkg.name);
  for (let j = 0, xs = pkg.provides; j < xs.length; j++) {
    const p = xs[j]!;
    visit(p.name);
  }
}
