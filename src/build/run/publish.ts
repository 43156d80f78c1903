/**
 * Writes built packages into `<out-dir>/<arch>/` and merges them into its `APKINDEX.tar.gz`, signed
 * when a key is given. Each file is written to a temporary name and renamed into place.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PackageInfo, readPackage, type SigningKey } from '../../apk/index.js';
import { acquireLock, mergeIndexes, readApkIndexArchive, writeApkIndexArchive } from '../../repo/index.js';
import type { PreparedPackage } from './outputs.js';
import type { BuiltPackage } from './types.js';

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

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
  await mkdir(dir, { recursive: true });
  const built: BuiltPackage[] = [];
  const records: PackageInfo[] = [];
  for (const p of packages) {
    const path = join(dir, `${p.name}-${p.version}.apk`);
    await writeAtomic(path, p.bytes);
    records.push(indexRecord(p.bytes, path));
    built.push({
      name: p.name,
      version: p.version,
      identity: p.identity,
      path,
      size: p.bytes.length,
      depends: p.depends,
      provides: p.provides,
    });
  }
  const indexPath = join(dir, 'APKINDEX.tar.gz');
  // Builds running side by side (a distro scheduler) merge into the same index one at a time.
  const lock = await acquireLock(join(dir, '.APKINDEX.lock'), { owner: { pid: 0 }, staleMs: 120_000 });
  try {
    await updateIndex(indexPath, records, signingKey);
  } finally {
    await lock.release();
  }
  return built;
}

async function updateIndex(indexPath: string, records: readonly PackageInfo[], signingKey?: SigningKey): Promise<void> {
  const existing = await readFile(indexPath).then(
    (b) => readApkIndexArchive(b, { source: indexPath, allowUntrusted: true }).packages,
    () => [] as PackageInfo[],
  );
  const index = writeApkIndexArchive(mergeIndexes(existing, records), {
    ...(signingKey ? { signingKey: signingKey.key, keyName: signingKey.keyName } : {}),
  });
  await writeAtomic(indexPath, index);
}
