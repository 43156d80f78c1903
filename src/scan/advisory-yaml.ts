/**
 * wolfi-dev/advisories documents (`<package>.advisories.yaml`, schema 2.0.x): one file per origin
 * package, each advisory a list of events whose latest one (by timestamp) is the current state.
 */
import { LineCounter, parseDocument } from 'yaml';
import { LupineError } from '../core/index.js';
import { type AdvisoryBatch, type AdvisoryEntry, type AdvisoryState, advisoryEntry, latestDate } from './advisory.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Whether YAML text looks like an advisories document (schema 2.x, or the older map form). */
export function isAdvisoryYaml(text: string): boolean {
  return /^package:/m.test(text) && (/^advisories:/m.test(text) || /^secfixes:/m.test(text));
}

/**
 * Whether a schema-version is a 2.x spelling: `2`, `2.0`, `2.0.2` (trailing zeros may be left out,
 * so `"2"` is the same as `2.0.0`).
 */
export function isSchemaV2(version: string): boolean {
  return /^2(\.\d+){0,2}$/.test(version.trim());
}

/** wolfictl's false-positive types and the VEX justification each maps to. */
export const FALSE_POSITIVE_JUSTIFICATION: Readonly<Record<string, string>> = {
  'vulnerability-record-analysis-contested': 'vulnerable_code_not_present',
  'vulnerable-code-version-not-used': 'vulnerable_code_not_present',
  'vulnerable-code-not-included-in-package': 'vulnerable_code_not_present',
  'component-vulnerability-mismatch': 'component_not_present',
  'vulnerable-code-not-in-execution-path': 'vulnerable_code_not_in_execute_path',
  'vulnerable-code-cannot-be-controlled-by-adversary': 'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline-mitigations-exist': 'inline_mitigations_already_exist',
};

const EVENT_STATE: Readonly<Record<string, AdvisoryState>> = {
  detection: 'under-investigation',
  'analysis-not-planned': 'under-investigation',
  'true-positive-determination': 'not-fixed',
  'pending-upstream-fix': 'not-fixed',
  'fix-not-planned': 'wont-fix',
  fixed: 'fixed',
  'false-positive-determination': 'not-affected',
};

function bad(source: string, message: string, location?: string): LupineError {
  return new LupineError('SCAN_BAD_ADVISORY', `${source}: ${message}`, {
    details: { source, ...(location ? { location } : {}) },
    hint: 'advisory documents follow wolfi-dev/advisories schema 2.0.x',
  });
}

function timeOf(ts: string): number {
  const t = Date.parse(ts);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/** The entries of an advisories document; the latest event of each advisory decides its state. */
export function parseAdvisoryYaml(text: string, source: string): AdvisoryBatch {
  const lineCounter = new LineCounter();
  // failsafe: every scalar stays a string, so `fixed-version: 1.10-r0` is not read as a number.
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    throw bad(source, `${pos.line}:${pos.col}: ${first.message.split('\n')[0]}`, `${source}:${pos.line}:${pos.col}`);
  }
  const root = doc.toJS() as unknown;
  if (!isObject(root)) throw bad(source, 'the document is not a mapping');
  const pkg = isObject(root.package) ? str(root.package.name) : '';
  if (pkg === '') throw bad(source, 'package.name is missing (or not a string)');
  const schema = str(root['schema-version']);
  // No schema-version: the first (pre-2.0) form, `advisories` a map of id → status list.
  if (schema === '' && !('schema-version' in root)) return parseV1(root, pkg, source);
  if (!isSchemaV2(schema)) throw bad(source, `schema-version '${schema}' is not 2.x`);
  const entries: AdvisoryEntry[] = [];
  const aliasGroups: string[][] = [];
  const warnings: string[] = [];
  const advisories = Array.isArray(root.advisories) ? root.advisories : [];
  const stamps: unknown[] = [];
  for (const [i, adv] of advisories.entries()) {
    if (!isObject(adv) || str(adv.id) === '') {
      warnings.push(`${source}: advisories[${i}] has no id; skipped`);
      continue;
    }
    const id = str(adv.id);
    const aliases = [...new Set(Array.isArray(adv.aliases) ? adv.aliases.map(str).filter((a) => a !== '') : [])];
    if (aliases.length > 0) aliasGroups.push([id, ...aliases]);
    const events = (Array.isArray(adv.events) ? adv.events.filter(isObject) : []).map((e, n) => ({ e, n }));
    // The latest event decides; equal timestamps: the later one in the file.
    events.sort((a, b) => timeOf(str(a.e.timestamp)) - timeOf(str(b.e.timestamp)) || a.n - b.n);
    const latest = events[events.length - 1]?.e;
    if (!latest) continue;
    stamps.push(latest.timestamp);
    const type = str(latest.type);
    const state = EVENT_STATE[type];
    if (!state) {
      warnings.push(`${source}: ${id}: unknown event type '${type}'; skipped`);
      continue;
    }
    const data = isObject(latest.data) ? latest.data : {};
    const fixed = state === 'fixed' ? str(data['fixed-version']) : '';
    if (state === 'fixed' && fixed === '') {
      warnings.push(`${source}: ${id}: a fixed event without fixed-version; skipped`);
      continue;
    }
    const fpType = state === 'not-affected' ? str(data.type) : '';
    entries.push(
      advisoryEntry({
        id,
        aliases: aliases.sort(),
        package: pkg,
        state,
        fixed,
        justification: FALSE_POSITIVE_JUSTIFICATION[fpType] ?? '',
        note: str(data.note) || (fpType !== '' ? fpType : ''),
        source: `${source} (advisory yaml)`,
      }),
    );
  }
  return { entries, aliasGroups, severities: new Map(), warnings, format: 'advisory yaml', date: latestDate(stamps) };
}

const V1_STATE: Readonly<Record<string, AdvisoryState>> = {
  fixed: 'fixed',
  not_affected: 'not-affected',
  affected: 'not-fixed',
  under_investigation: 'under-investigation',
};

/**
 * The pre-2.0 form (wolfi-dev/advisories before Sept. 2023): `advisories: {CVE: [{timestamp, status,
 * fixed-version, justification}]}`, optionally `secfixes: {version: [ids]}` (ids it lacks are added).
 */
function parseV1(root: Json, pkg: string, source: string): AdvisoryBatch {
  const entries: AdvisoryEntry[] = [];
  const warnings: string[] = [];
  const shown = `${source} (advisory yaml v1)`;
  const seen = new Set<string>();
  const stamps: unknown[] = [];
  if (root.advisories !== undefined && !isObject(root.advisories)) throw bad(source, 'advisories is not a map');
  for (const [id, list] of Object.entries(isObject(root.advisories) ? root.advisories : {})) {
    const events = (Array.isArray(list) ? list.filter(isObject) : []).map((e, n) => ({ e, n }));
    events.sort((a, b) => timeOf(str(a.e.timestamp)) - timeOf(str(b.e.timestamp)) || a.n - b.n);
    const latest = events[events.length - 1]?.e;
    const state = latest ? V1_STATE[str(latest.status)] : undefined;
    stamps.push(latest?.timestamp);
    if (!latest || !state) {
      warnings.push(`${source}: ${id}: no statement with a known status; skipped`);
      continue;
    }
    const fixed = state === 'fixed' ? str(latest['fixed-version']) : '';
    if (state === 'fixed' && fixed === '') {
      warnings.push(`${source}: ${id}: fixed without fixed-version; skipped`);
      continue;
    }
    seen.add(id);
    entries.push(
      advisoryEntry({
        id,
        package: pkg,
        state,
        fixed,
        justification: state === 'not-affected' ? str(latest.justification) : '',
        note: str(latest.impact),
        source: shown,
      }),
    );
  }
  for (const [version, ids] of Object.entries(isObject(root.secfixes) ? root.secfixes : {})) {
    for (const id of Array.isArray(ids) ? ids.map(str) : []) {
      if (id === '' || seen.has(id)) continue;
      seen.add(id);
      const nak = version === '0';
      entries.push(
        advisoryEntry({
          id,
          package: pkg,
          state: nak ? 'not-affected' : 'fixed',
          fixed: nak ? '' : version,
          source: shown,
        }),
      );
    }
  }
  return {
    entries,
    aliasGroups: [],
    severities: new Map(),
    warnings,
    format: 'advisory yaml',
    date: latestDate(stamps),
  };
}
