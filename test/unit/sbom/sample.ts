/** Sample inventories for the SBOM tests, built from the real vectors. */
import { readFileSync } from 'node:fs';
import { readGzipMembers, readTar } from '../../../src/archive/index.js';
import { sha256Hex } from '../../../src/core/index.js';
import {
  type ImageIndexInventory,
  type ImageInventory,
  type InventoryPackage,
  inventoryFromInstalled,
  type PackageInventory,
  type SbomOptions,
} from '../../../src/sbom/index.js';
import { vector } from '../../helpers/paths.js';

export const OPTS: SbomOptions = { created: 1700000000, toolName: 'lupine', toolVersion: '0.1.0' };

export const ALPINE_OS_RELEASE = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.16.0
PRETTY_NAME="Alpine Linux v3.16"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
`;

export const PRETEND_SBOM_PATH = 'var/lib/db/sbom/pretend-baselayout-1.0.0-r0.spdx.json';

/** A file from the data member of an .apk (the last gzip member), read with lupine's own archive code. */
export function apkDataFile(apkPath: string, path: string): string {
  const members = readGzipMembers(readFileSync(apkPath));
  const data = members[members.length - 1]?.data;
  if (!data) throw new Error(`${apkPath}: no gzip members`);
  const item = readTar(data).items.find((i) => i.entry.name === path);
  if (!item) throw new Error(`${apkPath}: no ${path}`);
  return item.data.toString('utf8');
}

/** The embedded melange SBOM of pretend-baselayout (text). */
export function pretendSbomText(): string {
  return apkDataFile(vector('apk', 'pretend-baselayout-1.0.0-r0.apk'), PRETEND_SBOM_PATH);
}

/** pretend-baselayout as installed (its .PKGINFO fields), with its embedded SBOM. */
export function pretendBaselayout(): InventoryPackage {
  return {
    name: 'pretend-baselayout',
    version: '1.0.0-r0',
    arch: 'x86_64',
    origin: 'pretend-baselayout',
    license: 'MIT',
    identity: 'Q1m6wB0UFePGN8Drz82pC8y2uAiu8=',
    datahash: '72405aa6c68cbb910e6ff7b8122d6cda5ffe7593046a61e15266a827cc9e6708',
    maintainer: 'unknown',
    url: '',
    description: 'replacement baselayout',
    commit: '326e0ed687bdfeadac839dc9b25686e4442c9d04',
    depends: [],
    provides: [],
    embeddedSpdx: JSON.parse(pretendSbomText()) as unknown,
  };
}

/** The 14 packages of the real Alpine 3.16 installed database, plus pretend-baselayout with its SBOM. */
export function samplePackages(): InventoryPackage[] {
  const db = readFileSync(vector('apk', 'db', 'installed'), 'utf8');
  const { packages } = inventoryFromInstalled(db, ALPINE_OS_RELEASE);
  return [...packages, pretendBaselayout()];
}

export function fakeDigest(seed: string): string {
  return `sha256:${sha256Hex(seed)}`;
}

export function sampleImage(seed = 'image', arch = 'arm64'): ImageInventory {
  const { os } = inventoryFromInstalled('', ALPINE_OS_RELEASE);
  return {
    kind: 'image',
    location: { name: 'sample', repositoryUrl: 'registry.example.dev/lupine/sample', tag: 'latest' },
    digest: fakeDigest(`${seed}:${arch}`),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    platform: { os: 'linux', architecture: arch },
    layers: [{ digest: fakeDigest(`${seed}:${arch}:layer`), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
    os,
    packages: samplePackages(),
    source: { url: 'https://github.com/example/images', commit: 'd1b5d5ec7633ad7288e5841b38fc8103a9773436' },
  };
}

export function sampleIndex(): ImageIndexInventory {
  return {
    kind: 'index',
    location: { name: 'sample', repositoryUrl: 'registry.example.dev/lupine/sample', tag: 'latest' },
    digest: fakeDigest('index'),
    mediaType: 'application/vnd.oci.image.index.v1+json',
    images: [sampleImage('image', 'amd64'), sampleImage('image', 'arm64')],
  };
}

export function samplePackage(): PackageInventory {
  const { os } = inventoryFromInstalled('', 'ID=wolfi\nVERSION_ID=20230201\nNAME="Wolfi"\n');
  return {
    kind: 'package',
    package: {
      name: 'hello',
      version: '2.12.1-r3',
      arch: 'x86_64',
      origin: 'hello',
      license: 'GPL-3.0-or-later',
      identity: 'Q1DNWZeWkviN7MJedLpYM8yBvmnGM=',
      datahash: sha256Hex('hello data'),
      maintainer: '',
      url: 'https://www.gnu.org/software/hello/',
      description: 'the GNU hello world program',
      commit: '8190a165',
      depends: ['so:libc.so.6'],
      provides: ['cmd:hello=2.12.1-r3'],
    },
    os,
    sources: [
      {
        kind: 'fetch',
        uri: 'https://ftp.gnu.org/gnu/hello/hello-2.12.1.tar.gz',
        checksum: `sha256:${sha256Hex('hello tarball')}`,
      },
      { kind: 'git', repository: 'https://github.com/example/hello-patches', commit: 'a'.repeat(40), tag: 'v1.0.0' },
    ],
    recipe: { path: 'hello.yaml', repository: 'https://github.com/wolfi-dev/os', commit: 'b'.repeat(40) },
  };
}
