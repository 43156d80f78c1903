/**
 * Assembles an apko lock (pure): the config checksum, each package's member ranges and checksums
 * from its bytes, repositories per arch, keyring sorted by name — as apko's `lock` command writes them.
 */
import { createHash } from 'node:crypto';
import { readPackage } from '../../apk/index.js';
import { splitUrlCredentials } from '../../net/index.js';
import type { RepositorySpec } from '../config/types.js';
import type { ApkoLock, LockKeyring, LockPackage, LockRange, LockRepository } from './types.js';

/** `sha256-<b64>` over the config's bytes, then each include's (apko's "deep checksum"). */
export function configChecksum(files: readonly { readonly bytes: Uint8Array }[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(f.bytes);
  return `sha256-${h.digest('base64')}`;
}

/** `[@tag ]url` → a RepositorySpec (trailing `/` trimmed, as apko does). */
export function parseRepoSpec(raw: string): RepositorySpec {
  const m = /^@(\S+)\s+(.*)$/.exec(raw.trim());
  const tag = m ? (m[1] ?? null) : null;
  const split = splitUrlCredentials(m ? (m[2] ?? '') : raw.trim());
  const url = split.url.replace(/\/+$/, '');
  if (!split.credential) return { raw, tag, url };
  return { raw: tag === null ? split.url : `@${tag} ${split.url}`, tag, url, credential: split.credential };
}

export const parseRepoSpecs = (raws: readonly string[] = []): RepositorySpec[] => raws.map(parseRepoSpec);

/** apko's `stripURLScheme`: drops a leading `https://` and then `http://`. */
export function stripUrlScheme(url: string): string {
  return url.replace(/^https:\/\//, '').replace(/^http:\/\//, '');
}

/** The package URL apko records: the repository as written, `/<arch>/<name>-<version>.apk`. */
export function lockPackageUrl(repositoryUrl: string, arch: string, name: string, version: string): string {
  return `${repositoryUrl}/${arch}/${name}-${version}.apk`;
}

const digestRange = (algo: 'sha1' | 'sha256', bytes: Uint8Array, start: number, end: number): LockRange => ({
  range: `bytes=${start}-${end - 1}`,
  checksum: `${algo}-${createHash(algo).update(bytes.subarray(start, end)).digest('base64')}`,
});

export interface LockPackageInput {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  readonly url: string;
  /** Names the package in errors. */
  readonly source?: string;
}

/**
 * One `packages[]` entry from the .apk's bytes: the signature member (sha1), the control member
 * (sha1, which is also the identity) and the rest of the file (sha256, the `datahash`).
 */
export function lockPackageEntry(bytes: Uint8Array, p: LockPackageInput): LockPackage {
  const pkg = readPackage(bytes, { source: p.source ?? p.url });
  const m = pkg.members;
  const signature = m.signature
    ? digestRange('sha1', bytes, m.signature.start, m.signature.end)
    : { range: '', checksum: '' };
  return {
    name: p.name,
    url: p.url,
    version: p.version,
    architecture: p.architecture,
    signature,
    control: digestRange('sha1', bytes, m.control.start, m.control.end),
    data: digestRange('sha256', bytes, m.data.start, m.data.end),
    checksum: pkg.identity,
  };
}

/**
 * One repository entry for `arch`, as apko's `repoLock`: the name has the scheme stripped and then
 * the `@tag` removed (so a tagged https repository keeps its `https://` — apko does the same).
 */
export function lockRepositoryEntry(repo: RepositorySpec, arch: string): LockRepository {
  const uri = `${repo.url}/${arch}`;
  return {
    name: repo.tag === null ? stripUrlScheme(uri) : uri,
    url: `${uri}/APKINDEX.tar.gz`,
    architecture: arch,
  };
}

export interface LockArch {
  readonly arch: string;
  /** In install order. */
  readonly packages: readonly LockPackage[];
}

export interface BuildLockInput {
  /** The config path as given. */
  readonly configName: string;
  /** The config and its includes, as read. */
  readonly files: readonly { readonly bytes: Uint8Array }[];
  readonly keyring: readonly LockKeyring[];
  readonly buildRepositories: readonly RepositorySpec[];
  readonly runtimeRepositories: readonly RepositorySpec[];
  readonly repositories: readonly RepositorySpec[];
  /** In arch order. */
  readonly archs: readonly LockArch[];
}

export function buildLock(input: BuildLockInput): ApkoLock {
  const per = (specs: readonly RepositorySpec[]) =>
    input.archs.flatMap((a) => specs.map((r) => lockRepositoryEntry(r, a.arch)));
  return {
    version: 'v1',
    config: { name: input.configName, checksum: configChecksum(input.files) },
    contents: {
      keyring: [...input.keyring].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      build_repositories: per(input.buildRepositories),
      runtime_repositories: per(input.runtimeRepositories),
      repositories: per(input.repositories),
      packages: input.archs.flatMap((a) => a.packages),
    },
  };
}
