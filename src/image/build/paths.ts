/**
 * `paths` mutations (spec §1), applied to an assembled root — without apko's pitfalls: a missing
 * `permissions` leaves the mode alone (directories and empty files get 0755 / 0644 when created), and
 * a symlink mutation never changes its target's mode. Ownership is recorded in `owners` (the layer
 * writer reads it; on-disk chown needs privileges the build may not have) and applied when possible.
 */
import {
  chmodSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { LupineError } from '../../core/index.js';
import type { ResolvedPathMutation } from '../config/types.js';
import { existsNoFollow, imagePathParts, resolveImagePath } from './root-path.js';

/** Ownership set by the build, by real path relative to the root. */
export type OwnerMap = Map<string, { readonly uid: number; readonly gid: number }>;

function fail(m: ResolvedPathMutation, problem: string, cause?: unknown): LupineError {
  return new LupineError('IMAGE_BUILD_PATH', `paths: ${m.type} ${m.path}: ${problem}`, {
    cause,
    details: { path: m.path, type: m.type },
    hint: 'check the paths entries of the image config against what the packages install',
  });
}

/** Missing parent directories of a new entry are created 0755 (its parent path is already resolved). */
function makeParent(root: string, rel: string): void {
  const slash = rel.lastIndexOf('/');
  if (slash > 0) mkdirSync(join(root, rel.slice(0, slash)), { recursive: true, mode: 0o755 });
}

/** Sets ownership (recorded, and on disk when permitted). */
export function setOwner(root: string, rel: string, owner: { uid: number; gid: number }, owners: OwnerMap): void {
  owners.set(rel, owner);
  try {
    lchownSync(join(root, rel), owner.uid, owner.gid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
}

/** Every path under `rel` (itself first), real paths relative to the root; symlinks are not followed. */
function walk(root: string, rel: string): string[] {
  const out = [rel];
  const st = lstatSync(join(root, rel));
  if (st.isDirectory()) {
    for (const name of readdirSync(join(root, rel)).sort()) out.push(...walk(root, rel ? `${rel}/${name}` : name));
  }
  return out;
}

function apply(root: string, rel: string, m: ResolvedPathMutation, owners: OwnerMap): void {
  const targets = m.recursive ? walk(root, rel) : [rel];
  for (const t of targets) {
    const st = lstatSync(join(root, t));
    if (m.owner) setOwner(root, t, m.owner, owners);
    if (m.permissions !== null && !st.isSymbolicLink()) chmodSync(join(root, t), m.permissions);
  }
}

/**
 * Applies the mutations in order; returns the paths created or replaced (their mtime is the build's).
 * Throws IMAGE_BUILD_PATH naming the entry that cannot be applied.
 */
export function applyPathMutations(
  root: string,
  mutations: readonly ResolvedPathMutation[],
  owners: OwnerMap,
): string[] {
  const created: string[] = [];
  for (const m of mutations) {
    try {
      if (imagePathParts(m.path).length === 0) throw fail(m, 'the root itself cannot be changed');
      switch (m.type) {
        case 'directory': {
          const rel = resolveImagePath(root, m.path, true);
          if (!existsNoFollow(join(root, rel))) created.push(rel);
          mkdirSync(join(root, rel), { recursive: true, mode: 0o755 });
          if (!lstatSync(join(root, rel)).isDirectory()) throw fail(m, 'exists and is not a directory');
          apply(root, rel, m, owners);
          break;
        }
        case 'empty-file': {
          const rel = resolveImagePath(root, m.path, false);
          makeParent(root, rel);
          // Never write through whatever is there (a symlink could point anywhere): replace it.
          if (existsNoFollow(join(root, rel))) {
            if (lstatSync(join(root, rel)).isDirectory()) throw fail(m, 'a directory is in the way');
            rmSync(join(root, rel), { force: true });
          }
          writeFileSync(join(root, rel), '', { mode: 0o644 });
          created.push(rel);
          apply(root, rel, { ...m, recursive: false }, owners);
          break;
        }
        case 'hardlink': {
          if (!m.source) throw fail(m, 'a hardlink needs a source');
          const src = resolveImagePath(root, m.source, true);
          if (!existsNoFollow(join(root, src)) || lstatSync(join(root, src)).isDirectory()) {
            throw fail(m, `the source ${m.source} is not a file in the image`);
          }
          const rel = resolveImagePath(root, m.path, false);
          makeParent(root, rel);
          rmSync(join(root, rel), { force: true });
          linkSync(join(root, src), join(root, rel));
          created.push(rel);
          apply(root, rel, { ...m, recursive: false }, owners);
          break;
        }
        case 'symlink': {
          if (!m.source) throw fail(m, 'a symlink needs a source (its target)');
          const rel = resolveImagePath(root, m.path, false);
          makeParent(root, rel);
          if (existsNoFollow(join(root, rel))) {
            if (lstatSync(join(root, rel)).isDirectory()) throw fail(m, 'a directory is in the way');
            rmSync(join(root, rel), { force: true });
          }
          symlinkSync(m.source, join(root, rel));
          created.push(rel);
          if (m.owner) setOwner(root, rel, m.owner, owners);
          break;
        }
        case 'permissions': {
          const rel = resolveImagePath(root, m.path, true);
          if (!existsNoFollow(join(root, rel))) throw fail(m, 'no such file or directory in the image');
          apply(root, rel, m, owners);
          break;
        }
      }
    } catch (err) {
      if (err instanceof LupineError) throw err;
      throw fail(m, (err as Error).message, err);
    }
  }
  return created;
}
