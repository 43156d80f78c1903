import { LupineError } from '../core/index.js';
import { fnmatchComponent } from './protected-paths.js';

/** One line of `lib/apk/db/triggers`: a package identity and its directory globs. */
export interface TriggerEntry {
  /** `Q1…` identity of the installed package. */
  identity: string;
  globs: string[];
}

/** Parses `lib/apk/db/triggers`, keeping the order of the lines. */
export function parseTriggersDb(text: string, source = 'lib/apk/db/triggers'): TriggerEntry[] {
  const out: TriggerEntry[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const [identity, ...globs] = line.split(' ').filter((s) => s.length > 0);
    if (!identity || !/^(Q1[A-Za-z0-9+/]{27}=|X1[0-9a-f]{40})$/.test(identity)) {
      throw new LupineError('DB_MALFORMED', `${source}:${i + 1}:1: a triggers line must start with a package id`, {
        details: { location: `${source}:${i + 1}:1` },
        hint: 'the triggers database is damaged; restore it from a backup',
      });
    }
    out.push({ identity, globs });
  });
  return out;
}

/** Triggers text: one line per package that has triggers. */
export function formatTriggersDb(entries: readonly TriggerEntry[]): string {
  return entries
    .filter((e) => e.globs.length > 0)
    .map((e) => `${e.identity} ${e.globs.join(' ')}\n`)
    .join('');
}

/** Whether `path` (relative to root, no leading '/') matches a trigger glob such as `/usr/lib/*`. */
export function triggerMatches(glob: string, dir: string): boolean {
  // fnmatch(FNM_PATHNAME): one component against one component (no backtracking regex: the globs
  // come from packages).
  const g = (glob.startsWith('/') ? glob.slice(1) : glob).split('/');
  const d = dir.split('/');
  return g.length === d.length && g.every((c, i) => fnmatchComponent(c, d[i] as string));
}
