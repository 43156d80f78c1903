/**
 * What `lupine apk` works on: repositories, the installed database and world. Loading and applying
 * sit behind two small interfaces so the real installer can be plugged into the non-simulated path:
 *   - `StateLoader.load()` gives repositories + installed state (test files, or a root on disk);
 *   - `ChangeApplier` applies one change at a time and writes the databases at the end.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { type Dependency, type PackageInfo, emptyPackageInfo, parseDependencyList } from '../../apk/index.js';
import { LupineError } from '../../core/index.js';
import { applyIndexField, parseApkIndexText, splitIndexRecords } from '../../repo/index.js';
import type { Change, RepositoryInput } from '../../resolver/index.js';
import type { CliIo } from '../io.js';
import { type ApkArgs, has, last, values } from './apk-args.js';

export interface ApkState {
  readonly repositories: RepositoryInput[];
  readonly installed: PackageInfo[];
  readonly installedTags: Record<string, string>;
  /** Installed packages marked broken (`f:` with f, s or x) that `apk fix` repairs by default. */
  readonly broken?: readonly string[];
  readonly world: Dependency[];
  /** Packages of another arch (except noarch) are not installable; '' when not configured. */
  readonly arch: string;
}

/** Where repositories and the installed state come from. */
export interface StateLoader {
  load(args: ApkArgs, io: CliIo): Promise<ApkState>;
}

/** Applies a changeset to a root. The simulated path uses `simulatedApplier`. */
export interface ChangeApplier {
  /** Applies one change; false when it failed (apk counts an error and carries on). */
  applyChange(change: Change): Promise<boolean>;
  /** Writes world and the installed databases once all changes ran. */
  finish(world: readonly Dependency[]): Promise<void>;
}

export const simulatedApplier: ChangeApplier = {
  applyChange: async () => true,
  finish: async () => {},
};

/** The seam for the installer: until it is plugged in, a real run is refused with a clear message. */
export const unavailableApplier: ChangeApplier = {
  applyChange: async () => {
    throw new LupineError('USAGE', 'apk: installing into a root is not available in this build', {
      hint: 'add --simulate (-s) to see what would change',
    });
  },
  finish: async () => {},
};

const readText = async (io: CliIo, file: string) => {
  const path = isAbsolute(file) ? file : resolve(io.cwd, file);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new LupineError('IO_ERROR', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
};

/** An installed database (APKINDEX-style text with `s:` tags and file lines, which are skipped). */
export function parseInstalledText(
  text: string,
  source: string,
): { packages: PackageInfo[]; tags: Record<string, string>; broken: string[] } {
  const packages: PackageInfo[] = [];
  const tags: Record<string, string> = {};
  const broken: string[] = [];
  for (const rec of splitIndexRecords(text, source)) {
    const pkg = emptyPackageInfo();
    let tag = '';
    for (const { key, value, line } of rec) {
      if (applyIndexField(pkg, key, value, line, source)) continue;
      if (key === 's') tag = value;
      else if (key === 'f' && /[fsx]/.test(value)) broken.push(pkg.name);
      else if (key === 'r') pkg.replaces.push(...value.split(' ').filter(Boolean));
      else if (key === 'q') pkg.replacesPriority = Number(value) || 0;
    }
    if (!pkg.name) continue;
    packages.push(pkg);
    if (tag) tags[pkg.name] = tag;
  }
  return { packages, tags, broken };
}

/** The apk-tools test build's `--test-repo [!][TAG:]FILE`, `--test-instdb FILE`, `--test-world "…"`. */
export const testStateLoader: StateLoader = {
  async load(args, io) {
    const repositories: RepositoryInput[] = [];
    const noNetwork = has(args, 'no-network');
    for (let spec of values(args, 'test-repo')) {
      let cacheOnly = false;
      if (spec.startsWith('!')) {
        cacheOnly = true;
        spec = spec.slice(1);
      }
      const colon = spec.indexOf(':');
      const tag = colon >= 0 ? spec.slice(0, colon) : '';
      const file = colon >= 0 ? spec.slice(colon + 1) : spec;
      const packages = parseApkIndexText(await readText(io, file), file);
      repositories.push({ ...(tag ? { tag } : {}), packages, available: !noNetwork, cacheOnly, name: file });
    }
    let installed: PackageInfo[] = [];
    let installedTags: Record<string, string> = {};
    let broken: string[] = [];
    const instdb = last(args, 'test-instdb');
    if (instdb !== undefined) {
      const r = parseInstalledText(await readText(io, instdb), instdb);
      installed = r.packages;
      installedTags = r.tags;
      broken = r.broken;
    }
    const world = parseDependencyList(values(args, 'test-world').join(' '));
    return { repositories, installed, installedTags, broken, world, arch: last(args, 'arch') ?? '' };
  },
};

const HOST_ARCH: Record<string, string> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  ia32: 'x86',
  arm: 'armv7',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loongarch64',
};

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `apk --print-arch`: --arch, else ROOT/etc/apk/arch, else the host's. */
export async function printArch(args: ApkArgs, io: CliIo): Promise<string> {
  const root = resolve(io.cwd, last(args, 'root') ?? '/');
  return (
    last(args, 'arch') ??
    (await readOptional(join(root, 'etc/apk/arch')))?.trim() ??
    HOST_ARCH[process.arch] ??
    process.arch
  );
}

/**
 * A root on disk: `/etc/apk/{world,arch,repositories}` and `/lib/apk/db/installed` under `--root`,
 * plus `-X` repositories. Local index files (`…/APKINDEX.tar.gz`, or a directory holding
 * `<arch>/APKINDEX.tar.gz`) are read here; remote repositories are for the fetcher to plug in.
 */
export const rootStateLoader: StateLoader = {
  async load(args, io) {
    const { readApkIndexArchive, loadKeyring, parseRepositories } = await import('../../repo/index.js');
    const root = resolve(io.cwd, last(args, 'root') ?? '/');
    // The arch names index paths; packages are filtered by it only when it was set explicitly.
    const configured = last(args, 'arch') ?? (await readOptional(join(root, 'etc/apk/arch')))?.trim();
    const arch = configured ?? HOST_ARCH[process.arch] ?? process.arch;
    const world = parseDependencyList((await readOptional(join(root, 'etc/apk/world'))) ?? '');
    const instText = await readOptional(join(root, 'lib/apk/db/installed'));
    const inst = instText
      ? parseInstalledText(instText, 'lib/apk/db/installed')
      : { packages: [], tags: {}, broken: [] };
    const specs: { tag: string; url: string }[] = [];
    const reposFile = last(args, 'repositories-file') ?? join(root, 'etc/apk/repositories');
    const reposText = await readOptional(resolve(io.cwd, reposFile));
    if (reposText !== undefined) {
      for (const e of parseRepositories(reposText)) specs.push({ tag: e.tag ?? '', url: e.url });
    }
    for (const x of values(args, 'repository')) {
      const m = /^@(\S+)\s+(.*)$/.exec(x);
      specs.push(m ? { tag: m[1] as string, url: m[2] as string } : { tag: '', url: x });
    }
    const allowUntrusted = has(args, 'allow-untrusted');
    const keysDir = last(args, 'keys-dir') ?? join(root, 'etc/apk/keys');
    const keys = allowUntrusted ? undefined : await loadKeyring([resolve(io.cwd, keysDir)]);
    const repositories: RepositoryInput[] = [];
    for (const s of specs) {
      if (/^[a-z]+:\/\//.test(s.url) && !s.url.startsWith('file://')) {
        throw new LupineError('REPO_UNREACHABLE', `apk: remote repository ${s.url} needs the network fetcher`, {
          hint: 'use a local repository path, or --test-repo with APKINDEX text',
        });
      }
      const local = s.url.replace(/^file:\/\//, '');
      const file = local.endsWith('.tar.gz') ? local : join(local, arch, 'APKINDEX.tar.gz');
      const bytes = await readFile(resolve(io.cwd, file)).catch((err: unknown) => {
        throw new LupineError('IO_ERROR', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
      });
      const index = readApkIndexArchive(bytes, { source: file, allowUntrusted, ...(keys ? { keys } : {}) });
      repositories.push({ ...(s.tag ? { tag: s.tag } : {}), packages: index.packages, name: s.url });
    }
    return {
      repositories,
      installed: inst.packages,
      installedTags: inst.tags,
      broken: inst.broken,
      world,
      arch: configured ?? '',
    };
  },
};
