/**
 * The workspace mounted at /home/build: the source directory copied in (without `.git` and what
 * `.melangeignore` lists), and `melange-out/<pkg>` for every package (I/O edge).
 */
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { LupineError } from '../../core/index.js';

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

export async function makeWorkspace(i: WorkspaceInput): Promise<Workspace> {
  const given = i.dir !== undefined;
  const dir = given ? resolve(i.dir as string) : await mkdtemp(join(tmpdir(), 'lupine-workspace-'));
  await mkdir(dir, { recursive: true });
  try {
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
    if (!given) await rm(dir, { recursive: true, force: true });
    if (err instanceof LupineError) throw err;
    throw new LupineError('IO_ERROR', `cannot prepare the workspace ${dir}: ${(err as Error).message}`, {
      cause: err,
      details: { path: dir },
    });
  }
  return {
    dir,
    outDir: (name) => join(dir, 'melange-out', name),
    remove: async () => {
      if (!given) await rm(dir, { recursive: true, force: true });
    },
  };
}
