/**
 * The PackageBuilder the CLI uses: lupine's melange build (`buildRecipe`) with the host runner for
 * stage-0 recipes and bubblewrap for the rest, then the recipe's tests (`testRecipe`) in fresh
 * guests. Packages go to `<outDir>/<arch>/`, merged into its (signed) index, which is also the
 * first repository every guest resolves from. The workspace is the folder beside the recipe
 * (`foo.yaml` → `foo/`), or an empty one: never the whole tree. The empty one is
 * `$TMPDIR/lupine-distro-src-XXXXXX/src`, its parent holding the owner file (`makeOwnedDir`), so the
 * next distro build sweeps the one a killed build left (`sweepStaleSourceDirs`).
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { makeOwnedDir, type SweepResult, sweepStaleDirs, userTempDir } from '../core/index.js';
import { buildRecipe, testRecipe } from '../pkg/index.js';
import type { BuildRequest, BuildResult, PackageBuilder } from './builder.js';
import { recipeFolder } from './hash-inputs.js';

export interface MelangeBuilderOptions {
  /** RSA private key; its public half (`KEY.pub`) is trusted for the output repository. */
  readonly signingKey?: string;
  /** melange's cache (mounted at /var/cache/melange). */
  readonly cacheDir?: string;
  /** The source store `fetch` / `git-checkout` sources resolve through (`<cache>/sources`). */
  readonly sourceStoreDir?: string;
  /** Fetched and expanded packages, guest roots. */
  readonly packageCacheDir?: string;
  /** Extra repositories and keys for guests, after the output repository. */
  readonly repositories?: readonly string[];
  readonly keys?: readonly string[];
  readonly sourceDateEpoch?: number;
  /** Searched for `uses` first (the tree's own `pipelines/`). */
  readonly pipelineDirs?: readonly string[];
  /** Run each recipe's `test:` blocks after building it (default true). */
  readonly test?: boolean;
  readonly namespace?: string;
}

const SOURCE_PREFIX = 'lupine-distro-src-';

/** Removes the empty source directories (`$TMPDIR/lupine-<euid>/lupine-distro-src-*`) that killed builds left. */
export const sweepStaleSourceDirs = async (): Promise<SweepResult> =>
  sweepStaleDirs(await userTempDir(), SOURCE_PREFIX);

const isDir = (p: string) =>
  stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );

export class MelangeBuilder implements PackageBuilder {
  readonly #o: MelangeBuilderOptions;

  constructor(options: MelangeBuilderOptions) {
    this.#o = options;
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    const o = this.#o;
    const { node, arch, logger } = request;
    const outDir = resolve(request.outDir);
    const folder = recipeFolder(node.file);
    const owned = (await isDir(folder)) ? undefined : await makeOwnedDir(await userTempDir(), SOURCE_PREFIX);
    const empty = owned && join(owned, 'src');
    const common = {
      arch,
      outDir,
      repositories: [outDir, ...(o.repositories ?? [])],
      keys: [...(o.signingKey ? [`${o.signingKey}.pub`] : []), ...(o.keys ?? [])],
      sourceDir: empty ?? folder,
      ...(o.pipelineDirs ? { pipelineDirs: o.pipelineDirs } : {}),
      ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
      ...(o.sourceStoreDir ? { sourceStoreDir: o.sourceStoreDir } : {}),
      ...(o.packageCacheDir ? { packageCacheDir: o.packageCacheDir } : {}),
      ...(o.sourceDateEpoch !== undefined ? { sourceDateEpoch: o.sourceDateEpoch } : {}),
      ...(o.signingKey ? {} : { allowUntrusted: true }),
      logger,
      ...(request.signal ? { signal: request.signal } : {}),
    };
    try {
      if (empty) await mkdir(empty);
      const built = await buildRecipe(node.file, {
        ...common,
        runner: node.runner,
        ...(o.signingKey ? { signingKey: o.signingKey } : {}),
        ...(o.namespace ? { namespace: o.namespace } : {}),
      });
      if (built.skipped !== undefined) {
        logger.info(`not built for ${arch}: ${built.skipped}`);
        return { packages: [] };
      }
      if (o.test ?? true) await testRecipe(node.file, common);
      return {
        packages: built.packages.map((p) => ({
          name: p.name,
          version: p.version,
          identity: p.identity,
          path: relative(outDir, resolve(outDir, p.path)),
        })),
      };
    } finally {
      if (owned) await rm(owned, { recursive: true, force: true });
    }
  }
}
