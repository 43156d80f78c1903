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
import { type ImageKey, keyringOf, lockArch, type ResolvedArch } from './sources.js';
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
  const resolved = await lockArch(o.packages, o.lock, {
    text: o.buildRepositories,
    arch,
    keys: keyring,
    fetcher: o.fetcher,
    logger,
    ...(o.cache ? { cache: o.cache } : {}),
    ...(o.offline ? { offline: true } : {}),
    ...(o.allowUntrusted ? { allowUntrusted: true } : {}),
  });

  const owned = await makeOwnedRoot(o.tempDir ?? (await userTempDir()), arch);
  try {
    const filled = await fillRoot(owned.root, config, arch, o, { resolved, keyring, buildDate, logger });
    return { ...filled, remove: owned.remove, keep: owned.keep };
  } catch (err) {
    await owned.remove();
    throw err;
  }
}

/** What fillRoot's phases share: the inputs, and the owners and mtimes of what the build writes. */
interface Filling {
  readonly root: string;
  readonly config: ResolvedImageConfig;
  readonly arch: ApkArch;
  readonly o: AssembleRootOptions;
  readonly resolved: ResolvedArch;
  readonly keyring: ReturnType<typeof keyringOf>;
  readonly buildDate: number;
  readonly logger: Logger;
  /** The locked set as the installer takes it; each package is fetched once. */
  readonly locked: readonly LockedPackage[];
  /** Files the build writes or rewrites take mtime 0, as apko's do (certificates: the build date). */
  readonly mtimes: Map<string, number>;
  readonly owners: OwnerMap;
}

type InstalledRecords = ReturnType<typeof parseInstalledDb>;

async function fillRoot(
  root: string,
  config: ResolvedImageConfig,
  arch: ApkArch,
  o: AssembleRootOptions,
  ctx: Pick<Filling, 'resolved' | 'keyring' | 'buildDate' | 'logger'>,
): Promise<Omit<AssembledRoot, 'remove' | 'keep'>> {
  const f: Filling = {
    root,
    config,
    arch,
    o,
    ...ctx,
    locked: lockedPackages(ctx.resolved, arch),
    mtimes: new Map(),
    owners: new Map(),
  };
  const records = await installLocked(f);
  await writeAccounts(f);
  writeLockedConfig(f);
  for (const p of applyPathMutations(root, config.paths, f.owners)) f.mtimes.set(p, 0);
  writeCertificates(f, records);
  for (const k of config.contents.runtimeKeyring) {
    f.mtimes.set(writeImageFile(root, `etc/apk/keys/${basename(k.name)}`, k.content, 0o644), 0);
  }
  writeServices(f);
  installBusyboxLinks(root);
  const ldCache = installLdSoCache(root, arch);
  if (ldCache) f.mtimes.set(ldCache, 0);
  return describeRoot(f, records);
}

/** The resolved packages as the installer takes them, each fetched once however often it is asked for. */
function lockedPackages(resolved: Filling['resolved'], arch: ApkArch): LockedPackage[] {
  const fetched = new Map<string, Uint8Array>();
  return resolved.infos.map(({ info, repository: repo, tag }) => ({
    name: info.name,
    version: info.version,
    identity: info.identity,
    arch: info.arch || arch,
    repository: repo.url,
    tag,
    ...(info.installedSize > 0 ? { installedSize: info.installedSize } : {}),
    fetch: async () => {
      const bytes = fetched.get(info.name) ?? (await repo.fetch(info));
      fetched.set(info.name, bytes);
      return bytes;
    },
  }));
}

/**
 * Phase: the skeleton, keys, repositories and the locked packages, from the root cache when it has
 * them; the installed database rewritten in apko's format. Returns its records in install order.
 */
async function installLocked(f: Filling): Promise<InstalledRecords> {
  const { root, arch, o, resolved, buildDate, logger } = f;
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
    await installPackages(root, f.locked, {
      world,
      keyring: f.keyring,
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
  return inInstallOrder(installerDb);
}

/** The real path of `etc/<name>` in the root. */
function etcPath(root: string, name: string): string {
  return join(root, resolveImagePath(root, `etc/${name}`, true));
}

/** Phase: the config's accounts merged with what the packages ship; the users' missing home directories. */
async function writeAccounts(f: Filling): Promise<void> {
  const { root, config, arch, logger } = f;
  const before: AccountFiles = {
    passwd: await readOptional(etcPath(root, 'passwd')),
    group: await readOptional(etcPath(root, 'group')),
    shadow: await readOptional(etcPath(root, 'shadow')),
  };
  if (before.passwd === undefined) logger.warn(`${arch}: no package provides /etc/passwd; an empty one is created`);
  const after = mergeAccounts(before, config.accounts);
  const rewrite = async (name: keyof AccountFiles, mode: number) => {
    const text = after[name];
    if (text === undefined || text === before[name]) return;
    await writeFile(etcPath(root, name), text, { mode });
    f.mtimes.set(resolveImagePath(root, `etc/${name}`, true), 0);
  };
  await rewrite('passwd', 0o644);
  await rewrite('group', 0o644);
  await rewrite('shadow', 0o640);
  for (const u of config.accounts.users) {
    const rel = resolveImagePath(root, u.homedir, true);
    if (rel === '' || (await stat(join(root, rel)).catch(() => undefined)) !== undefined) continue;
    await mkdir(join(root, rel), { recursive: true, mode: 0o755 });
    await chmod(join(root, rel), 0o700);
    setOwner(root, rel, { uid: u.uid, gid: u.gid }, f.owners);
  }
}

/** Phase: the locked config, as apko writes etc/apko.json. */
function writeLockedConfig(f: Filling): void {
  const { root, config, arch, resolved } = f;
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
  f.mtimes.set(writeImageFile(root, LOCKED_CONFIG_PATH, JSON.stringify(lockedConfig), 0o444), 0);
}

/** Phase: the certificate bundle, from the providers' packages and the config's additional ones. */
function writeCertificates(f: Filling, records: InstalledRecords): void {
  const { root, config, buildDate } = f;
  const providers = new Set(config.certificates?.providers ?? []);
  const provided: string[] = [];
  for (const rec of records) {
    if (!rec.info.provides.some((p) => providers.has(parseDependency(p).name))) continue;
    for (const d of rec.dirs) {
      for (const file of d.files) {
        if (/\.(crt|pem)$/.test(file.name)) provided.push(d.path ? `${d.path}/${file.name}` : file.name);
      }
    }
  }
  for (const p of installCertificates(root, config.certificates?.additional ?? [], provided.sort())) {
    f.mtimes.set(p, buildDate);
  }
}

/** Phase: the s6 service tree of a service-bundle entrypoint. */
function writeServices(f: Filling): void {
  const { root, config } = f;
  if (config.entrypoint.type !== 'service-bundle') return;
  for (const [name, cmd] of Object.entries(config.entrypoint.services ?? {}).sort()) {
    if (name === '' || name === '.' || name === '..' || name.includes('/')) {
      throw new LupineError('IMAGE_BUILD_PATH', `entrypoint.services: '${name}' is not a service name`, {
        details: { service: name },
        hint: 'a service name becomes the directory /sv/<name>: no slashes, not . or ..',
      });
    }
    f.mtimes.set(writeImageFile(root, `sv/${name}/run`, `#!/bin/execlineb\n${cmd}\n`, 0o755), 0);
  }
}

/** Last phase: what the layers need, the ids the image knows, which paths packages own, the run-as user. */
async function describeRoot(f: Filling, records: InstalledRecords): Promise<Omit<AssembledRoot, 'remove' | 'keep'>> {
  const { root, arch, resolved, mtimes, owners } = f;
  const finalPasswd = await readOptional(etcPath(root, 'passwd'));
  const user = runAsUser(f, finalPasswd);
  const ids = knownIds({
    passwd: finalPasswd,
    group: await readOptional(etcPath(root, 'group')),
    shadow: undefined,
  });
  const dbText = await readFile(join(root, 'usr/lib/apk/db/installed'), 'utf8').catch((err: unknown) => {
    throw new LupineError('IO_ERROR', `the installed database is missing from ${root}`, { cause: err });
  });
  const xattrs = await packageXattrs(f, records);
  const owned = new Map<string, string[]>();
  const replaces = new Map<string, readonly string[]>();
  const packagePaths = new Set<string>();
  for (const rec of parseInstalledDb(dbText)) {
    const paths: string[] = [];
    for (const d of rec.dirs) {
      if (d.path) paths.push(d.path);
      for (const file of d.files) paths.push(d.path ? `${d.path}/${file.name}` : file.name);
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

/** The image's run-as user, a username rewritten to its uid from the image's passwd. */
function runAsUser(f: Filling, passwd: string | undefined): string | undefined {
  const user = f.config.accounts.runAs;
  if (user === undefined || /^\d+(:\d+)?$/.test(user)) return user;
  const found = parseIdFile(passwd).find((e) => e.name === user);
  if (found) return String(found.id);
  f.logger.warn(`${f.arch}: run-as ${user} is not a user of the image; User is left as a name`);
  return user;
}

/**
 * Extended attributes are not set on disk (that needs privileges); the layer carries them, read
 * back from the packages whose database records say they have some.
 */
async function packageXattrs(
  f: Filling,
  records: InstalledRecords,
): Promise<Map<string, Readonly<Record<string, Uint8Array>>>> {
  const xattrs = new Map<string, Readonly<Record<string, Uint8Array>>>();
  for (const rec of records) {
    if (!rec.dirs.some((d) => d.xattrHash || d.files.some((file) => file.xattrHash))) continue;
    const bytes = await f.locked.find((l) => l.name === rec.info.name)?.fetch();
    if (!bytes) continue;
    for (const file of readPackage(bytes).files) {
      if (Object.keys(file.xattrs).length === 0) continue;
      xattrs.set(file.name.replace(/^\.?\/+/, '').replace(/\/+$/, ''), file.xattrs);
    }
  }
  return xattrs;
}
