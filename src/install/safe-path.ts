import { LupineError, type RootPathKind, walkRootSync } from '../core/index.js';

function unsafe(path: string, why: string, pkg: string): LupineError {
  return new LupineError('INSTALL_UNSAFE_PATH', `${pkg}: refusing '${path}': ${why}`, {
    details: { path, package: pkg, why },
    hint: 'the package is damaged or hostile; do not install it',
  });
}

/**
 * A package entry name as a path relative to the root: `./usr/bin/` → `usr/bin`. Refuses absolute
 * names, `..` components and NUL bytes. Returns '' for the root itself.
 */
export function normalizeEntryPath(name: string, pkg = 'package'): string {
  if (name.includes('\0')) throw unsafe(name, 'the name contains a NUL byte', pkg);
  if (name.startsWith('/')) throw unsafe(name, 'the name is absolute', pkg);
  const parts = name.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) throw unsafe(name, "the name contains a '..' component", pkg);
  return parts.join('/');
}

/** What a path inside the root is, as far as resolution cares. */
export type PathKind = RootPathKind;

/** Confined: nothing a package or a root holds makes us write outside the root. */
const CONFINED = { absolute: 'refuse', aboveRoot: 'refuse', missing: 'pass', notDir: 'refuse' } as const;

/**
 * Resolves `path` (relative to the root) to the real path relative to the root, following symlinks
 * as the kernel would but refusing any that would lead out of the root: an absolute target, or a
 * relative one climbing above the root (`INSTALL_SYMLINK_ESCAPE`). `lookup` tells what a real path
 * is (the file system plus what this transaction has already placed). With `followLast` false the
 * last component is not followed (the entry itself will replace it).
 */
export function resolveInRoot(
  path: string,
  lookup: (realPath: string) => PathKind,
  followLast: boolean,
  pkg = 'package',
): string {
  const r = walkRootSync(path, { followLast, ...CONFINED }, lookup);
  if (r.ok) return r.path;
  switch (r.why) {
    case 'above':
      throw escapeError(path, 'a symlink leads above the root', pkg);
    case 'loop':
      throw escapeError(path, 'too many levels of symlinks', pkg);
    case 'absolute':
      throw escapeError(path, `'${r.at}' is a symlink to the absolute path '${r.target}'`, pkg);
    default: {
      const at = r.why === 'not-dir' ? r.at : path;
      throw new LupineError('INSTALL_UNSAFE_PATH', `${pkg}: refusing '${path}': '${at}' is not a directory`, {
        details: { path, package: pkg, why: 'not a directory', at },
        hint: 'a file is in the way of a directory the package needs',
      });
    }
  }
}

function escapeError(path: string, why: string, pkg: string): LupineError {
  return new LupineError('INSTALL_SYMLINK_ESCAPE', `${pkg}: refusing '${path}': ${why}`, {
    details: { path, package: pkg, why },
    hint: 'writing through this symlink would leave the root; the package or the root is hostile or damaged',
  });
}
