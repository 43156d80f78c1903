/**
 * Two test images built with lupine's own OCI builders, the way the talk compares them: a "fat" image
 * (two layers, an installed database of many packages, busybox with /bin/sh, bash, runs as root) and a
 * "minimal" one (one layer, three packages, no shell, nonroot), with advisory fixtures (a Wolfi secdb
 * and one OSV record) under which the fat image has exactly the findings in FAT_EXPECTED and the
 * minimal one none.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { type TarWriteEntry, writeTar } from '../../../src/archive/index.js';
import {
  buildImageConfig,
  buildManifest,
  buildOciArchive,
  type ContainerConfig,
  encodeIndex,
  layerDescriptor,
  layerFromTar,
  makeIndex,
  OCI_LAYOUT_FILE,
  platformFor,
  writeLayout,
} from '../../../src/oci/index.js';

const file = (name: string, data: string | Buffer): TarWriteEntry => ({
  name,
  type: 'file',
  mode: 0o644,
  mtime: 0,
  data: Buffer.from(data),
});
const link = (name: string, linkname: string): TarWriteEntry => ({
  name,
  type: 'symlink',
  mode: 0o777,
  mtime: 0,
  linkname,
});
const dir = (name: string): TarWriteEntry => ({ name: `${name}/`, type: 'dir', mode: 0o755, mtime: 0 });

/** `n` bytes that do not compress (SHA-256 in counter mode), the same on every run. */
function noise(n: number, seed: string): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0, off = 0; off < n; i++, off += 32) createHash('sha256').update(`${seed}/${i}`).digest().copy(out, off);
  return out;
}

export const HOSTILE_PACKAGE = '<script>alert("pkg")</script>';

interface Pkg {
  readonly name: string;
  readonly version: string;
  readonly origin?: string;
  readonly license: string;
}

/** The fat image's packages: the vulnerable ones, a hostile name, and 34 libraries. */
export const FAT_PACKAGES: readonly Pkg[] = [
  { name: 'busybox', version: '1.36.1-r0', license: 'GPL-2.0-only' },
  { name: 'bash', version: '5.2.21-r0', license: 'GPL-3.0-or-later' },
  { name: 'openssl', version: '3.1.0-r0', license: 'Apache-2.0' },
  { name: 'libfoo-dev', version: '1.4.2-r0', origin: 'libfoo', license: 'MIT' },
  { name: 'curl', version: '8.4.0-r0', license: 'curl' },
  { name: HOSTILE_PACKAGE, version: '1.0-r0', license: '<script>alert("license")</script>' },
  ...Array.from({ length: 34 }, (_, i) => ({
    name: `lib${String(i).padStart(2, '0')}`,
    version: '1.0-r0',
    license: ['MIT', 'Apache-2.0', 'GPL-2.0-or-later AND MIT'][i % 3] as string,
  })),
];

export const MINIMAL_PACKAGES: readonly Pkg[] = [
  { name: 'wolfi-baselayout', version: '20230201-r7', license: 'MIT' },
  { name: 'ca-certificates-bundle', version: '20240315-r0', license: 'MPL-2.0 AND MIT' },
  { name: 'tzdata', version: '2024a-r0', license: 'CC-PDDC' },
];

function installedDb(packages: readonly Pkg[], arch: string): string {
  return packages
    .map((p) => `P:${p.name}\nV:${p.version}\nA:${arch}\n${p.origin ? `o:${p.origin}\n` : ''}L:${p.license}\n\n`)
    .join('');
}

const osRelease = (pretty: string) => `ID=wolfi\nNAME="Wolfi"\nPRETTY_NAME="${pretty}"\nVERSION_ID=20230201\n`;
const PASSWD =
  'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/false\n';

/** One image's layers (uncompressed tars) and config, and the unpacked size the report must find. */
export interface TestImage {
  readonly layers: readonly Buffer[];
  readonly config: ContainerConfig;
  readonly unpackedSize: number;
}

export function fatImage(arch: string): TestImage {
  const db = installedDb(FAT_PACKAGES, arch);
  const os = osRelease('Wolfi (fat test image)');
  const lower = writeTar(
    [
      dir('bin'),
      file('bin/busybox', noise(200_000, 'busybox')),
      link('bin/sh', 'busybox'),
      file('bin/bash', noise(90_000, 'bash')),
      dir('etc'),
      file('etc/os-release', os),
      file('etc/passwd', PASSWD),
      dir('lib'),
      dir('lib/apk'),
      dir('lib/apk/db'),
      file('lib/apk/db/installed', db),
      dir('var'),
      dir('var/cache'),
      file('var/cache/huge.bin', noise(500_000, 'cache')),
    ],
    { dialect: 'ustar' },
  );
  const upper = writeTar(
    [
      dir('var/cache'),
      file('var/cache/.wh.huge.bin', ''),
      dir('usr'),
      dir('usr/share'),
      file('usr/share/app.js', 'x'.repeat(12_345)),
    ],
    { dialect: 'ustar' },
  );
  const unpackedSize = 200_000 + 90_000 + os.length + PASSWD.length + Buffer.byteLength(db) + 12_345;
  return {
    layers: [lower, upper],
    config: { Entrypoint: ['/bin/sh', '-c'], Cmd: ['node /usr/share/app.js'] },
    unpackedSize,
  };
}

export function minimalImage(arch: string): TestImage {
  const db = installedDb(MINIMAL_PACKAGES, arch);
  const os = osRelease('Wolfi (minimal test image)');
  const layer = writeTar(
    [
      dir('etc'),
      file('etc/os-release', os),
      file('etc/passwd', PASSWD),
      dir('usr'),
      dir('usr/bin'),
      file('usr/bin/server', noise(40_000, 'server')),
      dir('usr/lib'),
      dir('usr/lib/apk'),
      dir('usr/lib/apk/db'),
      file('usr/lib/apk/db/installed', db),
      dir('lib'),
      link('lib/apk', '../usr/lib/apk'),
    ],
    { dialect: 'ustar' },
  );
  return {
    layers: [layer],
    config: { User: '65532', Entrypoint: ['/usr/bin/server'] },
    unpackedSize: os.length + PASSWD.length + 40_000 + Buffer.byteLength(db),
  };
}

/** Blobs and index of a one-platform image, and its compressed size (manifest + config + layers). */
export async function buildImage(
  image: TestImage,
  arch: string,
): Promise<{ blobs: Buffer[]; indexJson: Buffer; index: ReturnType<typeof makeIndex>; compressedSize: number }> {
  const layers = await Promise.all(image.layers.map((t) => layerFromTar(t)));
  const platform = platformFor(arch);
  const config = buildImageConfig({
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    config: image.config,
  });
  const manifest = buildManifest({ config: config.descriptor, layers: layers.map((l) => layerDescriptor(l)) });
  const blobs = [...layers.map((l) => l.blob), config.bytes, manifest.bytes];
  const index = makeIndex({ manifests: [{ ...manifest.descriptor, platform }] });
  const compressedSize = blobs.reduce((n, b) => n + b.length, 0);
  return { blobs, index, indexJson: encodeIndex(index), compressedSize };
}

/** Writes the image as an OCI layout; returns its compressed size. */
export async function writeImageLayout(path: string, image: TestImage, arch: string): Promise<number> {
  const built = await buildImage(image, arch);
  await writeLayout(path, { blobs: built.blobs.map((bytes) => ({ bytes })), index: built.index });
  return built.compressedSize;
}

/** Writes the image as an oci-archive; returns its compressed size. */
export async function writeImageArchive(path: string, image: TestImage, arch: string): Promise<number> {
  const built = await buildImage(image, arch);
  writeFileSync(path, buildOciArchive({ ociLayout: OCI_LAYOUT_FILE, indexJson: built.indexJson, blobs: built.blobs }));
  return built.compressedSize;
}

const range = (fixed: string) => [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }];

/** Advisory files (name → text): a Wolfi secdb and one OSV record with a CVSS v3 vector (High). */
export function advisoryFiles(): Record<string, string> {
  const secdb = {
    urlprefix: 'https://packages.wolfi.dev',
    reponame: 'os',
    archs: ['x86_64', 'aarch64'],
    apkurl: '{{urlprefix}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk',
    packages: [
      { pkg: { name: 'openssl', secfixes: { '3.1.2-r1': ['CVE-2024-0001', 'CVE-2024-0002'] } } },
      { pkg: { name: 'busybox', secfixes: { '1.36.1-r5': ['CVE-2024-7777'] } } },
      { pkg: { name: 'libfoo', secfixes: { '1.4.2-r1': ['CVE-2024-1111'] } } },
      { pkg: { name: 'bash', secfixes: { '0': ['CVE-2024-9999'] } } },
      { pkg: { name: 'ca-certificates-bundle', secfixes: { '20230506-r0': ['CVE-2023-0001'] } } },
      { pkg: { name: 'tzdata', secfixes: { '0': ['CVE-2023-0002'] } } },
    ],
  };
  const osv = {
    id: 'CGA-5555-5555-5555',
    modified: '2024-05-02T09:00:00Z',
    aliases: ['CVE-2024-5555'],
    summary: 'curl: a test vulnerability',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }],
    affected: [{ package: { ecosystem: 'Wolfi', name: 'curl' }, ranges: range('8.5.0-r0') }],
  };
  return {
    'security.json': `${JSON.stringify(secdb, null, 2)}\n`,
    'osv/CGA-5555-5555-5555.json': `${JSON.stringify(osv, null, 2)}\n`,
  };
}

/** What the fat image's scan finds: openssl ×2, busybox, libfoo-dev (through its origin), curl (High). */
export const FAT_EXPECTED = {
  findings: 5,
  vulnerabilities: 5,
  fixable: 5,
  bySeverity: { Critical: 0, High: 1, Medium: 0, Low: 0, Negligible: 0, Unknown: 4 },
  ids: ['CVE-2024-0001', 'CVE-2024-0002', 'CVE-2024-1111', 'CVE-2024-5555', 'CVE-2024-7777'],
};
