/**
 * Debian's security tracker JSON (`security-tracker.debian.org/tracker/data/json`): source package →
 * CVE → release codename → status, fixed version and urgency. Each (package, CVE, release) becomes one
 * entry for `debian <release number>`; `fixed_version: "0"` means the release was never affected.
 */

import { type AdvisoryBatch, type AdvisoryEntry, type AdvisoryState, advisoryEntry } from './advisory.js';
import { badDebianRangeVersion } from './dpkg-version.js';
import { parseSeverity, type Severity } from './severity.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Debian release codenames and their numbers (`sid`/`experimental`: unstable, kept by name). */
export const DEBIAN_RELEASES: Readonly<Record<string, string>> = {
  squeeze: '6',
  wheezy: '7',
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
  duke: '15',
};

/** Whether a parsed JSON document looks like the tracker's (`{pkg: {CVE-…: {releases: …}}}`). */
export function isDebianTracker(doc: unknown): doc is Json {
  if (!isObject(doc)) return false;
  for (const byCve of Object.values(doc)) {
    if (!isObject(byCve)) return false;
    for (const [id, rec] of Object.entries(byCve)) return /^(CVE|TEMP)-/.test(id) && isObject(rec) && 'releases' in rec;
    return false;
  }
  return false;
}

/** The severity an urgency names (`high**`: not yet reviewed, same band); unimportant → Negligible. */
export function urgencySeverity(urgency: string): Severity {
  const u = urgency.replace(/\*+$/, '').trim().toLowerCase();
  if (u === 'unimportant') return 'Negligible';
  const s = parseSeverity(u);
  return s ?? 'Unknown';
}

function stateOf(status: string, fixed: string, urgency: string): AdvisoryState | undefined {
  if (status === 'resolved') return fixed === '0' ? 'not-affected' : fixed !== '' ? 'fixed' : undefined;
  if (status === 'open') return urgency === 'end-of-life' ? 'wont-fix' : 'not-fixed';
  if (status === 'undetermined') return 'under-investigation';
  return undefined;
}

export function parseDebianTracker(doc: unknown, source: string): AdvisoryBatch {
  const entries: AdvisoryEntry[] = [];
  const warnings: string[] = [];
  const shown = `${source} (debian tracker)`;
  for (const [pkg, byCve] of Object.entries(isObject(doc) ? doc : {})) {
    if (!isObject(byCve)) {
      warnings.push(`${source}: ${pkg} is not a map of CVEs; skipped`);
      continue;
    }
    for (const [id, rec] of Object.entries(byCve)) {
      if (!isObject(rec)) continue;
      // `"releases": []` (seen for chromium-browser): no release is tracked.
      if (!isObject(rec.releases)) continue;
      const summary = typeof rec.description === 'string' ? (rec.description.split('\n')[0] ?? '') : '';
      for (const [codename, r] of Object.entries(rec.releases)) {
        if (!isObject(r)) continue;
        const release = DEBIAN_RELEASES[codename] ?? codename;
        const status = typeof r.status === 'string' ? r.status : '';
        const fixed = typeof r.fixed_version === 'string' ? r.fixed_version : '';
        const urgency = typeof r.urgency === 'string' ? r.urgency : '';
        const state = stateOf(status, fixed, urgency);
        if (!state) {
          warnings.push(`${source}: ${pkg} ${id} ${codename}: status '${status}' not understood; skipped`);
          continue;
        }
        const bad = state === 'fixed' ? badDebianRangeVersion({ fixed }) : undefined;
        if (bad) {
          warnings.push(`${source}: ${pkg} ${id} ${codename}: ${bad}; skipped`);
          continue;
        }
        entries.push(
          advisoryEntry({
            id,
            package: pkg,
            distro: 'debian',
            branch: release,
            state,
            fixed: state === 'fixed' ? fixed : '',
            severity: urgencySeverity(urgency),
            summary,
            ...(state === 'not-affected' ? { note: `the tracker lists ${codename} as not affected` } : {}),
            ...(state === 'wont-fix' ? { note: `${codename}: end of life` } : {}),
            source: shown,
          }),
        );
      }
    }
  }
  return { entries, aliasGroups: [], severities: new Map(), warnings, format: 'debian tracker' };
}
