/**
 * Using a lock file for a build (`build --lockfile`): the locked set of one arch, each package
 * checked against the lock's ranges and checksums when fetched, and a check that the config is
 * still the one the lock was made from.
 */
import { dependencyMatches, parseDependency } from '../../apk/index.js';
import { LupineError } from '../../core/index.js';
import type { LockedPackage } from '../../install/index.js';
import type { ConfigSourceFile } from '../config/load.js';
import type { ResolvedImageConfig } from '../config/types.js';
import { configChecksum, lockPackageEntry } from './build-lock.js';
import { imageWorld } from './resolve.js';
import type { ApkoLock, LockPackage } from './types.js';

/** Reads a package URL as written in the lock (relative paths are the caller's business). */
export type LockFetch = (url: string) => Promise<Uint8Array>;

/** Checks downloaded bytes against the lock entry; throws IMAGE_LOCK_MISMATCH naming the member. */
export function verifyLockedBytes(bytes: Uint8Array, p: LockPackage): void {
  const got = lockPackageEntry(bytes, {
    name: p.name,
    version: p.version,
    architecture: p.architecture,
    url: p.url,
  });
  const parts: [string, string, string][] = [
    ['checksum', got.checksum, p.checksum],
    ['control', `${got.control.range} ${got.control.checksum}`, `${p.control.range} ${p.control.checksum}`],
    ['data', `${got.data.range} ${got.data.checksum}`, `${p.data.range} ${p.data.checksum}`],
  ];
  if (p.signature.checksum !== '') {
    parts.push([
      'signature',
      `${got.signature.range} ${got.signature.checksum}`,
      `${p.signature.range} ${p.signature.checksum}`,
    ]);
  }
  for (const [what, actual, expected] of parts) {
    if (p.checksum === '' && what === 'checksum') continue;
    if (expected.trim() === '' && what !== 'checksum') continue;
    if (actual !== expected) {
      throw new LupineError('IMAGE_LOCK_MISMATCH', `${p.url}: the ${what} does not match the lock file`, {
        details: { package: `${p.name}-${p.version}`, url: p.url, member: what, expected, actual },
        hint: 'the repository now serves different bytes for this version; regenerate the lock if that is expected',
      });
    }
  }
}

/**
 * The packages the lock pins for `arch` (apk name), in the lock's install order, as the installer
 * takes them. Each `fetch()` reads the lock's URL through `fetch` and checks the bytes against the lock.
 * Throws IMAGE_LOCK_STALE when the lock has no package for `arch`.
 */
export function lockedSetFromLock(lock: ApkoLock, arch: string, fetch: LockFetch): LockedPackage[] {
  const pkgs = lock.contents.packages.filter((p) => p.architecture === arch);
  if (pkgs.length === 0) {
    const have = [...new Set(lock.contents.packages.map((p) => p.architecture))];
    throw new LupineError('IMAGE_LOCK_STALE', `the lock file has no packages for ${arch}`, {
      details: { arch, locked: have },
      hint: `lock for every arch you build: lupine image lock CONFIG${have.length ? ` (the lock has ${have.join(', ')})` : ''}`,
    });
  }
  return pkgs.map((p) => ({
    name: p.name,
    version: p.version,
    identity: p.checksum,
    arch: p.architecture,
    repository: p.url.replace(/\/[^/]*$/, ''),
    fetch: async () => {
      const bytes = await fetch(p.url);
      verifyLockedBytes(bytes, p);
      return bytes;
    },
  }));
}

export interface LockCheck {
  /** Things worth a warning (apko warns when the lock has no config checksum). */
  readonly warnings: readonly string[];
}

/**
 * Checks that `lock` still fits the config: the config checksum (over the config and its includes)
 * must equal the lock's, every arch must be locked, and every package the config asks for must be
 * in each arch's locked set at a version the constraint allows. Throws IMAGE_LOCK_STALE otherwise.
 */
export function checkLockMatches(
  config: { readonly config: ResolvedImageConfig; readonly files: readonly ConfigSourceFile[] },
  lock: ApkoLock,
  archs: readonly string[] = config.config.archs,
): LockCheck {
  const warnings: string[] = [];
  const stale = (msg: string, details: Record<string, unknown>) =>
    new LupineError('IMAGE_LOCK_STALE', msg, {
      details,
      hint: 'the config changed since the lock was made: run `lupine image lock CONFIG` again',
    });
  const want = lock.config?.checksum ?? '';
  if (want === '') {
    warnings.push('the lock file has no config checksum; cannot tell whether the config changed since');
  } else {
    const got = configChecksum(config.files);
    if (got !== want) {
      throw stale(`the config (${config.files.map((f) => f.path).join(', ')}) does not match the lock file`, {
        expected: want,
        actual: got,
      });
    }
  }
  for (const arch of archs) {
    const locked = lock.contents.packages.filter((p) => p.architecture === arch);
    if (locked.length === 0) throw stale(`the lock file has no packages for ${arch}`, { arch });
    for (const raw of imageWorld(config.config)) {
      const dep = parseDependency(raw);
      if (dep.conflict) {
        if (locked.some((p) => p.name === dep.name)) {
          throw stale(`${dep.name} is excluded by the config but locked for ${arch}`, { arch, package: dep.name });
        }
        continue;
      }
      const p = locked.find((l) => l.name === dep.name);
      if (!p) {
        // A virtual name (e.g. `so:libc.so.6`) is satisfied by a provider the lock cannot name; only
        // real names are checked.
        if (dep.name.includes(':')) continue;
        throw stale(`${raw} is in the config but not in the lock file for ${arch}`, { arch, package: raw });
      }
      if (!dependencyMatches(dep, true, p.version, p.checksum)) {
        throw stale(`${raw} is in the config but ${p.name}-${p.version} is locked for ${arch}`, {
          arch,
          package: raw,
          locked: p.version,
        });
      }
    }
  }
  return { warnings };
}
