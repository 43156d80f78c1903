import { compareWorldNames } from '../resolver/index.js';

/** `/etc/apk/world`: one dependency per entry; spaces and newlines both separate entries on read. */
export function parseWorld(text: string): string[] {
  return text.split(/[ \t\r\n]+/).filter((s) => s.length > 0);
}

/** The name a world entry is about: `!foo@tag>=1` → `foo`. */
export function worldEntryName(entry: string): string {
  const s = entry.startsWith('!') ? entry.slice(1) : entry;
  const m = /^[^@<>=~]*/.exec(s);
  return m ? m[0] : s;
}

/**
 * World text as apk writes it: entries sorted by name the way apk-tools 2.14 sorts world for the
 * solver (ignoring ASCII case, then bytewise), one per line, final newline.
 */
export function formatWorld(entries: readonly string[]): string {
  const sorted = [...new Set(entries)].sort((a, b) => {
    const x = worldEntryName(a);
    const y = worldEntryName(b);
    if (x !== y) return compareWorldNames(x, y);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return sorted.length ? `${sorted.join('\n')}\n` : '\n';
}
