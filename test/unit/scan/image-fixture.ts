/**
 * Test images and roots built with lupine itself: an installed database and os-release written into
 * layer tars (with a stale database whited out by the upper layer, and os-release reached through a
 * symlink), turned into an OCI layout with the src/oci builders.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type TarWriteEntry, writeTar } from '../../../src/archive/index.js';
import {
  buildImageConfig,
  buildManifest,
  buildOciArchive,
  type Descriptor,
  encodeIndex,
  type ImageIndex,
  layerDescriptor,
  layerFromTar,
  makeIndex,
  OCI_LAYOUT_FILE,
  platformFor,
  writeLayout,
} from '../../../src/oci/index.js';
import { installedDb, OS_RELEASE } from './fixtures.js';

const file = (name: string, text: string): TarWriteEntry => ({
  name,
  type: 'file',
  mode: 0o644,
  mtime: 0,
  data: Buffer.from(text),
});
const dir = (name: string): TarWriteEntry => ({ name: `${name}/`, type: 'dir', mode: 0o755, mtime: 0 });

/** A database whose packages are all badly vulnerable: it must never be read (it is whited out). */
export const STALE_DB = 'P:zlib\nV:0.1-r0\nA:x86_64\no:zlib\n\nP:curl\nV:1.0-r0\nA:x86_64\no:curl\n\n';

/** The two layer tars of one arch's image. */
export function imageLayers(arch: string): Buffer[] {
  const lower = writeTar(
    [
      dir('etc'),
      { name: 'etc/os-release', type: 'symlink', mode: 0o777, mtime: 0, linkname: '../usr/lib/os-release' },
      dir('lib'),
      dir('lib/apk'),
      dir('lib/apk/db'),
      file('lib/apk/db/installed', STALE_DB),
      dir('usr'),
      dir('usr/lib'),
      file('usr/lib/os-release', OS_RELEASE),
    ],
    { dialect: 'ustar' },
  );
  const upper = writeTar(
    [
      file('lib/apk/db/.wh.installed', ''),
      dir('usr/lib/apk'),
      dir('usr/lib/apk/db'),
      file('usr/lib/apk/db/installed', installedDb(arch)),
    ],
    { dialect: 'ustar' },
  );
  return [lower, upper];
}

/** Blobs and index of a layout holding one image per arch. */
export async function buildLayout(
  arches: readonly string[],
): Promise<{ blobs: Buffer[]; index: ImageIndex; indexJson: Buffer }> {
  const blobs: Buffer[] = [];
  const manifests: Descriptor[] = [];
  for (const arch of arches) {
    const layers = await Promise.all(imageLayers(arch).map((t) => layerFromTar(t)));
    const platform = platformFor(arch);
    const config = buildImageConfig({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      config: {},
    });
    const manifest = buildManifest({ config: config.descriptor, layers: layers.map((l) => layerDescriptor(l)) });
    blobs.push(...layers.map((l) => l.blob), config.bytes, manifest.bytes);
    manifests.push({ ...manifest.descriptor, platform });
  }
  const index = makeIndex({ manifests });
  return { blobs, index, indexJson: encodeIndex(index) };
}

export async function writeTestLayout(path: string, arches: readonly string[]): Promise<void> {
  const { blobs, index } = await buildLayout(arches);
  await writeLayout(path, { blobs: blobs.map((bytes) => ({ bytes })), index });
}

export async function writeTestArchive(path: string, arches: readonly string[]): Promise<void> {
  const { blobs, indexJson } = await buildLayout(arches);
  writeFileSync(path, buildOciArchive({ ociLayout: OCI_LAYOUT_FILE, indexJson, blobs }));
}

/** A root directory with the database at usr/lib/apk/db (lib/apk a symlink, as apko lays it out). */
export function writeTestRoot(root: string, arch: string): void {
  const put = (p: string, text: string) => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  };
  put('usr/lib/apk/db/installed', installedDb(arch));
  put('etc/os-release', OS_RELEASE);
  mkdirSync(join(root, 'lib'), { recursive: true });
  symlinkSync('../usr/lib/apk', join(root, 'lib/apk'));
}
