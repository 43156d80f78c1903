/**
 * One arch's root, laid out as apko lays it out (spec §3): skeleton, keys and repositories, the
 * locked packages installed by the atomic installer (scripts stored, never run), then accounts,
 * the locked config (`etc/lupine.json`), paths, certificates, the runtime keyring, the s6 service
 * tree and busybox links. Returns the root and what the layer writer needs to know about it.
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseDependency, readPackage } from '../../apk/index.js';
import {
  type Clock,
  fixedClock,
  type Logger,
  LupineError,
  readOptionalFile,
  silentLogger,
  userTempDir,
} from '../../core/index.js';
import { installPackages, type LockedPackage, parseInstalledDb } from '../../install/index.js';
import type { Fetcher, RepoCache } from '../../repo/index.js';
import { imageConfigToApko } from '../config/show.js';
import type { ApkArch, ResolvedImageConfig } from '../config/types.js';
import { type AccountFiles, knownIds, mergeAccounts, parseIdFile } from './accounts.js';
import { formatApkoInstalledDb } from './apko-db.js';
import { installBusyboxLinks } from './busybox.js';
import { installCertificates } from './certs.js';
import { DEVICE_NODES, writeBaseLayout } from './fs-layout.js';
import type { ScanOptions } from './layer-tar.js';
import { installLdSoCache } from './ldso-cache.js';
import { makeOwnedRoot } from './owned-root.js';
import { applyPathMutations, type OwnerMap, setOwner } from './paths.js';
import { restoreRoot, rootCacheKey, saveRoot } from './root-cache.js';
import { resolveImagePath, writeImageFile } from './root-path.js';
import { type ImageKey, keyringOf, loadArchRepositories, resolveArch } from './sources.js';
import type { ImageLockPackage, ImagePackage } from './types.js';

/** The name of lupine's `etc/apko.json`: the locked config the image was built from (0444). */
export const LOCKED_CONFIG_PATH = 'etc/lupine.json';

export interface AssembleRootOptions {
  /** Packages to resolve (config packages plus appended ones), as written. */
  readonly packages: readonly string[];
  readonly keys: readonly ImageKey[];
  /** Build-time repositories, one `[@tag ]url` a line, paths absolute. */
  readonly buildRepositories: string;
  /** `/etc/apk/repositories` of the image. */
  readonly runtimeRepositories: string;
  readonly fetcher: Fetcher;
  readonly cache?: RepoCache;
  readonly offline?: boolean;
  readonly allowUntrusted?: boolean;
  /** Build date (SOURCE_DATE_EPOCH) for scripts.tar and certificates; undefined: 0. */
  readonly clock?: Clock;
  readonly lock?: readonly ImageLockPackage[];
  readonly logger?: Logger;
  /** Installed package sets are cached here by identity (see root-cache.ts); default no cache. */
  readonly rootCacheDir?: string;
  /** Parent of the root directory (default the OS temp dir). */
  readonly tempDir?: string;
}

export interface AssembledRoot {
  /** `<tempDir>/lupine-image-XXXXXX/root` (see owned-root.ts). */
  readonly rootDir: string;
  /** Removes the root (and its owned parent). */
  remove(): Promise<void>;
  /** Keeps the root past this process: moves it out of its owned parent; returns its new path. */
  keep(): Promise<string>;
  readonly arch: ApkArch;
  /** Locked set, install order. */
  readonly packages: readonly ImagePackage[];
  /** How to list the root for its layers. */
  readonly scan: ScanOptions;
  /** Package name → the real paths it owns (from the installed database). */
  readonly owned: ReadonlyMap<string, readonly string[]>;
  /** Package name → its `r:` replaces. */
  readonly replaces: ReadonlyMap<string, readonly string[]>;
  /** The image's `User`: run-as, a username rewritten to its uid from the image's passwd. */
  readonly user?: string;
}

const readOptional = (path: string): Promise<string | undefined> => readOptionalFile(path, 'image file', 'utf8');

/** Builds the root for `arch` in a fresh directory; the caller removes (or keeps) it. */
export async function assembleRoot(
  config: ResolvedImageConfig,
  arch: ApkArch,
  o: AssembleRootOptions,
): Promise<AssembledRoot> {
  const logger = o.logger ?? silentLogger;
  const buildDate = o.clock?.now() ?? 0;
  const keyring = keyringOf(o.keys);
  const { repositories, set } = await loadArchRepositories({
    text: o.buildRepositories,
    arch,
    keys: keyring,
    fetcher: o.fetcher,
    logger,
    ...(o.cache ? { cache: o.cache } : {}),
    ...(o.offline ? { offline: true } : {}),
    ...(o.allowUntrusted ? { allowUntrusted: true } : {}),
  });
  const resolved = resolveArch(o.packages, repositories, arch, o.lock);

  const owned = await makeOwnedRoot(o.tempDir ?? (await userTempDir()), arch);
  try {
    const filled = await fillRoot(owned.root, config, arch, o, { resolved, set, keyring, buildDate, logger });
    return { ...filled, remove: owned.remove, keep: owned.keep };
  } catch (err) {
    await owned.remove();
    throw err;
  }
}

async function fillRoot(
  root: string,
  config: ResolvedImageConfig,
  arch: ApkArch,
  o: AssembleRootOptions,
  ctx: {
    readonly resolved: ReturnType<typeof resolveArch>;
    readonly set: Awaited<ReturnType<typeof loadArchRepositories>>['set'];
    readonly keyring: ReturnType<typeof keyringOf>;
    readonly buildDate: number;
    readonly logger: Logger;
  },
): Promise<Omit<AssembledRoot, 'remove' | 'keep'>> {
  const { resolved, set, keyring, buildDate, logger } = ctx;
  const fetched = new Map<string, Uint8Array>();
  const locked: LockedPackage[] = resolved.infos.map(({ info, repo, tag }) => ({
    name: info.name,
    version: info.version,
    identity: info.identity,
    arch: info.arch || arch,
    repository: repo.url,
    tag,
    ...(info.installedSize > 0 ? { installedSize: info.installedSize } : {}),
    fetch: async () => {
      const bytes = fetched.get(info.name) ?? (await set.fetchPackage(repo, info));
      fetched.set(info.name, bytes);
      return bytes;
    },
  }));
  const cacheKey =
    o.rootCacheDir && resolved.packages.every((p) => p.identity !== '')
      ? rootCacheKey({
          arch,
          packages: resolved.packages,
          keys: o.keys,
          runtimeRepositories: o.runtimeRepositories,
          buildDate,
        })
      : undefined;
  let installerDb = cacheKey && o.rootCacheDir ? await restoreRoot(o.rootCacheDir, cacheKey, root) : undefined;
  const dbPath = join(root, 'usr/lib/apk/db/installed');
  const rank = new Map(resolved.packages.map((p, i) => [p.name, i]));
  const inInstallOrder = (text: string) =>
    parseInstalledDb(text).sort((a, b) => (rank.get(a.info.name) ?? 0) - (rank.get(b.info.name) ?? 0));
  if (installerDb === undefined) {
    await writeBaseLayout(root, arch);
    for (const k of o.keys) await writeFile(join(root, 'etc/apk/keys', k.name), k.pem, { mode: 0o644 });
    await writeFile(join(root, 'etc/apk/repositories'), o.runtimeRepositories);
    const world = resolved.packages.map((p) => `${p.name}=${p.version}`).sort();
    await installPackages(root, locked, {
      world,
      keyring,
      arch,
      clock: fixedClock(buildDate),
      allowDevices: true,
      logger,
    });
    // apko's database format, records in install order.
    installerDb = await readFile(dbPath, 'utf8');
    await writeFile(dbPath, formatApkoInstalledDb(inInstallOrder(installerDb)));
    if (cacheKey && o.rootCacheDir) {
      await saveRoot(o.rootCacheDir, cacheKey, root, installerDb).catch((err: unknown) => {
        logger.warn(`${arch}: could not cache the installed root: ${(err as Error).message}`);
      });
    }
  } else {
    logger.debug(`${arch}: installed packages from the cache (${cacheKey})`);
  }
  const records = inInstallOrder(installerDb);

  // Accounts, merged with what the packages ship.
  const etc = (f: string) => join(root, resolveImagePath(root, `etc/${f}`, true));
  const before: AccountFiles = {
    passwd: await readOptional(etc('passwd')),
    group: await readOptional(etc('group')),
    shadow: await readOptional(etc('shadow')),
  };
  if (before.passwd === undefined) logger.warn(`${arch}: no package provides /etc/passwd; an empty one is created`);
  const after = mergeAccounts(before, config.accounts);
  // Files the build writes or rewrites take mtime 0, as apko's do (certificates: the build date).
  const mtimes = new Map<string, number>();
  const rewrite = async (
    name: 'passwd' | 'group' | 'shadow',
    text: string | undefined,
    old: string | undefined,
    mode: number,
  ) => {
    if (text === undefined || text === old) return;
    await writeFile(etc(name), text, { mode });
    mtimes.set(resolveImagePath(root, `etc/${name}`, true), 0);
  };
  await rewrite('passwd', after.passwd, before.passwd, 0o644);
  await rewrite('group', after.group, before.group, 0o644);
  await rewrite('shadow', after.shadow, before.shadow, 0o640);
  const owners: OwnerMap = new Map();
  for (const u of config.accounts.users) {
    const rel = resolveImagePath(root, u.homedir, true);
    if (rel === '' || (await stat(join(root, rel)).catch(() => undefined)) !== undefined) continue;
    await mkdir(join(root, rel), { recursive: true, mode: 0o755 });
    await chmod(join(root, rel), 0o700);
    setOwner(root, rel, { uid: u.uid, gid: u.gid }, owners);
  }

  // The locked config, as apko writes etc/apko.json.
  const lockedConfig = imageConfigToApko({
    ...config,
    archs: [arch],
    contents: {
      ...config.contents,
      packages: resolved.packages.map((p) => ({
        raw: `${p.name}=${p.version}`,
        name: p.name,
        exclude: false,
        tag: null,
        op: '=',
        version: p.version,
      })),
    },
  });
  mtimes.set(writeImageFile(root, LOCKED_CONFIG_PATH, JSON.stringify(lockedConfig), 0o444), 0);

  for (const p of applyPathMutations(root, config.paths, owners)) mtimes.set(p, 0);
  const providers = new Set(config.certificates?.providers ?? []);
  const provided: string[] = [];
  for (const rec of records) {
    if (!rec.info.provides.some((p) => providers.has(parseDependency(p).name))) continue;
    for (const d of rec.dirs) {
      for (const f of d.files) if (/\.(crt|pem)$/.test(f.name)) provided.push(d.path ? `${d.path}/${f.name}` : f.name);
    }
  }
  for (const p of installCertificates(root, config.certificates?.additional ?? [], provided.sort())) {
    mtimes.set(p, buildDate);
  }
  for (const k of config.contents.runtimeKeyring) {
    mtimes.set(writeImageFile(root, `etc/apk/keys/${basename(k.name)}`, k.content, 0o644), 0);
  }
  if (config.entrypoint.type === 'service-bundle') {
    for (const [name, cmd] of Object.entries(config.entrypoint.services ?? {}).sort()) {
      if (name === '' || name === '.' || name === '..' || name.includes('/')) {
        throw new LupineError('IMAGE_BUILD_PATH', `entrypoint.services: '${name}' is not a service name`, {
          details: { service: name },
          hint: 'a service name becomes the directory /sv/<name>: no slashes, not . or ..',
        });
      }
      mtimes.set(writeImageFile(root, `sv/${name}/run`, `#!/bin/execlineb\n${cmd}\n`, 0o755), 0);
    }
  }
  installBusyboxLinks(root);
  const ldCache = installLdSoCache(root, arch);
  if (ldCache) mtimes.set(ldCache, 0);

  // What the layers need: ids the image knows, which paths packages own.
  const finalPasswd = await readOptional(etc('passwd'));
  let user = config.accounts.runAs;
  if (user !== undefined && !/^\d+(:\d+)?$/.test(user)) {
    const found = parseIdFile(finalPasswd).find((e) => e.name === user);
    if (found) user = String(found.id);
    else logger.warn(`${arch}: run-as ${user} is not a user of the image; User is left as a name`);
  }
  const ids = knownIds({
    passwd: finalPasswd,
    group: await readOptional(etc('group')),
    shadow: undefined,
  });
  const dbText = await readFile(join(root, 'usr/lib/apk/db/installed'), 'utf8').catch((err: unknown) => {
    throw new LupineError('IO_ERROR', `the installed database is missing from ${root}`, { cause: err });
  });
  // Extended attributes are not set on disk (that needs privileges); the layer carries them, read
  // back from the packages whose database records say they have some.
  const xattrs = new Map<string, Readonly<Record<string, Uint8Array>>>();
  for (const rec of records) {
    if (!rec.dirs.some((d) => d.xattrHash || d.files.some((f) => f.xattrHash))) continue;
    const bytes = await locked.find((l) => l.name === rec.info.name)?.fetch();
    if (!bytes) continue;
    for (const f of readPackage(bytes).files) {
      if (Object.keys(f.xattrs).length === 0) continue;
      xattrs.set(f.name.replace(/^\.?\/+/, '').replace(/\/+$/, ''), f.xattrs);
    }
  }
  const owned = new Map<string, string[]>();
  const replaces = new Map<string, readonly string[]>();
  const packagePaths = new Set<string>();
  for (const rec of parseInstalledDb(dbText)) {
    const paths: string[] = [];
    for (const d of rec.dirs) {
      if (d.path) paths.push(d.path);
      for (const f of d.files) paths.push(d.path ? `${d.path}/${f.name}` : f.name);
    }
    // A file the build rewrote (accounts, certificates, paths) is the build's now: top layer, its mtime.
    const kept = paths.filter((p) => !mtimes.has(p));
    for (const p of kept) packagePaths.add(p);
    owned.set(rec.info.name, kept);
    replaces.set(rec.info.name, rec.info.replaces);
  }
  return {
    rootDir: root,
    arch,
    packages: resolved.packages.map((p) => ({ ...p, replaces: replaces.get(p.name) ?? p.replaces })),
    scan: {
      owners,
      knownUids: ids.uids,
      knownGids: ids.gids,
      packagePaths,
      mtimes,
      xattrs,
      virtual: DEVICE_NODES,
    },
    owned,
    replaces,
    ...(user === undefined ? {} : { user }),
  };
}
