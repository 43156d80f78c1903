/** `apk del`'s note about names that stay installed because something in world still needs them. */
import { type Dependency, dependencyMatches, type PackageInfo, tryParseDependency } from '../../../apk/index.js';
import { type Change, IndentedWriter } from '../../../resolver/index.js';
import { message, type Output } from './commit.js';

/** The version under which `pkg` provides `name`; undefined when it does not, null when unversioned. */
function providedVersion(pkg: PackageInfo, name: string): string | null | undefined {
  if (pkg.name === name) return pkg.version;
  for (const s of pkg.provides) {
    const d = tryParseDependency(s);
    if (d && d.name === name) return d.version;
  }
  return undefined;
}

/** Whether the dependency text is satisfied by `pkg` (through its name or a provide). */
export function satisfiesDependency(depText: string, pkg: PackageInfo): boolean {
  const d = tryParseDependency(depText);
  if (!d || d.conflict) return false;
  const v = providedVersion(pkg, d.name);
  if (v === undefined) return false;
  return dependencyMatches(d, true, v, pkg.identity);
}

export function printNotDeleted(
  out: Output,
  changes: readonly Change[],
  world: readonly Dependency[],
  names: readonly string[],
): void {
  if (out.verbosity < 1) return;
  const marked = changes.flatMap((c) => (c.new ? [c.new] : []));
  const inWorld = new Set(world.map((d) => d.name));
  let header = false;
  let text = '';
  for (const name of [...new Set(names)].sort()) {
    const w = new IndentedWriter();
    let started = false;
    const visited = new Set<PackageInfo>();
    const visit = (pkg0: PackageInfo) => {
      if (!header) {
        message(out, 'World updated, but the following packages are not removed due to:');
        header = true;
      }
      if (!started) {
        w.group(`  ${name}:`);
        started = true;
      }
      if (inWorld.has(pkg0.name)) w.item(pkg0.name);
      for (const s of pkg0.provides) {
        const n = tryParseDependency(s)?.name;
        if (n !== undefined && inWorld.has(n)) w.item(n);
      }
      for (const p of marked) {
        if (visited.has(p) || !p.depends.some((d) => satisfiesDependency(d, pkg0))) continue;
        visited.add(p);
        visit(p);
      }
      for (const iif of pkg0.installIf) {
        const dn = tryParseDependency(iif)?.name;
        if (dn === undefined) continue;
        for (const p of marked) {
          if (providedVersion(p, dn) === undefined || visited.has(p)) continue;
          visited.add(p);
          visit(p);
        }
      }
    };
    for (const p of marked) if (providedVersion(p, name) !== undefined) visit(p);
    w.end();
    text += w.text();
  }
  if (header) out.io.stdout.write(`${text}\n`);
}
