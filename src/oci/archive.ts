import { writeFile } from 'node:fs/promises';
import { type TarWriteEntry, writeTar } from '../archive/index.js';
import { LupineError } from '../core/index.js';
import { parseImageConfig } from './config.js';
import type { Descriptor } from './descriptors.js';
import { type Digest, digestHex, sha256Digest } from './digest.js';
import { parseIndex } from './image-index.js';
import { OCI_LAYOUT_FILE, readBlob, readLayout } from './layout.js';
import { parseManifest } from './manifest.js';
import { isIndexMediaType, isManifestMediaType } from './media-types.js';
import { apkArchOf, apkArch, type Platform } from './platform.js';

function file(name: string, data: Uint8Array): TarWriteEntry {
  return { name, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, data };
}

function dir(name: string): TarWriteEntry {
  return { name, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0 };
}

/** What an OCI layout holds, in memory. */
export interface LayoutFiles {
  readonly ociLayout: Uint8Array;
  readonly indexJson: Uint8Array;
  readonly blobs: readonly Uint8Array[];
}

/**
 * An oci-archive: a tar of the layout (skopeo's `oci-archive:` transport). Entries are sorted by name,
 * owned by 0:0, mtime 0, so the same layout always gives the same bytes.
 */
export function buildOciArchive(files: LayoutFiles): Buffer {
  const blobs = new Map<string, Uint8Array>();
  for (const b of files.blobs) blobs.set(digestHex(sha256Digest(b)), b);
  const entries: TarWriteEntry[] = [dir('blobs/'), dir('blobs/sha256/')];
  for (const hex of [...blobs.keys()].sort()) entries.push(file(`blobs/sha256/${hex}`, blobs.get(hex) as Uint8Array));
  entries.push(file('index.json', files.indexJson), file('oci-layout', files.ociLayout));
  return writeTar(entries, { dialect: 'ustar' });
}

/** Every blob reachable from `descriptors`, children before parents, each once. */
async function collect(layoutDir: string, descriptors: readonly Descriptor[], out: Map<Digest, Buffer>): Promise<void> {
  for (const d of descriptors) {
    if (out.has(d.digest)) continue;
    const bytes = await readBlob(layoutDir, d.digest);
    if (isIndexMediaType(d.mediaType)) {
      await collect(layoutDir, parseIndex(bytes).manifests, out);
    } else if (isManifestMediaType(d.mediaType)) {
      const m = parseManifest(bytes);
      await collect(layoutDir, [m.config, ...m.layers], out);
    }
    out.set(d.digest, bytes);
  }
}

/** Reads a layout from disk and writes it as an oci-archive file; only blobs the index reaches are included. */
export async function writeOciArchive(layoutDir: string, outFile: string): Promise<void> {
  const { indexBytes, index } = await readLayout(layoutDir);
  const blobs = new Map<Digest, Buffer>();
  await collect(layoutDir, index.manifests, blobs);
  await writeFile(
    outFile,
    buildOciArchive({ ociLayout: OCI_LAYOUT_FILE, indexJson: indexBytes, blobs: [...blobs.values()] }),
  );
}

/** One image of a docker-archive. */
export interface DockerArchiveImage {
  readonly config: Uint8Array;
  /** The layer blobs, bottom first (gzip-compressed tars; `docker load` accepts them). */
  readonly layers: readonly Uint8Array[];
  /** `name:tag` references, e.g. `example.com/foo:v1-amd64`. */
  readonly repoTags: readonly string[];
}

function splitTag(ref: string): [string, string] {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
}

/**
 * A docker-archive (what `docker save` writes and `docker load` reads), laid out as go-containerregistry's
 * tarball writer does: the config as `sha256:<hex>`, each layer as `<hex>.tar.gz`, a `manifest.json` and
 * a legacy `repositories` file.
 */
export function buildDockerArchive(images: readonly DockerArchiveImage[]): Buffer {
  const files = new Map<string, Uint8Array>();
  const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const img of images) {
    const cfg = sha256Digest(img.config);
    files.set(cfg, img.config);
    const layers = img.layers.map((l) => {
      const name = `${digestHex(sha256Digest(l))}.tar.gz`;
      files.set(name, l);
      return name;
    });
    const diffIds = parseImageConfig(img.config).rootfs.diff_ids;
    if (diffIds.length !== img.layers.length) {
      throw new LupineError(
        'OCI_MANIFEST_INVALID',
        `the config lists ${diffIds.length} layers but ${img.layers.length} were given`,
        {
          details: { config: cfg },
          hint: 'pass the layers of this image, bottom first',
        },
      );
    }
    manifest.push({ Config: cfg, RepoTags: [...img.repoTags], Layers: layers });
    const top =
      img.layers.length > 0 ? digestHex(sha256Digest(img.layers[img.layers.length - 1] as Uint8Array)) : digestHex(cfg);
    for (const t of img.repoTags) {
      const [repo, tag] = splitTag(t);
      repositories[repo] = { ...repositories[repo], [tag]: top };
    }
  }
  const entries: TarWriteEntry[] = [];
  for (const name of [...files.keys()].sort()) entries.push(file(name, files.get(name) as Uint8Array));
  entries.push(file('manifest.json', Buffer.from(JSON.stringify(manifest))));
  const repoSorted: Record<string, Record<string, string>> = {};
  for (const r of Object.keys(repositories).sort()) repoSorted[r] = repositories[r] as Record<string, string>;
  entries.push(file('repositories', Buffer.from(JSON.stringify(repoSorted))));
  return writeTar(entries, { dialect: 'ustar' });
}

/** Picks the manifest for one platform from a layout (through nested indexes), or the only one there is. */
export async function selectManifest(layoutDir: string, arch?: string): Promise<Descriptor> {
  const { index } = await readLayout(layoutDir);
  const found: Descriptor[] = [];
  const walk = async (ds: readonly Descriptor[]): Promise<void> => {
    for (const d of ds) {
      if (isIndexMediaType(d.mediaType)) await walk(parseIndex(await readBlob(layoutDir, d.digest)).manifests);
      else if (isManifestMediaType(d.mediaType)) found.push(d);
    }
  };
  await walk(index.manifests);
  const want = arch === undefined ? undefined : apkArch(arch);
  const matches = want === undefined ? found : found.filter((d) => d.platform && samePlatform(d.platform, want));
  if (matches.length !== 1) {
    throw new LupineError(
      'OCI_MANIFEST_UNKNOWN',
      `${matches.length === 0 ? 'no' : 'more than one'} image in ${layoutDir} matches ${arch ?? 'any platform'}`,
      {
        details: { layout: layoutDir, arch, candidates: found.map((d) => d.platform) },
        hint: 'name the architecture of the image to export',
      },
    );
  }
  return matches[0] as Descriptor;
}

function samePlatform(p: Platform, apk: string): boolean {
  try {
    return apkArchOf(p) === apk;
  } catch {
    return false;
  }
}

/** Writes one platform's image of a layout as a docker-archive file. */
export async function writeDockerArchive(
  layoutDir: string,
  outFile: string,
  options: { readonly arch?: string; readonly repoTags: readonly string[] },
): Promise<void> {
  const d = await selectManifest(layoutDir, options.arch);
  const m = parseManifest(await readBlob(layoutDir, d.digest));
  const config = await readBlob(layoutDir, m.config.digest);
  const layers = [];
  for (const l of m.layers) layers.push(await readBlob(layoutDir, l.digest));
  await writeFile(outFile, buildDockerArchive([{ config, layers, repoTags: options.repoTags }]));
}
