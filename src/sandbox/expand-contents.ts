import { chmod, lchown, link, mkdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../core/index.js';
import { normalizeEntryPath, type PackageContents, type PathKind, resolveInRoot } from '../install/index.js';

async function tryChown(path: string, uid: number, gid: number): Promise<void> {
  try {
    await lchown(path, uid, gid);
  } catch {
    // not root: files stay ours, which is what an unprivileged cache can do
  }
}

/**
 * Writes a verified package's files into `tree` (an empty directory): directories, regular files,
 * symlinks and hardlinks with their modes, owners (when we may) and mtimes. Device nodes and fifos
 * are skipped (a build guest gets its /dev from the sandbox). Paths are checked as the installer
 * checks them: no absolute names, no '..', no writing through a symlink out of the tree.
 * Returns how many entries were skipped.
 */
export async function expandContents(contents: PackageContents, tree: string, logger?: Logger): Promise<number> {
  const label = `${contents.info.name}-${contents.info.version}`;
  const placed = new Map<string, PathKind>();
  const lookup = (p: string): PathKind => placed.get(p) ?? { kind: 'missing' };
  const dirModes: Array<[string, number]> = [];
  let skipped = 0;
  for (let i = 0; i < contents.files.length; i++) {
    const f = contents.files[i];
    if (f === undefined) continue;
    const path = normalizeEntryPath(f.path, label);
    if (path === '') continue;
    const real = resolveInRoot(path, lookup, f.type === 'dir', label);
    const abs = join(tree, real);
    const was = placed.get(real);
    if (f.type === 'dir') {
      if (was === undefined) {
        await mkdir(abs, { recursive: true, mode: 0o755 });
        placed.set(real, { kind: 'dir' });
      }
      dirModes.push([abs, f.mode & 0o7777]);
      await tryChown(abs, f.uid, f.gid);
      continue;
    }
    if (f.type !== 'file' && f.type !== 'symlink' && f.type !== 'hardlink') {
      skipped++;
      logger?.debug(`${label}: skipping ${f.type} ${path}`);
      continue;
    }
    await mkdir(dirname(abs), { recursive: true });
    if (was !== undefined) await rm(abs, { recursive: true, force: true });
    if (f.type === 'file') {
      await writeFile(abs, contents.content(i));
      await tryChown(abs, f.uid, f.gid); // before chmod: chown clears set-id bits
      await chmod(abs, f.mode & 0o7777);
      await utimes(abs, f.mtime, f.mtime);
      placed.set(real, { kind: 'other' });
    } else if (f.type === 'symlink') {
      await symlink(f.linkTarget, abs);
      await tryChown(abs, f.uid, f.gid);
      placed.set(real, { kind: 'symlink', target: f.linkTarget });
    } else {
      // a hardlink shares its target's inode, owner and mode included
      const target = resolveInRoot(normalizeEntryPath(f.linkTarget, label), lookup, false, label);
      await link(join(tree, target), abs);
      placed.set(real, { kind: 'other' });
    }
  }
  // Directory modes last: a read-only directory must not stop its own files being written.
  for (const [abs, mode] of dirModes.reverse()) await chmod(abs, mode);
  return skipped;
}
