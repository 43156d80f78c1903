import { emptyPackageInfo, type PackageInfo, parseDependencyList } from '../../../src/apk/index.js';
import { type RepositoryInput, type Solution, type SolveInput, solve } from '../../../src/resolver/index.js';

/** A package record: `pkg('a', '1', { D: 'b c', p: 'x=1', i: 'y z', k: 10 })`. */
export function pkg(
  name: string,
  version: string,
  f: { D?: string; p?: string; i?: string; k?: number } = {},
): PackageInfo {
  const p = emptyPackageInfo(name, version);
  p.identity = `Q1${Buffer.from(`${name}-${version}`).toString('base64')}`;
  p.size = 1;
  p.installedSize = 1;
  if (f.D) p.depends = f.D.split(' ');
  if (f.p) p.provides = f.p.split(' ');
  if (f.i) p.installIf = f.i.split(' ');
  if (f.k) p.providerPriority = f.k;
  return p;
}

export function repo(packages: PackageInfo[], tag?: string): RepositoryInput {
  return tag ? { packages, tag } : { packages };
}

/** Solves and summarizes the changeset as apk prints it: `install b-2`, `upgrade a 1->2`. */
export function run(input: Omit<SolveInput, 'world'> & { world: string }): { solution: Solution; steps: string[] } {
  const solution = solve({ ...input, world: parseDependencyList(input.world) });
  const steps = solution.changes
    .filter((c) => c.kind !== 'none')
    .map((c) => {
      const tag = c.newTag ? `@${c.newTag}` : '';
      if (c.kind === 'install' || c.kind === 'reinstall') return `${c.kind} ${c.name}${tag}-${c.new?.version}`;
      if (c.kind === 'remove') return `remove ${c.name}-${c.old?.version}`;
      return `${c.kind} ${c.name}${tag} ${c.old?.version}->${c.new?.version}`;
    });
  return { solution, steps };
}
