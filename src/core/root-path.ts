/**
 * The one walk of a path inside a root: component by component, each symlink followed the way the
 * kernel would, but never out of the root. What the walk looks at comes from a lookup (the disk,
 * a transaction's overlay, image layers), so the same rules serve an apk `--root`, a staged
 * install, a guest plan and a scanned image. Each caller states its rules: whether an absolute
 * symlink target starts again at the root (RESOLVE_IN_ROOT, a root read as its own programs see
 * it) or is refused (confinement: what we write must not leave the root), and likewise for `..`.
 */

/** What one real path inside the root is, as far as resolution cares (not followed). */
export type RootPathKind =
  | { readonly kind: 'dir' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'other' }
  | { readonly kind: 'symlink'; readonly target: string };

export interface RootWalkRules {
  /** Follow a symlink in the last component too (false: the last is kept as named). */
  readonly followLast: boolean;
  /** An absolute symlink target starts again at the root, or is refused. */
  readonly absolute: 'restart' | 'refuse';
  /** `..` at the root stays at the root, or is refused. */
  readonly aboveRoot: 'stay' | 'refuse';
  /** A missing component: walked on (it may be created), or the path is not found. */
  readonly missing: 'pass' | 'stop';
  /** A component that is not a directory with more path after it: walked on, not found, or refused. */
  readonly notDir: 'pass' | 'stop' | 'refuse';
}

/** The real path relative to the root (no leading `/`), or why there is none. */
export type RootWalkResult =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly why: 'not-found' }
  | {
      readonly ok: false;
      readonly why: 'absolute' | 'above' | 'loop' | 'not-dir';
      /** The component where the walk stopped. */
      readonly at: string;
      /** The absolute symlink target (why 'absolute'). */
      readonly target?: string;
    };

/** Symlinks followed in one walk before it is a loop (the kernel's MAXSYMLINKS). */
export const MAX_SYMLINK_HOPS = 40;

/** The walk itself: yields each real path it needs to know, receives what it is. */
function* walk(path: string, rules: RootWalkRules): Generator<string, RootWalkResult, RootPathKind> {
  const queue = path.split('/').filter((c) => c !== '' && c !== '.');
  const last = rules.followLast ? undefined : queue.pop();
  const stack: string[] = [];
  let hops = 0;
  while (queue.length > 0) {
    const c = queue.shift() as string;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (stack.length === 0 && rules.aboveRoot === 'refuse') return { ok: false, why: 'above', at: path };
      stack.pop();
      continue;
    }
    const at = [...stack, c].join('/');
    const k = yield at;
    if (k.kind === 'symlink') {
      if (++hops > MAX_SYMLINK_HOPS) return { ok: false, why: 'loop', at };
      if (k.target.startsWith('/')) {
        if (rules.absolute === 'refuse') return { ok: false, why: 'absolute', at, target: k.target };
        stack.length = 0;
      }
      queue.unshift(...k.target.split('/'));
      continue;
    }
    if (k.kind === 'missing' && rules.missing === 'stop') return { ok: false, why: 'not-found' };
    if (k.kind === 'other' && (queue.length > 0 || last !== undefined) && rules.notDir !== 'pass') {
      return rules.notDir === 'refuse' ? { ok: false, why: 'not-dir', at } : { ok: false, why: 'not-found' };
    }
    stack.push(c);
  }
  if (last !== undefined) stack.push(last);
  return { ok: true, path: stack.join('/') };
}

/** Walks `path` inside a root with a synchronous lookup. */
export function walkRootSync(
  path: string,
  rules: RootWalkRules,
  lookup: (real: string) => RootPathKind,
): RootWalkResult {
  const w = walk(path, rules);
  let step = w.next();
  while (!step.done) step = w.next(lookup(step.value));
  return step.value;
}

/** Walks `path` inside a root with a lookup that may be asynchronous (image layers). */
export async function walkRoot(
  path: string,
  rules: RootWalkRules,
  lookup: (real: string) => RootPathKind | Promise<RootPathKind>,
): Promise<RootWalkResult> {
  const w = walk(path, rules);
  let step = w.next();
  while (!step.done) step = w.next(await lookup(step.value));
  return step.value;
}
