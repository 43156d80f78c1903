/**
 * Puts packages pulled from the store into a repository directory (`<dir>/<arch>/`) and merges
 * them into its APKINDEX.tar.gz. With a signing key (the coordinator's), every package is signed
 * again with it and so is the index: workers never hold the key, the repository is still signed by
 * it. Files are written under a temporary name and renamed; the index merge holds the same lock as
 * `lupine pkg build`'s, so builds and pulls may run side by side.
 */
import { join } from 'node:path';
import { packageSignatureMember, packageSignedRange, readPackage, type SigningKey } from '../apk/index.js';
import { LupineError } from '../core/index.js';
import type { BuiltOutput } from '../distro/index.js';
import { publishToRepository } from '../repo/index.js';
import { checkFileName } from './job.js';

export type RepoSigningKey = SigningKey;

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

/** The recipe whose outputs are being placed: each package must be one it makes, at its version. */
export interface ExpectedOutputs {
  readonly recipe: string;
  readonly packages: readonly string[];
  readonly fullVersion: string;
  /** Where the packages came from (for the error). */
  readonly from: string;
}

/**
 * Writes the packages into `<dir>/<arch>/` and merges them into the index; returns them as the
 * scheduler records outputs (`path` relative to `dir`). With `expect`, a package the recipe does
 * not make (another name, another version: a store artifact retagged by whoever can push to it) is
 * refused before anything is written.
 */
export async function placePackages(
  dir: string,
  arch: string,
  packages: readonly PlacedPackage[],
  signing?: { readonly key: RepoSigningKey; readonly mtime: number },
  expect?: ExpectedOutputs,
): Promise<BuiltOutput[]> {
  const archDir = join(dir, arch);
  const out: BuiltOutput[] = [];
  const files = packages.map((p) => {
    checkFileName(p.file);
    const bytes = signing ? resignPackage(p.bytes, signing.key, signing.mtime) : p.bytes;
    const pkg = readPackage(bytes, { source: join(archDir, p.file) });
    if (expect) checkExpected(p.file, pkg.info, expect);
    out.push({ name: pkg.info.name, version: pkg.info.version, identity: pkg.identity, path: join(arch, p.file) });
    return { file: p.file, bytes, record: { ...pkg.info, identity: pkg.identity, size: bytes.length } };
  });
  await publishToRepository(archDir, files, signing ? { signingKey: signing.key } : {});
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

function checkExpected(file: string, info: { name: string; version: string }, e: ExpectedOutputs): void {
  const held = `${info.name}-${info.version}`;
  const made = e.packages.map((n) => `${n}-${e.fullVersion}`);
  if (made.includes(held) && file === `${held}.apk`) return;
  throw new LupineError(
    'CLUSTER_STORE_INVALID',
    `${e.from}: ${file} holds ${held}, but ${e.recipe} makes ${made.join(', ')}${made.includes(held) ? ` (as ${held}.apk)` : ''}`,
    {
      details: { recipe: e.recipe, package: info.name, version: info.version },
      hint: 'the artifact was not pushed by a worker building this recipe: check who can push to the store, and remove the tag',
    },
  );
}
