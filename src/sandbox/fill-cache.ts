import type { Keyring } from '../apk/index.js';
import { type Limits, LupineError } from '../core/index.js';
import { type LockedPackage, readVerifiedPackage } from '../install/index.js';
import type { PackageKey } from './guest-plan.js';
import type { ExpandedPackageCache } from './package-cache.js';

export interface FillOptions {
  /** Trusted keys, for packages without an identity (local files). */
  readonly keyring?: Keyring;
  readonly allowUntrusted?: boolean;
  readonly limits?: Limits;
}

export interface FillResult {
  /** The keys of `locked`, in order: what `assembleGuest` takes. */
  readonly packages: PackageKey[];
  /** How many were fetched and expanded now (the rest were in the cache). */
  readonly filled: number;
}

/**
 * Makes sure every package of a resolver's locked set is in the expanded-package cache. A package
 * whose identity (`C:`) is known and cached is not fetched at all; the others are fetched,
 * verified as the installer verifies them (identity or signature, datahash, per-file SHA-1) and
 * expanded. Packages are filled one at a time, in order.
 */
export async function fillFromLocked(
  cache: ExpandedPackageCache,
  locked: readonly LockedPackage[],
  options: FillOptions = {},
): Promise<FillResult> {
  const packages: PackageKey[] = [];
  let filled = 0;
  for (const p of locked) {
    if (p.identity !== '') {
      const key = { name: p.name, version: p.version, identity: p.identity };
      if (await cache.lookup(key)) {
        packages.push(key);
        continue;
      }
    }
    const contents = readVerifiedPackage(await p.fetch(), {
      keyring: options.keyring ?? new Map(),
      ...(p.identity !== '' ? { expectedIdentity: p.identity } : {}),
      allowUntrusted: options.allowUntrusted ?? false,
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
      source: `${p.name}-${p.version}`,
    });
    if (contents.info.name !== p.name || contents.info.version !== p.version) {
      throw new LupineError(
        'APK_BAD_IDENTITY',
        `${p.repository}: expected ${p.name}-${p.version}, got ${contents.info.name}-${contents.info.version}`,
        { details: { expected: `${p.name}-${p.version}`, actual: `${contents.info.name}-${contents.info.version}` } },
      );
    }
    const hit = await cache.putContents(contents);
    packages.push(hit.key);
    filled++;
  }
  return { packages, filled };
}
