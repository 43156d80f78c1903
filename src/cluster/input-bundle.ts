/**
 * A recipe's inputs as one blob, so that a worker on another machine (no shared filesystem) gets
 * exactly what the coordinator hashed: the recipe file, the folder beside it (`foo.yaml` → `foo/`)
 * and the tree's `pipelines/`. JSON with base64 contents, entries sorted: the same inputs give the
 * same bytes, hence the same digest (pushed once, however many coordinators ask).
 */
import { lstat, mkdir, readdir, readFile, readlink, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { LupineError } from '../core/index.js';
import { recipeFolder } from '../distro/index.js';

interface BundleEntry {
  readonly path: string;
  readonly type: 'file' | 'dir' | 'symlink';
  readonly mode?: number;
  readonly data?: string;
  readonly target?: string;
}

interface Bundle {
  readonly version: 1;
  readonly entries: readonly BundleEntry[];
}

async function walk(root: string, rel: string, out: BundleEntry[]): Promise<void> {
  const path = join(root, rel);
  const st = await lstat(path).catch(() => undefined);
  if (!st) return;
  if (st.isSymbolicLink()) out.push({ path: rel, type: 'symlink', target: await readlink(path) });
  else if (st.isDirectory()) {
    out.push({ path: rel, type: 'dir' });
    for (const name of (await readdir(path)).sort()) await walk(root, join(rel, name), out);
  } else if (st.isFile()) {
    out.push({ path: rel, type: 'file', mode: st.mode & 0o777, data: (await readFile(path)).toString('base64') });
  }
}

/** The bundle of `recipeFile`'s inputs, paths relative to its tree (the recipe's directory). */
export async function packInputs(recipeFile: string): Promise<Buffer> {
  const tree = dirname(resolve(recipeFile));
  const entries: BundleEntry[] = [];
  await walk(tree, basename(recipeFile), entries);
  await walk(tree, relative(tree, recipeFolder(resolve(recipeFile))), entries);
  await walk(tree, 'pipelines', entries);
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return Buffer.from(JSON.stringify({ version: 1, entries } satisfies Bundle));
}

/**
 * Writes a bundle under `dir` (which must be empty). The bundle comes from the store or Redis, so it
 * is confined: paths that leave `dir`, links whose target (read lexically) leaves `dir`, entries
 * below a link and entries named twice are refused; nothing is ever written through a link.
 */
export async function unpackInputs(bytes: Uint8Array, dir: string): Promise<void> {
  let doc: Bundle;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as Bundle;
  } catch (err) {
    throw new LupineError('CLUSTER_STORE_INVALID', `input bundle is not JSON: ${(err as Error).message}`);
  }
  if (doc.version !== 1 || !Array.isArray(doc.entries)) {
    throw new LupineError('CLUSTER_STORE_INVALID', 'not a lupine input bundle (version 1)');
  }
  const root = resolve(dir);
  const inside = (p: string) => p === root || p.startsWith(root + sep);
  const refuse = (e: BundleEntry, why: string) =>
    new LupineError(
      'CLUSTER_STORE_INVALID',
      `input bundle entry ${JSON.stringify(String(e.path).slice(0, 120))} ${why}`,
      {
        hint: 'the bundle was not written by a lupine coordinator: check who can write to the store and Redis',
      },
    );
  const seen = new Set<string>();
  const links: string[] = [];
  await mkdir(root, { recursive: true });
  for (const e of doc.entries) {
    if (typeof e?.path !== 'string' || e.path.includes('\0')) throw refuse(e, 'has no valid path');
    const path = resolve(root, e.path);
    if (path === root || !inside(path)) throw refuse(e, 'leaves its directory');
    if (seen.has(path)) throw refuse(e, 'is named twice');
    seen.add(path);
    if (links.some((l) => path.startsWith(l + sep))) throw refuse(e, 'lies below a link');
    if (e.type === 'dir') await mkdir(path, { recursive: true });
    else if (e.type === 'symlink') {
      if (typeof e.target !== 'string' || e.target === '' || !inside(resolve(dirname(path), e.target))) {
        throw refuse(e, 'is a link that leaves its directory');
      }
      await mkdir(dirname(path), { recursive: true });
      await symlink(e.target, path);
      links.push(path);
    } else if (e.type === 'file') {
      await mkdir(dirname(path), { recursive: true });
      // 'wx': never through a link or over anything already there.
      await writeFile(path, Buffer.from(e.data ?? '', 'base64'), { mode: (e.mode ?? 0o644) & 0o755, flag: 'wx' });
    } else throw refuse(e, 'has an unknown type');
  }
  // Lexically inside is not enough once links point through links: each must resolve inside too.
  const real = await realpath(root);
  for (const l of links) {
    const to = await realpath(l).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? real : undefined));
    if (to === undefined || (to !== real && !to.startsWith(real + sep))) {
      await rm(root, { recursive: true, force: true });
      throw refuse({ path: relative(root, l), type: 'symlink' }, 'is a link that resolves out of its directory');
    }
  }
}
