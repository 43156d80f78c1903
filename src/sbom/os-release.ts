import type { OsInfo } from './inventory.js';

function unquote(raw: string): string {
  const v = raw.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
    const inner = v.slice(1, -1);
    return v[0] === '"' ? inner.replace(/\\(["\\$`])/g, '$1') : inner;
  }
  return v;
}

/** Reads os-release(5) text; a missing or empty file gives id 'unknown'. */
export function parseOsRelease(text: string): OsInfo {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) fields[m[1] as string] = unquote(m[2] as string);
  }
  return {
    id: (fields.ID ?? '').toLowerCase() || 'unknown',
    versionId: fields.VERSION_ID ?? '',
    name: fields.NAME ?? '',
    prettyName: fields.PRETTY_NAME ?? '',
    homeUrl: fields.HOME_URL ?? '',
  };
}
