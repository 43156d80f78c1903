/** Names, purls and download locations for the sources a package was built from. */
import type { PackageSource } from './inventory.js';
import { genericPurl, githubPurl, githubRepository } from './purl.js';
import type { SpdxChecksum } from './spdx-types.js';

export interface SourceFacts {
  readonly name: string;
  readonly version: string;
  /** SPDX downloadLocation (a URL, `git+<url>@<commit>`, or NOASSERTION). */
  readonly downloadLocation: string;
  readonly purl: string;
  readonly checksum?: SpdxChecksum;
}

const ARCHIVE = /\.(?:tar\.(?:gz|bz2|xz|zst|lz|lzma)|tgz|tbz2?|txz|zip|gem|crate|jar|whl)$/;

/** `sha256:<hex>` / `sha512:<hex>` / bare hex → an SPDX checksum. */
export function parseSourceChecksum(checksum: string): SpdxChecksum | undefined {
  const m = /^(?:(sha256|sha512):)?([0-9a-f]+)$/.exec(checksum.trim().toLowerCase());
  if (!m) return undefined;
  const hex = m[2] as string;
  const alg = m[1] ?? (hex.length === 64 ? 'sha256' : hex.length === 128 ? 'sha512' : '');
  if ((alg === 'sha256' && hex.length !== 64) || (alg === 'sha512' && hex.length !== 128) || alg === '')
    return undefined;
  return { algorithm: alg.toUpperCase(), checksumValue: hex };
}

function baseName(uri: string): string {
  const path = uri.replace(/[?#].*$/, '').replace(/\/+$/, '');
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The project name of an archive file name: `hello-2.12.tar.gz` (version 2.12) → `hello`. */
export function archiveProjectName(file: string, version: string): string {
  let name = file.replace(ARCHIVE, '');
  if (version !== '') {
    for (const suffix of [`-${version}`, `_${version}`, `-v${version}`, `.${version}`]) {
      if (name.endsWith(suffix) && name.length > suffix.length) {
        name = name.slice(0, -suffix.length);
        break;
      }
    }
  }
  return name === '' ? file : name;
}

/**
 * What to call a source in an SBOM. `version` is the upstream version of the package being built
 * (for fetched archives); `subpath` points at a file inside a git source (a recipe).
 */
export function sourcePackageFacts(src: PackageSource, version: string, subpath = ''): SourceFacts {
  if (src.kind === 'fetch') {
    const name = archiveProjectName(baseName(src.uri), version);
    const checksum = parseSourceChecksum(src.checksum);
    return {
      name,
      version,
      downloadLocation: src.uri === '' ? 'NOASSERTION' : src.uri,
      purl: genericPurl(name, version, {
        downloadUrl: src.uri,
        ...(checksum ? { checksum: `${checksum.algorithm.toLowerCase()}:${checksum.checksumValue}` } : {}),
      }),
      ...(checksum ? { checksum } : {}),
    };
  }
  const rev = src.tag || src.commit;
  const gh = githubRepository(src.repository);
  const name = gh ? gh.repo : baseName(src.repository).replace(/\.git$/, '') || 'source';
  const vcs = src.repository === '' ? '' : `${src.repository.startsWith('git+') ? '' : 'git+'}${src.repository}`;
  const downloadLocation =
    vcs === '' ? 'NOASSERTION' : `${vcs}${src.commit ? `@${src.commit}` : ''}${subpath ? `#${subpath}` : ''}`;
  const purl = gh
    ? githubPurl(gh.owner, gh.repo, src.commit || rev, subpath)
    : genericPurl(name, rev, { vcsUrl: vcs === '' ? '' : `${vcs}${src.commit ? `@${src.commit}` : ''}` });
  return { name, version: rev, downloadLocation, purl };
}
