/**
 * dpkg's database of installed packages (pure): `var/lib/dpkg/status`, or the one-file-per-package
 * `var/lib/dpkg/status.d/` that distroless images carry. Stanzas of `Field: value` lines with
 * indented continuation lines, separated by blank lines.
 */
import type { ScanPackage } from './match.js';

/** The fields of each stanza (first occurrence wins), continuation lines dropped. */
export function dpkgStanzas(text: string): Array<Map<string, string>> {
  const out: Array<Map<string, string>> = [];
  let cur = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (cur.size > 0) out.push(cur);
      cur = new Map();
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t') || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).toLowerCase();
    if (!cur.has(key)) cur.set(key, line.slice(colon + 1).trim());
  }
  if (cur.size > 0) out.push(cur);
  return out;
}

/**
 * The installed packages: stanzas whose Status ends in `installed` (distroless `status.d` files may
 * carry no Status: present means installed). `Source: name (version)` gives origin and its version.
 */
export function parseDpkgStatus(text: string): ScanPackage[] {
  const out: ScanPackage[] = [];
  for (const s of dpkgStanzas(text)) {
    const name = s.get('package') ?? '';
    const version = s.get('version') ?? '';
    if (name === '' || version === '') continue;
    const status = s.get('status');
    if (status !== undefined && !/\sinstalled$/.test(` ${status}`)) continue;
    const m = /^(\S+)(?:\s+\(([^)]+)\))?/.exec(s.get('source') ?? '');
    const origin = m?.[1] ?? '';
    const originVersion = m?.[2] ?? '';
    out.push({
      name,
      version,
      arch: s.get('architecture') ?? '',
      origin: origin === '' ? name : origin,
      format: 'deb',
      ...(originVersion !== '' && originVersion !== version ? { originVersion } : {}),
    });
  }
  return out;
}
