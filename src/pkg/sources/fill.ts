/**
 * `lupine distro fetch`: fill the source store for a set of recipes before building them. A recipe
 * that names its Debian source package (`vars.debian-source: PKG=DEBIAN-VERSION`) is filled from
 * Debian's source archive with apt (the `*.orig.tar.*` file, checked against apt's SHA256 and then
 * against the recipe's checksum); any other source is downloaded from its URI. `outdated` lists
 * recipes whose Debian source package offers a newer upstream release.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, lstat, mkdir, realpath, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { compareVersions } from '../../apk/index.js';
import { type Logger, LupineError, silentLogger } from '../../core/index.js';
import type { CompiledRecipe } from '../config/types.js';
import type { AptSource } from './apt.js';
import {
  apkVersionOfUpstream,
  debianFileFor,
  hasUpstreamSignature,
  isDebianPackaging,
  isNativeTarball,
  isRepacked,
  upstreamOfDebianVersion,
} from './debian-version.js';
import { storeGitCheckout } from './git-source.js';
import { mismatch, recipeSources, resolveFetch } from './resolve.js';
import { hashFile, SourceStore } from './store.js';

export interface FillOptions {
  readonly storeDir: string;
  readonly apt: AptSource;
  /** false: only apt (the configured Debian archive) is asked; other URIs are not downloaded. */
  readonly network: boolean;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

/** What happened to one source. */
export interface FilledSource {
  readonly recipe: string;
  readonly what: string;
  /** `stored` (already there), `debian` (from Debian's archive), `downloaded` (from its URI), `git`. */
  readonly how: 'stored' | 'debian' | 'downloaded' | 'git';
  readonly path: string;
  /**
   * For `debian`: `repack` (a dfsg/ds repack: not upstream's bytes), `signed` (upstream's signature
   * sits beside it: upstream's bytes), `orig` (not repacked, no signature beside it), `native` (a
   * Debian native package: Debian's own release), `packaging` (Debian's `debian/` tarball: its patches).
   */
  readonly debianOrig?: 'repack' | 'signed' | 'orig' | 'native' | 'packaging';
}

/** `PKG=VERSION` of `vars.debian-source`; undefined when the recipe names none. */
export function debianSourceOf(recipe: CompiledRecipe): { pkg: string; version: string } | undefined {
  const v = recipe.vars['debian-source']?.trim();
  if (!v) return undefined;
  const m = /^([a-z0-9][a-z0-9+.-]+)=(\S+)$/.exec(v);
  if (!m) {
    throw new LupineError('SOURCE_UNPINNED', `${recipe.name}: vars.debian-source '${v}' is not PKG=VERSION`, {
      hint: 'name the Debian source package and its exact version, e.g. bzip2=1.0.8-6',
    });
  }
  return { pkg: m[1] as string, version: m[2] as string };
}

/** apt links a `file:` download to its origin: the store keeps its own bytes. */
async function ownCopy(path: string): Promise<void> {
  if (!(await lstat(path)).isSymbolicLink()) return;
  const target = await realpath(path);
  await copyFile(target, `${path}.copy`);
  await rename(`${path}.copy`, path);
}

export async function fillSourceStore(recipe: CompiledRecipe, o: FillOptions): Promise<FilledSource[]> {
  const logger = o.logger ?? silentLogger;
  const store = new SourceStore(o.storeDir);
  const debian = debianSourceOf(recipe);
  const out: FilledSource[] = [];
  for (const src of recipeSources(recipe.packages.flatMap((p) => p.pipeline))) {
    if (src.kind === 'git') {
      await storeGitCheckout(src, store, { storeDir: o.storeDir, network: o.network, logger });
      out.push({ recipe: recipe.name, what: src.repository, how: 'git', path: join(o.storeDir, 'git') });
      continue;
    }
    const c = src.checksum;
    const what = `${recipe.name}: ${src.uri}`;
    if (!c) throw new LupineError('SOURCE_UNPINNED', `${what} (${src.where}) has no expected-sha256`, {});
    const stored = await store.lookup(c, what);
    if (stored) {
      out.push({ recipe: recipe.name, what: src.uri, how: 'stored', path: stored });
      continue;
    }
    if (debian) {
      const files = await o.apt.files(debian.pkg, debian.version);
      const orig = debianFileFor(files, src.uri);
      if (!orig) {
        throw new LupineError(
          'SOURCE_MISSING',
          `${what}: Debian source ${debian.pkg}=${debian.version} has no orig tarball`,
          {},
        );
      }
      const from = `Debian's ${orig.file} (${debian.pkg}=${debian.version})`;
      if (c.algorithm === 'sha256' && orig.sha256 !== c.hex) throw mismatch(what, c, orig.sha256, from);
      await mkdir(o.storeDir, { recursive: true });
      const tmp = join(o.storeDir, `.apt-${randomBytes(6).toString('hex')}`);
      try {
        logger.info(`lupine distro fetch: ${recipe.name}: ${orig.file} (${orig.size} bytes) from Debian's archive`);
        await o.apt.download(orig, tmp);
        await ownCopy(tmp);
        const actual = await hashFile(c.algorithm, tmp);
        if (actual !== c.hex) throw mismatch(what, c, actual, from);
        const path = await store.adopt(tmp, c);
        out.push({
          recipe: recipe.name,
          what: src.uri,
          how: 'debian',
          path,
          debianOrig: isDebianPackaging(orig)
            ? 'packaging'
            : isNativeTarball(orig)
              ? 'native'
              : isRepacked(debian.version)
                ? 'repack'
                : hasUpstreamSignature(files, orig)
                  ? 'signed'
                  : 'orig',
        });
      } finally {
        await rm(tmp, { force: true });
        await rm(`${tmp}.copy`, { force: true });
      }
      continue;
    }
    await resolveFetch(src, store, {
      storeDir: o.storeDir,
      network: o.network,
      logger,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    out.push({ recipe: recipe.name, what: src.uri, how: 'downloaded', path: store.path(c) });
  }
  return out;
}

/** A recipe whose Debian source package lists a newer upstream release. */
export interface OutdatedRecipe {
  readonly recipe: string;
  readonly version: string;
  readonly newest: string;
  /** The Debian version that carries it. */
  readonly debianVersion: string;
}

function newer(a: string, b: string): boolean {
  try {
    return compareVersions(a, b) > 0;
  } catch {
    return false;
  }
}

/** Pre-releases (`~rc1`) are not offered. */
export async function outdatedRecipe(recipe: CompiledRecipe, apt: AptSource): Promise<OutdatedRecipe | undefined> {
  const debian = debianSourceOf(recipe);
  if (!debian) return undefined;
  let best: OutdatedRecipe | undefined;
  for (const v of await apt.versions(debian.pkg)) {
    const up = apkVersionOfUpstream(upstreamOfDebianVersion(v));
    if (up.includes('~')) continue;
    if (newer(up, best?.newest ?? recipe.version)) {
      best = { recipe: recipe.name, version: recipe.version, newest: up, debianVersion: v };
    }
  }
  return best;
}
