import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { digest, LupineError } from '../core/index.js';

/** A root's list file larger than this is refused (real ones are a few lines). */
const MAX_LIST_BYTES = 1024 * 1024;

/**
 * apk-tools 2.x's built-in protected paths, always in force (it writes no file for them at --initdb):
 * `+etc @etc/init.d !etc/apk`; the root's `etc/apk/protected_paths.d/*.list` add to them.
 */
export const DEFAULT_PROTECTED_PATHS: readonly string[] = ['+etc', '@etc/init.d', '!etc/apk'];

/**
 * A directory's protection (apk's `APK_PROTECT_*`): `none` (no rule), `ignore` (`-`), `changed`
 * (`+` or no mode character), `symlinks` (`@`), `all` (`!`). The installer keeps local changes
 * under every mode but `none`; the modes differ only for `apk audit`.
 */
export type ProtectMode = 'none' | 'ignore' | 'changed' | 'symlinks' | 'all';

export interface ProtectedRule {
  /** Relative to the directory the rule is attached to; `/`-separated fnmatch patterns. */
  readonly pattern: string;
  readonly mode: ProtectMode;
}

const MODE_CHARS: Readonly<Record<string, ProtectMode>> = {
  '-': 'ignore',
  '+': 'changed',
  '@': 'symlinks',
  '!': 'all',
};

/** One line of a `.list` file as apk reads it; undefined for blank lines and `#` comments. */
export function parseProtectedPath(line: string): ProtectedRule | undefined {
  if (line === '' || line.startsWith('#')) return undefined;
  const c = line[0] as string;
  const mode = MODE_CHARS[c];
  const rest = mode ? line.slice(1) : line;
  return { pattern: rest.replace(/^\/+/, '').replace(/\/+$/, ''), mode: mode ?? 'changed' };
}

export function parseProtectedPaths(lines: readonly string[]): ProtectedRule[] {
  return lines.map(parseProtectedPath).filter((r): r is ProtectedRule => r !== undefined);
}

/** A real directory (never through a link: the root's own files are read in the root only). */
function realDir(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

/**
 * The rules apk uses for `root`: the built-in ones, then each `etc/apk/protected_paths.d/*.list`
 * (regular files only, in name order; apk takes them in directory order).
 */
export function readProtectedPaths(root: string): ProtectedRule[] {
  const rules = parseProtectedPaths(DEFAULT_PROTECTED_PATHS);
  let dir = root;
  for (const part of ['etc', 'apk', 'protected_paths.d']) {
    dir = join(dir, part);
    if (!realDir(dir)) return rules;
  }
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.list')) continue;
    const p = join(dir, name);
    const st = lstatSync(p);
    if (!st.isFile()) continue;
    if (st.size > MAX_LIST_BYTES) {
      const rel = `etc/apk/protected_paths.d/${name}`;
      throw new LupineError('LIMIT_EXCEEDED', `${rel} is ${st.size} bytes; a protected paths list is at most 1 MiB`, {
        details: { path: rel, size: st.size, limit: MAX_LIST_BYTES },
        hint: 'the file is not a list of paths; remove it from the root or shorten it',
      });
    }
    rules.push(...parseProtectedPaths(readFileSync(p, 'utf8').split('\n')));
  }
  return rules;
}

type Token = { readonly star: true } | { readonly star: false; test(c: string): boolean };

/** The pattern's tokens (`*`, or a one-character test); undefined when a `[...]` class is invalid. */
function fnmatchTokens(pattern: string): Token[] | undefined {
  const tokens: Token[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '*') tokens.push({ star: true });
    else if (c === '?') tokens.push({ star: false, test: () => true });
    else if (c === '\\' && i + 1 < chars.length) {
      const lit = chars[++i] as string;
      tokens.push({ star: false, test: (x) => x === lit });
    } else if (c === '[' && chars.indexOf(']', i + 2) >= 0) {
      const end = chars.indexOf(']', i + 2);
      let body = chars.slice(i + 1, end).join('');
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      let re: RegExp;
      try {
        re = new RegExp(`^[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]$`, 'su');
      } catch {
        return undefined;
      }
      tokens.push({ star: false, test: (x) => re.test(x) });
      i = end;
    } else tokens.push({ star: false, test: (x) => x === c });
  }
  return tokens;
}

/**
 * fnmatch(3) with FNM_PATHNAME for one path component: `*`, `?`, `[...]` (with `!`/`^`), `\` escapes.
 * Matched by the usual back-to-the-last-star walk (time ∝ pattern × name): the patterns come from the
 * root's list files, and a backtracking regular expression of many stars would never finish.
 */
export function fnmatchComponent(pattern: string, name: string): boolean {
  const tokens = fnmatchTokens(pattern);
  if (!tokens) return pattern === name;
  const s = Array.from(name);
  let p = 0;
  let n = 0;
  let starP = -1;
  let starN = 0;
  while (n < s.length) {
    const t = tokens[p];
    if (t && !t.star && t.test(s[n] as string)) {
      p++;
      n++;
    } else if (t?.star) {
      starP = p++;
      starN = n;
    } else if (starP >= 0) {
      p = starP + 1;
      n = ++starN;
    } else return false;
  }
  while (tokens[p]?.star) p++;
  return p === tokens.length;
}

interface DirState {
  readonly mode: ProtectMode;
  readonly rules: readonly ProtectedRule[];
}

/**
 * apk's per-directory walk (`apk_db_dir_get`): a directory starts with its parent's mode; each rule
 * attached to the parent whose first component matches the directory's name either sets the mode
 * (a one-component rule; the last match wins) or passes its remainder on to the directory's children.
 */
export class ProtectedPaths {
  readonly #rules: readonly ProtectedRule[];
  readonly #dirs = new Map<string, DirState>();

  constructor(rules: readonly ProtectedRule[] = parseProtectedPaths(DEFAULT_PROTECTED_PATHS)) {
    this.#rules = rules;
  }

  #dir(path: string): DirState {
    if (path === '') return { mode: 'none', rules: this.#rules };
    const known = this.#dirs.get(path);
    if (known) return known;
    const slash = path.lastIndexOf('/');
    const parent = this.#dir(slash < 0 ? '' : path.slice(0, slash));
    const name = path.slice(slash + 1);
    let mode = parent.mode;
    const rules: ProtectedRule[] = [];
    for (const r of parent.rules) {
      const cut = r.pattern.indexOf('/');
      if (cut >= 0) {
        if (fnmatchComponent(r.pattern.slice(0, cut), name)) rules.push({ ...r, pattern: r.pattern.slice(cut + 1) });
      } else if (fnmatchComponent(r.pattern, name)) mode = r.mode;
    }
    const state = { mode, rules };
    this.#dirs.set(path, state);
    return state;
  }

  /** The protection of directory `dir` (a package path without leading or trailing `/`). */
  dirMode(dir: string): ProtectMode {
    return this.#dir(dir.replace(/^\/+|\/+$/g, '')).mode;
  }

  /** The protection of a file: its directory's. */
  fileMode(path: string): ProtectMode {
    const slash = path.lastIndexOf('/');
    return this.dirMode(slash < 0 ? '' : path.slice(0, slash));
  }

  /** Whether local changes to the file at `path` are kept (apk: any mode but none). */
  protects(path: string): boolean {
    return this.fileMode(path) !== 'none';
  }
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
 * Where a file under a protected directory goes (apk 2.14 `apk_db_migrate_files`): if the file on
 * disk was changed locally — no package owned it, its record has no checksum, or it differs from
 * the record — the local copy stays; the new one is dropped when it is identical to the local copy
 * or with `--clean-protected`, and written beside it as `.apk-new` otherwise.
 */
export function configDecision(
  disk: string | undefined,
  recorded: string | undefined,
  incoming: string,
  cleanProtected = false,
): 'replace' | 'apk-new' | 'keep' {
  if (disk === undefined) return 'replace';
  if (recorded !== undefined && recorded !== '' && recorded === disk) return 'replace';
  return cleanProtected || (incoming !== '' && disk === incoming) ? 'keep' : 'apk-new';
}

/**
 * Whether a leaving package's file is deleted (apk 2.14 `apk_db_purge_pkg`): always outside protected
 * directories and with `--purge`; under one only when its record has a checksum that the file on
 * disk still matches.
 */
export function removeDecision(
  protectedPath: boolean,
  purge: boolean,
  disk: string | undefined,
  recorded: string | undefined,
): boolean {
  if (!protectedPath || purge) return true;
  return recorded !== undefined && recorded !== '' && disk === recorded;
}
