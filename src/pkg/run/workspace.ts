/**
 * The workspace mounted at /home/build: the source directory copied in (without `.git` and what
 * `.melangeignore` lists), and `melange-out/<pkg>` for every package (I/O edge). A temporary one is
 * `$TMPDIR/lupine-workspace-XXXXXX/ws`: its parent holds the owner file (out of the guest's reach),
 * so the workspace of a killed build is swept by the next (`sweepStaleBuildDirs`).
 */
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { type Logger, LupineError, makeOwnedDir, sweepStaleDirs, userTempDir } from '../../core/index.js';
import { FILL_PREFIX } from '../../sandbox/index.js';

const WORKSPACE_PREFIX = 'lupine-workspace-';
/** `<package cache>/guests/guest-XXXXXX`: a build's guest root and its owner file. */
export const GUEST_PREFIX = 'guest-';

export interface Workspace {
  readonly dir: string;
  /** Host directory of a package's `melange-out/<name>`. */
  outDir(name: string): string;
  /** Removes a temporary workspace; a given one (`--workspace-dir`) is kept. */
  remove(): Promise<void>;
}

export interface WorkspaceInput {
  readonly packages: readonly string[];
  readonly sourceDir?: string;
  /** `--workspace-dir`; default a temporary directory. */
  readonly dir?: string;
  /** Absolute paths never copied (the out-dir, caches), when they lie inside the source directory. */
  readonly exclude?: readonly string[];
}

/** `.melangeignore` patterns as matchers over relative paths (`*` within a name, `dir/` for directories). */
export function ignoreMatcher(text: string): (rel: string) => boolean {
  const res = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const anchored = l.startsWith('/');
      const body = l.replace(/^\/+/, '').replace(/\/+$/, '');
      const glob = body
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*');
      return new RegExp(`${anchored ? '^' : '(^|/)'}${glob}(/|$)`);
    });
  return (rel) => res.some((r) => r.test(rel));
}

/**
 * Removes the temporary workspaces (`$TMPDIR/lupine-<euid>/lupine-workspace-*`), guests (`<cache>/guests/guest-*`)
 * and half-expanded packages (`<cache>/expanded/.fill-*`) that builds killed before their cleanup
 * left behind: those whose owner process is gone.
 */
export async function sweepStaleBuildDirs(packageCacheDir: string, logger: Logger): Promise<void> {
  const swept = [
    await sweepStaleDirs(await userTempDir(), WORKSPACE_PREFIX),
    await sweepStaleDirs(join(packageCacheDir, 'guests'), GUEST_PREFIX),
    await sweepStaleDirs(join(packageCacheDir, 'expanded'), FILL_PREFIX),
  ];
  for (const s of swept) {
    for (const p of s.removed) logger.info(`lupine pkg: removed ${p}, left by a build that was killed`);
    for (const f of s.failed) logger.warn(`lupine pkg: cannot remove ${f.path}, left by a killed build: ${f.error}`);
  }
}

export async function makeWorkspace(i: WorkspaceInput): Promise<Workspace> {
  const given = i.dir !== undefined;
  const owned = given ? undefined : await makeOwnedDir(await userTempDir(), WORKSPACE_PREFIX);
  const dir = owned === undefined ? resolve(i.dir as string) : join(owned, 'ws');
  const removeOwned = () => (owned === undefined ? Promise.resolve() : rm(owned, { recursive: true, force: true }));
  try {
    await mkdir(dir, { recursive: true });
    if (i.sourceDir !== undefined) {
      const src = resolve(i.sourceDir);
      const ignored = ignoreMatcher(await readFile(join(src, '.melangeignore'), 'utf8').catch(() => ''));
      const exclude = (i.exclude ?? []).map((e) => resolve(e));
      await cp(src, dir, {
        recursive: true,
        verbatimSymlinks: true,
        filter: (from) => {
          const abs = resolve(from);
          if (exclude.some((e) => abs === e || abs.startsWith(`${e}${sep}`))) return false;
          if (abs === dir || abs.startsWith(`${dir}${sep}`)) return false;
          const rel = relative(src, abs);
          if (rel === '') return true;
          return rel !== '.git' && !rel.startsWith(`.git${sep}`) && !ignored(rel.split(sep).join('/'));
        },
      });
    }
    // A kept workspace may hold the outputs of an earlier build: never package those.
    await rm(join(dir, 'melange-out'), { recursive: true, force: true });
    for (const p of i.packages) await mkdir(join(dir, 'melange-out', p), { recursive: true, mode: 0o755 });
  } catch (err) {
    await removeOwned();
    if (err instanceof LupineError) throw err;
    throw new LupineError('IO_ERROR', `cannot prepare the workspace ${dir}: ${(err as Error).message}`, {
      cause: err,
      details: { path: dir },
    });
  }
  return {
    dir,
    outDir: (name) => join(dir, 'melange-out', name),
    remove: removeOwned,
  };
}
