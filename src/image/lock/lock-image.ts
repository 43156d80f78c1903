/**
 * `lupine image lock`: resolves every arch, fetches each package to measure its members, and
 * assembles the lock (apko's `LockCmd`).
 */
import type { ConfigSourceFile } from '../config/load.js';
import type { ResolvedImageConfig } from '../config/types.js';
import { buildLock, type LockArch, lockPackageEntry, parseRepoSpecs } from './build-lock.js';
import { type ImageSourceOptions, resolveImage } from './resolve.js';
import type { ApkoLock } from './types.js';

export interface LockImageOptions extends ImageSourceOptions {
  /** The config path as given on the command line (recorded as `config.name`). */
  readonly configName: string;
  /** apk arch names, in output order. */
  readonly archs: readonly string[];
}

export async function lockImage(
  loaded: { readonly config: ResolvedImageConfig; readonly files: readonly ConfigSourceFile[] },
  o: LockImageOptions,
): Promise<ApkoLock> {
  const config = loaded.config;
  const { keyring, archs: resolved } = await resolveImage(config, o.archs, o);
  const archs: LockArch[] = [];
  for (const r of resolved) {
    const arch = r.arch;
    const packages = [];
    for (const p of r.packages) {
      const bytes = await p.fetch();
      packages.push(
        lockPackageEntry(bytes, {
          name: p.info.name,
          version: p.info.version,
          architecture: p.info.arch || arch,
          url: p.url,
        }),
      );
    }
    archs.push({ arch, packages });
  }
  return buildLock({
    configName: o.configName,
    files: loaded.files,
    keyring: keyring.entries,
    buildRepositories: [...config.contents.buildRepositories, ...parseRepoSpecs(o.extraBuildRepositories)],
    runtimeRepositories: config.contents.runtimeRepositories,
    repositories: [...config.contents.repositories, ...parseRepoSpecs(o.extraRepositories)],
    archs,
  });
}
