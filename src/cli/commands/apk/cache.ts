/**
 * `apk cache clean|download|sync` over lupine's shared cache (apk-tools 2.14 `app_cache.c`):
 *   - download: fetch into the cache every package of world's solution that comes from a remote
 *     repository (each fetch verifies the package against its index entry);
 *   - clean: delete cached packages that are neither installed nor in a configured repository
 *     (with --purge: not installed), and indexes of repositories no longer configured;
 *   - sync: clean, then download.
 */
import { lstat, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SOLVER_LATEST, SOLVER_UPGRADE, solve } from '../../../resolver/index.js';
import type { ApkRun } from './applets.js';
import { has } from './args.js';
import { errorLine, message, printConflict } from './commit.js';
import { cacheDirOf, type RootState } from './root.js';

async function download(run: ApkRun, state: RootState): Promise<number> {
  let flags = 0;
  if (has(run.args, 'latest')) flags |= SOLVER_LATEST;
  if (has(run.args, 'upgrade')) flags |= SOLVER_UPGRADE;
  const solution = solve({
    world: state.world,
    repositories: state.repositories,
    installed: state.installed,
    installedTags: state.installedTags,
    flags,
    arch: state.arch,
  });
  if (!solution.ok) {
    printConflict(run.out, solution);
    return solution.conflict.errors;
  }
  let errors = 0;
  for (const p of solution.installed) {
    const fetch = state.fetchers[p.repository];
    // Local repositories are read in place, never cached (as apk does).
    if (!fetch || !/^https?:\/\//.test(state.repositories[p.repository]?.name ?? '')) continue;
    try {
      await fetch(p.pkg);
    } catch (err) {
      errorLine(run.out, `${p.pkg.name}-${p.pkg.version}: ${(err as Error).message}`);
      errors++;
    }
  }
  return errors;
}

async function clean(run: ApkRun, state: RootState, dir: string): Promise<number> {
  const { identityHex8, RepoCache } = await import('../../../repo/index.js');
  const cache = await RepoCache.open(dir);
  const keepIndexes = new Set<string>();
  for (const url of state.remoteIndexUrls) {
    const name = cache.indexFileName(url);
    keepIndexes.add(name);
    keepIndexes.add(name.replace(/\.tar\.gz$/, '.json'));
  }
  const fileOf = (p: { name: string; version: string; identity: string }) => {
    const hex = identityHex8(p.identity);
    return hex === undefined ? undefined : `${p.name}-${p.version}.${hex}.apk`;
  };
  const installed = new Set(state.installed.map(fileOf));
  const available = new Set(state.repositories.flatMap((r) => r.packages.map(fileOf)));
  const purge = has(run.args, 'purge');
  let errors = 0;
  for (const name of (await readdir(dir)).sort()) {
    // `packs/` holds lupine's parsed indexes (it keeps the newest few itself).
    if (name.startsWith('.') || name === 'installed' || name === 'packs') continue;
    if (name.endsWith('.apk')) {
      if (installed.has(name)) continue;
      if (!purge && available.has(name)) continue;
    } else if (keepIndexes.has(name)) continue;
    // apk unlinks and removes empty directories, never recursing: a directory with something in
    // it is not the cache's (a careless --cache-dir) and is left alone.
    const path = join(dir, name);
    const isDir = (await lstat(path).catch(() => undefined))?.isDirectory() === true;
    if (isDir && (await readdir(path)).length > 0) continue;
    if (run.out.verbosity >= 2) message(run.out, `deleting ${name}`);
    if (run.simulate) continue;
    try {
      await (isDir ? rmdir(path) : rm(path, { force: true }));
    } catch (err) {
      errorLine(run.out, `${name}: ${(err as Error).message}`);
      errors++;
    }
  }
  return errors;
}

export async function cacheApplet(run: ApkRun, state: RootState): Promise<number> {
  const [what, ...rest] = run.args.args;
  if (what === undefined || rest.length > 0 || !['clean', 'download', 'sync'].includes(what)) {
    errorLine(run.out, 'usage: apk cache [-l|-u] clean|download|sync');
    return 1;
  }
  const dir = await cacheDirOf(run.args, run.out.io);
  if (dir === undefined) {
    errorLine(run.out, 'Package cache is not enabled.');
    return 2;
  }
  let errors = 0;
  if (what === 'clean' || what === 'sync') errors += await clean(run, state, dir);
  if (what === 'download' || what === 'sync') errors += await download(run, state);
  return errors;
}
