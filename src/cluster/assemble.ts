/**
 * Puts packages pulled from the store into a repository directory (`<dir>/<arch>/`) and merges
 * them into its APKINDEX.tar.gz. With a signing key (the coordinator's), every package is signed
 * again with it and so is the index: workers never hold the key, the repository is still signed by
 * it. Files are written under a temporary name and renamed; the index merge holds the same lock as
 * `lupine pkg build`'s, so builds and pulls may run side by side.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type PackageInfo,
  packageSignatureMember,
  packageSignedRange,
  readPackage,
  type SigningKey,
} from '../apk/index.js';
import type { BuiltOutput } from '../distro/index.js';
import { acquireLock, mergeIndexes, readApkIndexArchive, writeApkIndexArchive } from '../repo/index.js';

export type RepoSigningKey = SigningKey;

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

/** An .apk signed with `key`, its signature member dated `mtime` (as the builder dates it). */
export function resignPackage(bytes: Buffer, key: RepoSigningKey, mtime: number): Buffer {
  const range = packageSignedRange(bytes);
  return Buffer.concat([
    packageSignatureMember(bytes.subarray(range.start, range.end), { key: key.key, keyName: key.keyName }, mtime),
    bytes.subarray(range.start),
  ]);
}

export interface PlacedPackage {
  readonly file: string;
  readonly bytes: Buffer;
}

/**
 * Writes the packages into `<dir>/<arch>/` and merges them into the index; returns them as the
 * scheduler records outputs (`path` relative to `dir`).
 */
export async function placePackages(
  dir: string,
  arch: string,
  packages: readonly PlacedPackage[],
  signing?: { readonly key: RepoSigningKey; readonly mtime: number },
): Promise<BuiltOutput[]> {
  const archDir = join(dir, arch);
  await mkdir(archDir, { recursive: true });
  const records: PackageInfo[] = [];
  const out: BuiltOutput[] = [];
  for (const p of packages) {
    const bytes = signing ? resignPackage(p.bytes, signing.key, signing.mtime) : p.bytes;
    const path = join(archDir, p.file);
    await writeAtomic(path, bytes);
    const pkg = readPackage(bytes, { source: path });
    records.push({ ...pkg.info, identity: pkg.identity, size: bytes.length });
    out.push({ name: pkg.info.name, version: pkg.info.version, identity: pkg.identity, path: join(arch, p.file) });
  }
  const indexPath = join(archDir, 'APKINDEX.tar.gz');
  const lock = await acquireLock(join(archDir, '.APKINDEX.lock'), { owner: { pid: 0 }, staleMs: 120_000 });
  try {
    const existing = await readFile(indexPath).then(
      (b) => readApkIndexArchive(b, { source: indexPath, allowUntrusted: true }).packages,
      () => [] as PackageInfo[],
    );
    const index = writeApkIndexArchive(mergeIndexes(existing, records), {
      ...(signing ? { signingKey: signing.key.key, keyName: signing.key.keyName } : {}),
    });
    await writeAtomic(indexPath, index);
  } finally {
    await lock.release();
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}
