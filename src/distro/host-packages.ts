/**
 * What a stage-0 recipe imports from the host, as the host has it now: `name=version` of each
 * Debian package its `vars.debian-packages` names, from dpkg-query. Part of the recipe's inputs, so
 * that an upgraded host package makes `distro build` rebuild the recipe (whose own check then says
 * exactly what changed) instead of calling it up to date.
 */
import { execFile } from 'node:child_process';
import type { CompiledRecipe } from '../pkg/index.js';

export const HOST_PACKAGES_VAR = 'debian-packages';

/** The package names of a `name=version …` list. */
export function hostPackageNames(spec: string): string[] {
  return spec
    .split(/\s+/)
    .filter((s) => s !== '')
    .map((s) => s.split('=')[0] as string)
    .sort();
}

/** `name=version` lines of the named packages as installed ('' when the recipe names none). */
export async function installedHostPackages(recipe: CompiledRecipe): Promise<string> {
  const names = hostPackageNames(recipe.vars[HOST_PACKAGES_VAR] ?? '');
  if (names.length === 0) return '';
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
  const format = '${Package}=${Version}\\n';
  return new Promise((resolve) => {
    execFile('dpkg-query', ['-W', '-f', format, ...names], (err, stdout) => {
      // dpkg-query exits 1 when a package is missing; what it printed still counts.
      const lines = String(stdout ?? '')
        .split('\n')
        .filter((l) => l !== '')
        .sort();
      resolve(lines.length > 0 || !err ? lines.join(' ') : `dpkg-query failed: ${err.message.split('\n')[0]}`);
    });
  });
}
