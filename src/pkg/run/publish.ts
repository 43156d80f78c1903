/**
 * Writes built packages into `<out-dir>/<arch>/` and merges them into its `APKINDEX.tar.gz`, signed
 * when a key is given (the existing index must then be signed by that key: see `publishToRepository`).
 */
import { join } from 'node:path';
import { type PackageInfo, readPackage, type SigningKey } from '../../apk/index.js';
import { publishToRepository } from '../../repo/index.js';
import type { PreparedPackage } from './outputs.js';
import type { BuiltPackage } from './types.js';

/** The index record of a package (`C:` and `S:` filled in). */
export function indexRecord(bytes: Uint8Array, source: string): PackageInfo {
  const pkg = readPackage(bytes, { source });
  return { ...pkg.info, identity: pkg.identity, size: bytes.length };
}

export async function publishPackages(
  outDir: string,
  arch: string,
  packages: readonly PreparedPackage[],
  signingKey?: SigningKey,
): Promise<BuiltPackage[]> {
  const dir = join(outDir, arch);
  const built: BuiltPackage[] = [];
  const files = packages.map((p) => {
    const file = `${p.name}-${p.version}.apk`;
    const path = join(dir, file);
    built.push({
      name: p.name,
      version: p.version,
      identity: p.identity,
      path,
      size: p.bytes.length,
      depends: p.depends,
      provides: p.provides,
    });
    return { file, bytes: p.bytes, record: indexRecord(p.bytes, path) };
  });
  await publishToRepository(dir, files, signingKey ? { signingKey } : {});
  return built;
}
