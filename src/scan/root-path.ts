/**
 * Paths inside a root filesystem: normalizing them, and following symlinks component by component
 * the way the kernel would, without leaving the root. Over any lookup (image layers or a directory).
 */

import { walkRoot } from '../core/index.js';

/** What a path in a root is, without following it. */
export type RootNode =
  | { readonly kind: 'file'; readonly data?: Buffer }
  | { readonly kind: 'dir' }
  | { readonly kind: 'symlink'; readonly target: string }
  | { readonly kind: 'missing' };

export type RootLookup = (path: string) => RootNode | Promise<RootNode>;

/** `./usr/lib/` → `usr/lib`. */
export function normalizeRootPath(p: string): string {
  const parts: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') parts.pop();
    else parts.push(c);
  }
  return parts.join('/');
}

/** As the root's own programs would see it: an absolute target restarts at the root, `..` stops at it. */
const IN_ROOT = { followLast: true, absolute: 'restart', aboveRoot: 'stay', missing: 'stop', notDir: 'stop' } as const;

/**
 * Follows symlinks component by component inside the root (core's walk, RESOLVE_IN_ROOT); the real
 * path of an existing file, or undefined.
 */
export async function resolveRootFile(lookup: RootLookup, path: string): Promise<string | undefined> {
  const r = await walkRoot(path, IN_ROOT, async (real) => {
    const node = await lookup(real);
    return node.kind === 'file' ? { kind: 'other' } : node;
  });
  if (!r.ok || r.path === '') return undefined;
  return (await lookup(r.path)).kind === 'file' ? r.path : undefined;
}
