/**
 * Writes a build result: an OCI layout directory, an oci-archive (`*.tar`), or a docker-archive of
 * one arch's image. Everything is written under a temporary name next to the output and renamed into
 * place at the end, so a failure leaves no partial output.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { hostApkArch } from '../../apk/index.js';
import { LupineError, publishFiles, type StagedOutput } from '../../core/index.js';
import { buildDockerArchive, buildIndex, buildOciArchive, OCI_LAYOUT_FILE, writeLayout } from '../../oci/index.js';
import { toApkArch } from '../config/arch.js';
import type { ArchImage, ImageBuildResult, WriteImageOutputOptions } from './types.js';

function pickImage(result: ImageBuildResult, arch: string | undefined): ArchImage {
  const want = arch ?? hostApkArch();
  const found = result.perArch.find((p) => p.arch === (toApkArch(want) ?? want));
  if (found) return found;
  if (arch === undefined && result.perArch[0]) return result.perArch[0];
  throw new LupineError('IMAGE_BUILD_OUTPUT', `the image has no ${want} variant for the docker archive`, {
    details: { arch: want, built: result.perArch.map((p) => p.arch) },
    hint: 'build that arch (--arch) or name one that was built',
  });
}

/** `name:tag` → `tag` (default `latest`), the layout's `org.opencontainers.image.ref.name`. */
export function refName(tag: string | undefined): string {
  if (!tag) return 'latest';
  const slash = tag.lastIndexOf('/');
  const colon = tag.lastIndexOf(':');
  return colon > slash ? tag.slice(colon + 1) : 'latest';
}

/**
 * `name[:tag]` → `name:tag` (`:latest` when no tag): an oci-archive's
 * `org.opencontainers.image.ref.name`, the name `podman load` gives the image (a bare tag would
 * become the image's name).
 */
export function fullReference(tag: string | undefined): string {
  if (!tag) return 'latest';
  return tag.lastIndexOf(':') > tag.lastIndexOf('/') ? tag : `${tag}:latest`;
}

/**
 * The layout's `index.json`: one entry, the image index, named `ref` — the tag for a layout, so
 * `skopeo … oci:DIR:TAG` and `umoci … --image DIR:TAG` find it; the full reference in an
 * oci-archive (apko writes the image index itself as index.json, which neither tool can pick an
 * image from).
 */
function layoutIndex(result: ImageBuildResult, ref: string) {
  return buildIndex({
    manifests: [{ ...result.index.descriptor, annotations: { 'org.opencontainers.image.ref.name': ref } }],
  });
}

/** An existing OUT is replaced only when it is an OCI layout or empty: never a directory of other files. */
async function refuseToReplace(target: string): Promise<void> {
  const st = await stat(target).catch(() => undefined);
  if (!st) return;
  const names = st.isDirectory() ? await readdir(target) : ['(not a directory)'];
  if (names.length > 0 && !names.includes('oci-layout')) {
    throw new LupineError('IMAGE_BUILD_OUTPUT', `${target} exists and is not an OCI layout; not replacing it`, {
      details: { path: target },
      hint: 'give a new or empty directory, an existing layout, or a name ending in .tar',
    });
  }
}

/** Writes the image and (with `sbomDir`) its SBOMs, all or nothing (see publishFiles). */
export async function writeImageOutput(
  result: ImageBuildResult,
  out: string,
  o: WriteImageOutputOptions,
): Promise<void> {
  const target = resolve(out);
  const blobs = [...result.blobs.values(), result.index.bytes];
  let image: StagedOutput;
  if (o.format === 'oci') {
    await refuseToReplace(target);
    const top = layoutIndex(result, refName(o.tag));
    image = {
      path: target,
      directory: true,
      write: async (tmp) => {
        await writeLayout(tmp, { blobs: blobs.map((bytes) => ({ bytes })), index: top.index });
      },
    };
  } else if (o.format === 'oci-archive') {
    const top = layoutIndex(result, fullReference(o.tag));
    image = {
      path: target,
      write: (tmp) => writeFile(tmp, buildOciArchive({ ociLayout: OCI_LAYOUT_FILE, indexJson: top.bytes, blobs })),
    };
  } else {
    const img = pickImage(result, o.arch);
    const tag = o.tag ?? 'image:latest';
    image = {
      path: target,
      write: (tmp) =>
        writeFile(
          tmp,
          buildDockerArchive([{ config: img.config.bytes, layers: img.layers.map((l) => l.blob), repoTags: [tag] }]),
        ),
    };
  }
  const sbomDir = o.sbomDir ? resolve(o.sbomDir) : undefined;
  const sboms: StagedOutput[] = sbomDir
    ? result.sboms.map((s) => ({ path: join(sbomDir, s.name), write: (tmp) => writeFile(tmp, s.bytes) }))
    : [];
  await publishFiles([image, ...sboms]);
}
