/**
 * dpkg's database of installed packages (pure): `var/lib/dpkg/status`, or the one-file-per-package
 * `var/lib/dpkg/status.d/` that distroless images carry. Stanzas of `Field: value` lines with
 * indented continuation lines, separated by blank lines.
 */
import { dpkgVersionProblem } from './dpkg-version.js';
import type { ScanPackage } from './match.js';

/** The fields of each stanza (first occurrence wins), continuation lines dropped, and its first line. */
function stanzasWithLines(text: string): Array<{ fields: Map<string, string>; line: number }> {
  const out: Array<{ fields: Map<string, string>; line: number }> = [];
  let cur = new Map<string, string>();
  let start = 1;
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') {
      if (cur.size > 0) out.push({ fields: cur, line: start });
      cur = new Map();
      start = i + 2;
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t') || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).toLowerCase();
    if (!cur.has(key)) cur.set(key, line.slice(colon + 1).trim());
  }
  if (cur.size > 0) out.push({ fields: cur, line: start });
  return out;
}

/** The fields of each stanza (first occurrence wins), continuation lines dropped. */
export function dpkgStanzas(text: string): Array<Map<string, string>> {
  return stanzasWithLines(text).map((s) => s.fields);
}

/** The packages dpkg has installed, and what could not be counted (each naming its place). */
export interface DpkgInventory {
  readonly packages: ScanPackage[];
  /** `status:12: libfoo: half-installed; not scanned` and the like. */
  readonly problems: string[];
}

/** Statuses whose package files are (partly) on disk though dpkg has not finished with it. */
const ON_DISK = new Set([
  'installed',
  'half-installed',
  'unpacked',
  'half-configured',
  'triggers-awaited',
  'triggers-pending',
]);

/** Statuses whose package has no files left: not installed, nothing to say. */
const GONE = new Set(['not-installed', 'config-files']);

/**
 * The installed packages of a dpkg database, as dpkg counts them: `Status: <want> ok installed`
 * (distroless `status.d` files may carry no Status: present means installed). A package in another
 * state (half-installed, unpacked, half-configured, triggers-*, or flagged reinstreq) has files on
 * disk: it is matched and listed in `problems`. A stanza without Package or Version, an unknown
 * status and a version dpkg refuses are listed in `problems` as not scanned, never dropped
 * silently. `Source: name (version)` gives origin and version.
 */
export function readDpkgStatus(text: string, where = 'var/lib/dpkg/status'): DpkgInventory {
  const packages: ScanPackage[] = [];
  const problems: string[] = [];
  for (const { fields: s, line } of stanzasWithLines(text)) {
    const at = `${where}:${line}`;
    const name = s.get('package') ?? '';
    const version = s.get('version') ?? '';
    const status = s.get('status');
    const words = status?.split(/\s+/) ?? [];
    if (status !== undefined && words.length === 3 && GONE.has(words[2] as string) && words[1] === 'ok') continue;
    if (name === '' || version === '') {
      problems.push(`${at}: a stanza without ${name === '' ? 'Package' : `Version (${name})`}; not scanned`);
      continue;
    }
    const notInstalled = status !== undefined && (words.length !== 3 || words[1] !== 'ok' || words[2] !== 'installed');
    if (notInstalled && !ON_DISK.has(words[2] ?? '')) {
      problems.push(`${at}: ${name} ${version}: status '${status}' is not 'installed'; not scanned`);
      continue;
    }
    // Unpacked, half-configured, awaiting triggers, reinstreq: its files are there, so it is matched.
    if (notInstalled)
      problems.push(
        `${at}: ${name} ${version}: status '${status}' is not 'installed'; scanned (its files are on disk)`,
      );
    const { error, warning } = dpkgVersionProblem(version);
    if (error) {
      problems.push(`${at}: ${name}: version '${version}' has bad syntax: ${error}; not scanned`);
      continue;
    }
    if (warning) problems.push(`${at}: ${name}: version '${version}' has bad syntax: ${warning}`);
    const m = /^(\S+)(?:\s+\(([^)]+)\))?/.exec(s.get('source') ?? '');
    const origin = m?.[1] ?? '';
    let originVersion = m?.[2] ?? '';
    if (originVersion !== '' && dpkgVersionProblem(originVersion).error) {
      problems.push(`${at}: ${name}: source version '${originVersion}' has bad syntax; the binary version is used`);
      originVersion = '';
    }
    packages.push({
      name,
      version,
      arch: s.get('architecture') ?? '',
      origin: origin === '' ? name : origin,
      format: 'deb',
      ...(originVersion !== '' && originVersion !== version ? { originVersion } : {}),
    });
  }
  return { packages, problems };
}

/** The installed packages (see readDpkgStatus; its problems are left out). */
export function parseDpkgStatus(text: string): ScanPackage[] {
  return readDpkgStatus(text).packages;
}
