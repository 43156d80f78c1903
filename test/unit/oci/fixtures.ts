import { createHash } from 'node:crypto';
import { writeTar } from '../../../src/archive/index.js';
import {
  Annotation,
  type BuiltBlob,
  buildImageConfig,
  buildIndex,
  buildManifest,
  type Descriptor,
  indexEntry,
  type Layer,
  layerDescriptor,
  layerFromTar,
  type MediaFlavor,
  platformFor,
  writeLayout,
} from '../../../src/oci/index.js';

/** `n` bytes that do not compress (a sha256 chain), the same every run. */
export function noise(n: number): Buffer {
  const parts: Buffer[] = [];
  let h = createHash('sha256').update('lupine').digest();
  for (let got = 0; got < n; got += h.length) {
    parts.push(h);
    h = createHash('sha256').update(h).digest();
  }
  return Buffer.concat(parts).subarray(0, n);
}

/** A small hand-made root filesystem for one arch (the arch is written into a file, so layers differ). */
export function handMadeTar(arch: string, padding = 0): Buffer {
  const e = (
    name: string,
    type: 'dir' | 'file' | 'symlink',
    mode: number,
    extra: { data?: string | Buffer; linkname?: string } = {},
  ) => ({
    name,
    type,
    mode,
    uid: 0,
    gid: 0,
    mtime: 0,
    ...(extra.data !== undefined
      ? { data: typeof extra.data === 'string' ? Buffer.from(extra.data) : extra.data }
      : {}),
    ...(extra.linkname ? { linkname: extra.linkname } : {}),
  });
  return writeTar(
    [
      e('bin', 'dir', 0o755),
      e('bin/hello', 'file', 0o755, { data: '#!/bin/sh\necho hello from lupine\n' }),
      e('etc', 'dir', 0o755),
      e('etc/arch', 'file', 0o644, { data: `${arch}\n` }),
      e('etc/padding', 'file', 0o644, { data: noise(padding) }),
      e('usr', 'dir', 0o755),
      e('usr/bin', 'dir', 0o755),
      e('usr/bin/hi', 'symlink', 0o777, { linkname: '../../bin/hello' }),
    ],
    { dialect: 'ustar' },
  );
}

export interface TestImage {
  readonly arch: string;
  readonly tar: Buffer;
  readonly layer: Layer;
  readonly config: BuiltBlob;
  readonly manifest: BuiltBlob;
  readonly entry: Descriptor;
}

export async function makeImage(arch: string, flavor: MediaFlavor = 'oci', padding = 0): Promise<TestImage> {
  const tar = handMadeTar(arch, padding);
  const layer = await layerFromTar(tar, { flavor });
  const platform = platformFor(arch);
  const created = '2024-01-01T00:00:00Z';
  const config = buildImageConfig(
    {
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
      created,
      history: [{ created, created_by: 'lupine test', comment: 'hand-made layer' }],
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      config: { Entrypoint: ['/bin/hello'], Env: ['PATH=/usr/bin:/bin'] },
    },
    flavor,
  );
  const manifest = buildManifest({
    config: config.descriptor,
    layers: [layerDescriptor(layer)],
    ...(flavor === 'oci' ? { annotations: { [Annotation.created]: created } } : {}),
    flavor,
  });
  return { arch, tar, layer, config, manifest, entry: indexEntry(manifest, platform) };
}

export function blobsOf(images: readonly TestImage[]): { bytes: Buffer }[] {
  return images.flatMap((i) => [{ bytes: i.layer.blob }, { bytes: i.config.bytes }, { bytes: i.manifest.bytes }]);
}

/** index.json → one manifest, tagged `tag`. */
export async function writeSingleLayout(dir: string, img: TestImage, tag = 'latest'): Promise<void> {
  await writeLayout(dir, {
    blobs: blobsOf([img]),
    index: {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ ...img.entry, annotations: { [Annotation.refName]: tag } }],
    },
  });
}

/** index.json → an image index blob (tagged `tag`) → the platform manifests. */
export async function writeNestedLayout(dir: string, images: readonly TestImage[], tag = 'latest'): Promise<BuiltBlob> {
  const index = buildIndex({
    manifests: images.map((i) => i.entry),
    annotations: { [Annotation.created]: '2024-01-01T00:00:00Z' },
  });
  await writeLayout(dir, {
    blobs: [...blobsOf(images), { bytes: index.bytes }],
    index: {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ ...index.descriptor, annotations: { [Annotation.refName]: tag } }],
    },
  });
  return index;
}

/** apko's shape: index.json is the image index itself. */
export async function writeApkoStyleLayout(dir: string, images: readonly TestImage[]): Promise<BuiltBlob> {
  const index = buildIndex({
    manifests: images.map((i) => i.entry),
    annotations: { [Annotation.created]: '2024-01-01T00:00:00Z' },
  });
  await writeLayout(dir, { blobs: blobsOf(images), index: index.index });
  return index;
}
