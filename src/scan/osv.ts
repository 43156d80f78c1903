/**
 * OSV records for APK ecosystems (`Wolfi`, `Chainguard`, `Alpine:v3.x`): Chainguard's original feed
 * (fixed and false-positive advisories), its v2 feed (per-arch entries, every status, severity,
 * `upstream`) and v3 component records (one record per vulnerable component, with
 * `components[].latest_event_status`). Records of other ecosystems are ignored.
 */

import { LupineError } from '../core/index.js';
import {
  type AdvisoryBatch,
  type AdvisoryDistro,
  type AdvisoryState,
  advisoryEntry,
  isDebDistro,
  latestDate,
} from './advisory.js';
import { badDebianRangeVersion } from './dpkg-version.js';
import { parseSeverity, type Severity, severityOfCvss } from './severity.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
}

/** Whether a parsed JSON value is one OSV record. */
export function isOsvRecord(doc: unknown): boolean {
  return isObject(doc) && typeof doc.id === 'string' && (Array.isArray(doc.affected) || 'modified' in doc);
}

/** Whether a parsed JSON value is an `all.json` index (`[{id, modified}]`, no `affected`). */
export function isOsvIndex(doc: unknown): boolean {
  return (
    Array.isArray(doc) &&
    doc.length > 0 &&
    doc.every((r) => isObject(r) && typeof r.id === 'string' && !Array.isArray(r.affected))
  );
}

/** The ids an `all.json` index lists. */
export function osvIndexIds(doc: unknown): string[] {
  return Array.isArray(doc)
    ? doc
        .filter(isObject)
        .map((r) => str(r.id))
        .filter((id) => id !== '')
    : [];
}

/** The distro and release of an OSV ecosystem (`Alpine:v3.19`, `Debian:12`); undefined for others. */
export function ecosystemDistro(ecosystem: string): { distro: AdvisoryDistro; branch: string } | undefined {
  const [name, release] = ecosystem.split(':', 2);
  switch ((name ?? '').toLowerCase()) {
    case 'wolfi':
      return { distro: 'wolfi', branch: '' };
    case 'chainguard':
      return { distro: 'chainguard', branch: '' };
    case 'lupine':
      return { distro: 'lupine', branch: '' };
    case 'alpine':
      return { distro: 'alpine', branch: release ?? '' };
    case 'debian':
      return { distro: 'debian', branch: release ?? '' };
    case 'ubuntu':
      return { distro: 'ubuntu', branch: release ?? '' };
    default:
      return undefined;
  }
}

/** Maps a Wolfi event type or v3 `latest_event_status` to a state; undefined when unknown. */
export function stateOfStatus(status: string): AdvisoryState | undefined {
  const s = status.toLowerCase().replace(/_/g, '-');
  if (s === '') return undefined;
  if (s.includes('false-positive') || s === 'not-affected') return 'not-affected';
  if (s.includes('fix-not-planned') || s.includes('wont-fix') || s.includes('will-not-fix')) return 'wont-fix';
  if (s === 'fixed' || s === 'resolved') return 'fixed';
  if (s.includes('true-positive') || s.includes('pending-upstream') || s === 'affected' || s === 'not-fixed')
    return 'not-fixed';
  if (s.includes('detection') || s.includes('investigation') || s.includes('analysis') || s === 'in-triage')
    return 'under-investigation';
  return undefined;
}

/** The severity of a record: a CVSS v3/v4 vector first, then a severity word, then a v2 vector. */
export function recordSeverity(rec: Json, affected?: Json): { severity: Severity; cvss: string } {
  const lists = [rec.severity, affected?.severity];
  const vectors: string[] = [];
  for (const l of lists) {
    if (!Array.isArray(l)) continue;
    for (const s of l) if (isObject(s) && typeof s.score === 'string') vectors.push(s.score);
  }
  for (const v of vectors) {
    if (/^CVSS:[34]/.test(v)) {
      const sev = severityOfCvss(v);
      if (sev) return { severity: sev, cvss: v };
    }
  }
  const words = [
    isObject(affected?.ecosystem_specific) ? affected.ecosystem_specific.severity : undefined,
    isObject(affected?.database_specific) ? affected.database_specific.severity : undefined,
    isObject(rec.database_specific) ? rec.database_specific.severity : undefined,
  ];
  for (const w of words) {
    const sev = typeof w === 'string' ? parseSeverity(w) : undefined;
    if (sev && sev !== 'Unknown') return { severity: sev, cvss: '' };
  }
  for (const v of vectors) {
    const sev = severityOfCvss(v);
    if (sev) return { severity: sev, cvss: v };
  }
  return { severity: 'Unknown', cvss: '' };
}

function archOfPurl(purl: string): string {
  const q = purl.indexOf('?');
  if (q < 0) return '';
  for (const pair of purl
    .slice(q + 1)
    .split('#')[0]
    ?.split('&') ?? []) {
    const [k, v] = pair.split('=');
    // `arch=source` (Debian's source-package purls) applies to every binary arch.
    if (k === 'arch' && v) return v === 'source' ? '' : decodeURIComponent(v);
  }
  return '';
}

function components(rec: Json, affected: Json): Json[] {
  for (const holder of [affected.ecosystem_specific, affected.database_specific, rec.database_specific]) {
    if (isObject(holder) && Array.isArray(holder.components)) return holder.components.filter(isObject);
  }
  return [];
}

/** The state a v3 record's components give (the most pressing one); undefined without components. */
function componentState(list: readonly Json[]): AdvisoryState | undefined {
  const states = list.map((c) => stateOfStatus(str(c.latest_event_status))).filter((s) => s !== undefined);
  if (list.length === 0 || states.length === 0) return undefined;
  for (const s of ['not-fixed', 'wont-fix', 'under-investigation', 'fixed', 'not-affected'] as const) {
    if (states.includes(s)) return s;
  }
  return undefined;
}

interface Range {
  introduced: string;
  fixed: string;
  lastAffected: string;
}

function ranges(affected: Json): Range[] {
  const out: Range[] = [];
  for (const r of Array.isArray(affected.ranges) ? affected.ranges.filter(isObject) : []) {
    if (r.type !== 'ECOSYSTEM' && r.type !== 'SEMVER') continue;
    let cur: Range | undefined;
    for (const e of Array.isArray(r.events) ? r.events.filter(isObject) : []) {
      if (typeof e.introduced === 'string') {
        if (cur) out.push(cur);
        cur = { introduced: e.introduced, fixed: '', lastAffected: '' };
      } else if (typeof e.fixed === 'string') {
        out.push({ ...(cur ?? { introduced: '0', lastAffected: '' }), fixed: e.fixed });
        cur = undefined;
      } else if (typeof e.last_affected === 'string') {
        out.push({ ...(cur ?? { introduced: '0', fixed: '' }), lastAffected: e.last_affected });
        cur = undefined;
      }
    }
    if (cur) out.push(cur);
  }
  return out;
}

/** The entries of one OSV record (none for withdrawn records and other ecosystems). */
export function parseOsvRecord(rec: unknown, source: string): AdvisoryBatch {
  const batch: AdvisoryBatch = { entries: [], aliasGroups: [], severities: new Map(), warnings: [] };
  addRecord(rec, source, batch);
  return { ...batch, format: 'osv', date: latestDate([isObject(rec) ? rec.modified : undefined]) };
}

function addRecord(rec: unknown, source: string, batch: AdvisoryBatch, shownSource = `${source} (osv)`): void {
  if (!isObject(rec) || typeof rec.id !== 'string') {
    throw new LupineError('SCAN_BAD_ADVISORY', `${source}: not an OSV record (no "id")`, {
      details: { source },
      hint: 'OSV records are JSON objects with "id", "modified" and "affected"',
    });
  }
  const id = rec.id;
  const group = [id, ...strings(rec.aliases), ...strings(rec.upstream)];
  if (id.startsWith('CGA-')) group.push(...strings(rec.related));
  const aliases = [...new Set(group.filter((x) => x !== id))].sort();
  const top = recordSeverity(rec);
  const severities = batch.severities as Map<string, { severity: Severity; cvss: string }>;
  if (top.severity !== 'Unknown') for (const x of group) severities.set(x, top);
  const entries = batch.entries;
  if (group.length > 1) batch.aliasGroups.push(group);
  if (typeof rec.withdrawn === 'string' && rec.withdrawn !== '') return;
  const falsePositive = isObject(rec.database_specific) && rec.database_specific.false_positive === true;
  const summary = str(rec.summary) || str(rec.details).split('\n')[0] || '';
  const affected: unknown[] = Array.isArray(rec.affected) ? rec.affected : [];
  for (const [i, a] of affected.entries()) {
    const pkg = isObject(a) && isObject(a.package) ? a.package : undefined;
    if (!isObject(a) || !pkg || typeof pkg.name !== 'string' || pkg.name === '' || typeof pkg.ecosystem !== 'string') {
      batch.warnings.push(`${source}: ${id}: affected[${i}] names no package (ecosystem and name); skipped`);
      continue;
    }
    const eco = ecosystemDistro(pkg.ecosystem);
    const name = pkg.name;
    if (!eco) continue;
    const arch = archOfPurl(str(pkg.purl));
    const comps = components(rec, a);
    const fromComponents = componentState(comps);
    const ownSeverity =
      Array.isArray(a.severity) ||
      (isObject(a.ecosystem_specific) && 'severity' in a.ecosystem_specific) ||
      (isObject(a.database_specific) && 'severity' in a.database_specific);
    const sev = ownSeverity ? recordSeverity(rec, a) : top;
    const scope = comps.length > 0 ? ('component' as const) : ('package' as const);
    const rs = ranges(a);
    if (rs.length === 0) rs.push({ introduced: '0', fixed: '', lastAffected: '' });
    for (const r of rs) {
      let state: AdvisoryState;
      if (falsePositive || r.fixed === '0' || fromComponents === 'not-affected') state = 'not-affected';
      else if (r.fixed !== '') state = 'fixed';
      else if (r.lastAffected !== '') state = 'fixed';
      else state = fromComponents && fromComponents !== 'fixed' ? fromComponents : 'not-fixed';
      const bad = isDebDistro(eco.distro) ? badDebianRangeVersion(r) : undefined;
      if (bad) {
        batch.warnings.push(`${source}: ${id}: affected[${i}] ${name}: ${bad}; skipped`);
        continue;
      }
      entries.push(
        advisoryEntry({
          id,
          aliases,
          package: name,
          distro: eco.distro,
          branch: eco.branch,
          arch,
          scope,
          severity: sev.severity,
          cvss: sev.cvss,
          summary,
          source: shownSource,
          state,
          introduced: r.introduced || '0',
          fixed: state === 'fixed' ? r.fixed : '',
          lastAffected: state === 'fixed' ? r.lastAffected : '',
        }),
      );
    }
  }
}

/** The entries of a parsed OSV document: one record or a list of records. */
export function parseOsv(doc: unknown, source: string): AdvisoryBatch {
  const list = Array.isArray(doc) ? doc : [doc];
  const out: AdvisoryBatch = { entries: [], aliasGroups: [], severities: new Map(), warnings: [] };
  const shown = `${source} (osv)`;
  for (const [i, rec] of list.entries()) {
    if (!isObject(rec) || typeof rec.id !== 'string') {
      out.warnings.push(`${source}: item ${i} is not an OSV record; skipped`);
      continue;
    }
    addRecord(rec, source, out, shown);
  }
  return { ...out, format: 'osv', date: latestDate(list.map((r) => (isObject(r) ? r.modified : undefined))) };
}
