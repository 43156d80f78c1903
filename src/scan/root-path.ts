/**
 * Paths inside a root filesystem: normalizing them, and following symlinks component by component
 * the way the kernel would, without leaving the root. Over any lookup (image layers or a directory).
 */

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

/**
 * Follows symlinks component by component inside the root (an absolute target restarts at the root,
 * `..` stops at it); the real path of an existing file, or undefined.
 */
export async function resolveRootFile(lookup: RootLookup, path: string): Promise<string | undefined> {
  let pending = path.split('/');
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (name === '' || name === '.') continue;
    if (name === '..') {
      done.pop();
      continue;
    }
    const node = await lookup([...done, name].join('/'));
    if (node.kind === 'missing') return undefined;
    if (node.kind === 'symlink') {
      if (++hops > 40) return undefined;
      if (node.target.startsWith('/')) done.length = 0;
      pending = [...node.target.split('/'), ...pending];
      continue;
    }
    if (node.kind === 'file' && pending.some((c) => c !== '' && c !== '.')) return undefined;
    done.push(name);
  }
  if (done.length === 0) return undefined;
  const final = await lookup(done.join('/'));
  return final.kind === 'file' ? done.join('/') : undefined;
}
