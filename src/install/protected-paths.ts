import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { digest } from '../core/index.js';

/** apk-tools 2.x's protected paths when `etc/apk/protected_paths.d` has none: `+etc @etc/init.d !etc/apk`. */
export const DEFAULT_PROTECTED_PATHS: readonly string[] = ['+etc', '@etc/init.d', '!etc/apk'];

/** `all`: local changes to files and symlinks are kept; `symlinks`: only symlinks; `none`. */
export type ProtectMode = 'all' | 'symlinks' | 'none';

/** The rule with the longest matching directory prefix decides (`+` all, `@` symlinks, `!`/`-` none). */
export function protectMode(path: string, rules: readonly string[] = DEFAULT_PROTECTED_PATHS): ProtectMode {
  let best: ProtectMode = 'none';
  let bestLen = -1;
  for (const rule of rules) {
    const dir = rule.slice(1).replace(/^\/+|\/+$/g, '');
    if (!(path === dir || path.startsWith(`${dir}/`)) || dir.length <= bestLen) continue;
    bestLen = dir.length;
    best = rule[0] === '+' ? 'all' : rule[0] === '@' ? 'symlinks' : 'none';
  }
  return best;
}

/** `Q1…` SHA-1 of what is at `path` on disk (content, or a symlink's target); undefined otherwise. */
export function digestOnDisk(root: string, real: string): string | undefined {
  const p = join(root, real);
  try {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return `Q1${digest('sha1', Buffer.from(readlinkSync(p))).toString('base64')}`;
    if (st.isFile()) return `Q1${digest('sha1', readFileSync(p)).toString('base64')}`;
    return undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Where a protected file goes (apk 2.x): if the file on disk was changed locally — it differs from what
 * the installed database recorded, or no package owned it — the local copy stays and the new one is
 * written beside it as `.apk-new` (or dropped when it is identical to the local copy).
 */
export function configDecision(
  disk: string | undefined,
  recorded: string | undefined,
  incoming: string,
): 'replace' | 'apk-new' | 'keep' {
  if (disk === undefined) return 'replace';
  if (recorded !== undefined && recorded !== '' && recorded === disk) return 'replace';
  return disk === incoming ? 'keep' : 'apk-new';
}
