/**
 * `buildImage`: resolve → assemble each arch's root (concurrently) → layers → OCI config, manifests
 * and index → SBOMs. Nothing is written outside the temporary roots (and the caches); writing the
 * result is `writeImageOutput`'s job, so an error leaves no partial output.
 */
import { join, resolve } from 'node:path';
import { type Logger, LupineError, silentLogger, userTempDir } from '../../core/index.js';
import {
  buildImageConfig,
  buildIndex,
  buildManifest,
  type Digest,
  indexEntry,
  type Layer,
  type LayerCache,
  layerDescriptor,
  layerFromTar,
  MediaType,
  memoryLayerCache,
  platformFor,
} from '../../oci/index.js';
import { defaultFetcher, RepoCache } from '../../repo/index.js';
import type { ImageInventory } from '../../sbom/index.js';
import { imageArchs } from '../config/arch.js';
import { imageCredentials } from '../config/credentials.js';
import type { ApkArch, ResolvedImageConfig } from '../config/types.js';
import { imageWorld } from '../lock/resolve.js';
import { type AssembledRoot, assembleRoot } from './assemble.js';
import { diskLayerCache } from './layer-cache.js';
import { scanRoot, writeLayerTar } from './layer-tar.js';
import { planLayers } from './layering.js';
import { imageAnnotations, ociImageConfig } from './oci-image.js';
import { sweepStaleRoots } from './owned-root.js';
import { locationOf, renderSboms, rootInventory } from './sboms.js';
import { buildRepositoryText, loadImageKeys, runtimeRepositoryText } from './sources.js';
import type { ArchImage, BuildImageOptions, ImageBuildResult } from './types.js';

interface ArchDraft {
  readonly arch: ApkArch;
  readonly root: AssembledRoot;
  readonly packages: ArchImage['packages'];
  readonly layers: readonly Layer[];
  readonly inventory: Awaited<ReturnType<typeof rootInventory>>;
  readonly user: string | undefined;
}

/** What every arch's build reads: where packages come from, the keys, the caches. */
interface BuildSources {
  readonly logger: Logger;
  readonly fetcher: NonNullable<BuildImageOptions['fetcher']>;
  readonly cache: RepoCache | undefined;
  readonly layerCache: LayerCache;
  readonly keys: Awaited<ReturnType<typeof loadImageKeys>>;
  readonly packages: readonly string[];
  readonly buildRepositories: string;
  readonly runtimeRepositories: string;
  readonly budget: number | undefined;
}

/** Builds every arch of the image in memory (blobs) from a resolved config. */
export async function buildImage(config: ResolvedImageConfig, opts: BuildImageOptions = {}): Promise<ImageBuildResult> {
  const logger: Logger = opts.logger ?? silentLogger;
  const archs = imageArchs(config, opts.archs, 'image build');
  if (archs.length === 0) throw new LupineError('USAGE', 'no architecture to build');
  const sources = await openSources(config, opts, logger);
  await sweepStaleRoots(opts.tempDir ?? (await userTempDir()), logger);
  const built = await buildArchs(config, opts, sources, archs);
  // One reading of the clock for every arch and the index.
  const epoch = opts.clock?.now();
  const blobs = new Map<Digest, Uint8Array>();
  const perArch = await archImages(config, opts, built, epoch, blobs);
  const created = epoch ?? Math.max(0, ...perArch.map((p) => p.created));
  const index = buildIndex({
    manifests: perArch.map((p) => indexEntry(p.manifest, p.platform)),
    annotations: imageAnnotations(config, opts.annotations ?? {}, created),
  });
  const sboms = imageSboms(opts, built, perArch, index, created);
  return { index, perArch, blobs, sboms, created };
}

/** Phase: the fetcher, caches, keys, package list and repository texts every arch shares. */
async function openSources(
  config: ResolvedImageConfig,
  opts: BuildImageOptions,
  logger: Logger,
): Promise<BuildSources> {
  const workDir = resolve(opts.workDir ?? '.');
  const fetcher =
    opts.fetcher ??
    defaultFetcher({
      ...(opts.env ? { env: opts.env } : {}),
      logger,
      credentials: imageCredentials(config, [
        ...(opts.keyringAppend ?? []),
        ...(opts.repositoryAppend ?? []),
        ...(opts.buildRepositoryAppend ?? []),
      ]),
    });
  const cache = opts.cacheDir ? await RepoCache.open(join(opts.cacheDir, 'apk'), { logger }) : undefined;
  const layerCache: LayerCache =
    opts.layerCache ?? (opts.cacheDir ? diskLayerCache(join(opts.cacheDir, 'layers')) : memoryLayerCache());
  const keys = await loadImageKeys(config, opts.keyringAppend ?? [], workDir, fetcher);
  if (keys.length === 0) logger.warn('no keyring is configured: only unsigned local repositories can be read');
  const packages = imageWorld(config, opts.packageAppend);
  const buildRepositories = buildRepositoryText(
    config,
    opts.repositoryAppend ?? [],
    workDir,
    opts.buildRepositoryAppend ?? [],
  );
  const runtimeRepositories = runtimeRepositoryText(config, opts.repositoryAppend ?? []);
  const budget = config.layering?.strategy === 'origin' ? config.layering.budget : undefined;
  return { logger, fetcher, cache, layerCache, keys, packages, buildRepositories, runtimeRepositories, budget };
}

/** Phase: every arch's root and layers, concurrently; on any failure every root made is removed. */
async function buildArchs(
  config: ResolvedImageConfig,
  opts: BuildImageOptions,
  sources: BuildSources,
  archs: readonly ApkArch[],
): Promise<ArchDraft[]> {
  const roots: AssembledRoot[] = [];
  try {
    const settled = await Promise.allSettled(archs.map((arch) => buildArch(config, opts, sources, arch, roots)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<ArchDraft>).value);
  } catch (err) {
    await Promise.all(roots.map((r) => r.remove()));
    throw err;
  }
}

/** One arch: its root (added to `roots` as soon as it exists), its layers and its inventory. */
async function buildArch(
  config: ResolvedImageConfig,
  opts: BuildImageOptions,
  s: BuildSources,
  arch: ApkArch,
  roots: AssembledRoot[],
): Promise<ArchDraft> {
  const a = await assembleRoot(config, arch, {
    packages: s.packages,
    keys: s.keys,
    buildRepositories: s.buildRepositories,
    runtimeRepositories: s.runtimeRepositories,
    fetcher: s.fetcher,
    ...(s.cache ? { cache: s.cache } : {}),
    ...(opts.offline ? { offline: true } : {}),
    ...(opts.allowUntrusted ? { allowUntrusted: true } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.lockfile ? { lock: opts.lockfile } : {}),
    ...(opts.tempDir ? { tempDir: opts.tempDir } : {}),
    ...(opts.cacheDir ? { rootCacheDir: join(opts.cacheDir, 'roots') } : {}),
    logger: s.logger,
  });
  roots.push(a);
  const entries = await scanRoot(a.rootDir, a.scan);
  const plan = planLayers(entries, a.packages, a.owned, s.budget);
  const layers: Layer[] = [];
  for (const l of plan.layers) {
    const { tar, diffId } = await writeLayerTar(a.rootDir, l);
    // The diffid is hashed while writing; only a cache miss hashes (and compresses) again.
    const cached = await s.layerCache.get(diffId as Digest);
    layers.push(
      cached && cached.mediaType === MediaType.ociLayerGzip ? cached : await layerFromTar(tar, { cache: s.layerCache }),
    );
  }
  const inventory = await rootInventory(a.rootDir, a.packages);
  s.logger.info(`${arch}: ${a.packages.length} packages, ${layers.length} layer(s)`);
  return { arch, root: a, packages: a.packages, layers, inventory, user: a.user };
}

/** Phase: each arch's OCI config and manifest (their blobs added to `blobs`); the roots kept or removed. */
async function archImages(
  config: ResolvedImageConfig,
  opts: BuildImageOptions,
  built: readonly ArchDraft[],
  epoch: number | undefined,
  blobs: Map<Digest, Uint8Array>,
): Promise<ArchImage[]> {
  const extra = opts.annotations ?? {};
  const perArch: ArchImage[] = [];
  for (const d of built) {
    const created = epoch ?? Math.max(0, ...d.packages.map((p) => p.buildDate));
    const annotations = imageAnnotations(config, extra, created);
    const platform = platformFor(d.arch);
    const value = ociImageConfig(config, {
      platform,
      created,
      diffIds: d.layers.map((l) => l.diffId),
      annotations,
      ...(d.user === undefined ? {} : { user: d.user }),
    });
    const cfg = buildImageConfig(value);
    const manifest = buildManifest({
      config: cfg.descriptor,
      layers: d.layers.map((l) => layerDescriptor(l)),
      annotations,
    });
    for (const l of d.layers) blobs.set(l.digest, l.blob);
    blobs.set(cfg.descriptor.digest, cfg.bytes);
    blobs.set(manifest.descriptor.digest, manifest.bytes);
    const rootDir = opts.keepRoots ? await d.root.keep() : undefined;
    if (!opts.keepRoots) await d.root.remove();
    perArch.push({
      arch: d.arch,
      platform,
      ...(rootDir ? { rootDir } : {}),
      manifest,
      config: { ...cfg, value },
      layers: d.layers,
      packages: d.packages,
      created,
    });
  }
  return perArch;
}

/** Phase: the SBOMs asked for, one per arch image and one for the index. */
function imageSboms(
  opts: BuildImageOptions,
  built: readonly ArchDraft[],
  perArch: readonly ArchImage[],
  index: ImageBuildResult['index'],
  created: number,
): ImageBuildResult['sboms'] {
  const formats = opts.sbomFormats ?? [];
  if (formats.length === 0) return [];
  const location = locationOf(opts.tag ?? 'image');
  const images = built.map((d, i) => {
    const p = perArch[i] as ArchImage;
    const inventory: ImageInventory = {
      kind: 'image',
      location,
      digest: p.manifest.descriptor.digest,
      mediaType: p.manifest.descriptor.mediaType,
      platform: {
        os: p.platform.os,
        architecture: p.platform.architecture,
        ...(p.platform.variant ? { variant: p.platform.variant } : {}),
      },
      layers: p.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType })),
      os: d.inventory.os,
      packages: d.inventory.packages,
    };
    return { subject: d.arch as string, inventory };
  });
  return renderSboms({
    formats,
    created,
    toolVersion: opts.toolVersion ?? '0.0.0',
    images,
    index: {
      kind: 'index',
      location,
      digest: index.descriptor.digest,
      mediaType: index.descriptor.mediaType,
      images: images.map((i) => i.inventory),
    },
  });
}
