/**
 * A recipe's inputs as one blob, so that a worker on another machine (no shared filesystem) gets
 * exactly what the coordinator hashed: the recipe file, the folder beside it (`foo.yaml` → `foo/`)
 * and the tree's `pipelines/`. JSON with base64 contents, entries sorted: the same inputs give the
 * same bytes, hence the same digest (pushed once, however many coordinators ask).
 */
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
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

/** Writes a bundle under `dir` (which must be empty); paths that leave `dir` are refused. */
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
  for (const e of doc.entries) {
    const path = resolve(root, e.path);
    if (path !== root && !path.startsWith(root + sep)) {
      throw new LupineError('CLUSTER_STORE_INVALID', `input bundle entry leaves its directory: ${e.path}`);
    }
    if (e.type === 'dir') await mkdir(path, { recursive: true });
    else if (e.type === 'symlink') {
      await mkdir(dirname(path), { recursive: true });
      await symlink(e.target ?? '', path);
    } else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, Buffer.from(e.data ?? '', 'base64'), { mode: e.mode ?? 0o644 });
    }
  }
}
