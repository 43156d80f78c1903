/**
 * wolfi-dev/advisories documents (`<package>.advisories.yaml`, schema 2.0.x): one file per origin
 * package, each advisory a list of events whose latest one (by timestamp) is the current state.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { LupineError } from '../core/index.js';
import { type AdvisoryBatch, type AdvisoryEntry, type AdvisoryState, advisoryEntry, latestDate } from './advisory.js';

type Json = Record<string, unknown>;

// Loaded on the first document parsed: a scan of a compiled (cached) source never needs it.
let yamlModule: typeof Yaml | undefined;
function yaml(): typeof Yaml {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return yamlModule;
}

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

/** An RFC 3339 timestamp (what wolfictl writes); a date alone is accepted too. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

type Path = ReadonlyArray<string | number>;

/**
 * Shape checks with positions: a value of the wrong type (events as a map, aliases as a scalar, a
 * timestamp that is no date) makes the whole document unreadable, reported as `file:line:col` (the
 * loader then skips it with a warning, or fails under --strict); never silently read as empty.
 */
class Shape {
  constructor(
    private readonly doc: ReturnType<typeof Yaml.parseDocument>,
    private readonly lines: Yaml.LineCounter,
    private readonly source: string,
  ) {}

  fail(path: Path, message: string): never {
    const node = this.doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const pos = node?.range ? this.lines.linePos(node.range[0]) : undefined;
    const where = pos ? `${pos.line}:${pos.col}` : '';
    const name = path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
      .join('')
      .replace(/^\./, '');
    throw bad(
      this.source,
      `${where ? `${where}: ` : ''}${name} ${message}`,
      where ? `${this.source}:${where}` : undefined,
    );
  }

  /** A list when present (undefined when absent). */
  list(v: unknown, path: Path, what: string): unknown[] | undefined {
    if (v === undefined || v === null || v === '') return undefined;
    if (!Array.isArray(v)) this.fail(path, `must be a list of ${what}, not ${describe(v)}`);
    return v;
  }

  /** A timestamp that is a date (an unreadable one would sort first: a silent wrong state). */
  time(v: unknown, path: Path): number {
    if (typeof v !== 'string' || !TIMESTAMP.test(v.trim()) || Number.isNaN(Date.parse(v))) {
      this.fail(path, `is not a timestamp (RFC 3339, e.g. 2024-06-01T00:00:00Z): ${describe(v)}`);
    }
    return Date.parse(v);
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (Array.isArray(v)) return 'a list';
  if (v === null || v === undefined) return 'nothing';
  return typeof v === 'object' ? 'a map' : String(v);
}

/** The entries of an advisories document; the latest event of each advisory decides its state. */
export function parseAdvisoryYaml(text: string, source: string): AdvisoryBatch {
  const lineCounter = new (yaml().LineCounter)();
  // failsafe: every scalar stays a string, so `fixed-version: 1.10-r0` is not read as a number.
  const doc = yaml().parseDocument(text, { schema: 'failsafe', lineCounter, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    throw bad(source, `${pos.line}:${pos.col}: ${first.message.split('\n')[0]}`, `${source}:${pos.line}:${pos.col}`);
  }
  let root: unknown;
  try {
    // The yaml library refuses alias bombs (and similar resource attacks) while converting.
    root = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (e) {
    throw bad(source, `cannot be read: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObject(root)) throw bad(source, 'the document is not a mapping');
  const shape: Shape = new Shape(doc, lineCounter, source);
  const pkg = isObject(root.package) ? str(root.package.name) : '';
  if (pkg === '') throw bad(source, 'package.name is missing (or not a string)');
  const schema = str(root['schema-version']);
  // No schema-version: the first (pre-2.0) form, `advisories` a map of id → status list.
  if (schema === '' && !('schema-version' in root)) return parseV1(root, pkg, source, shape);
  if (!isSchemaV2(schema)) throw bad(source, `schema-version '${schema}' is not 2.x`);
  const entries: AdvisoryEntry[] = [];
  const aliasGroups: string[][] = [];
  const warnings: string[] = [];
  const advisories = shape.list(root.advisories, ['advisories'], 'advisories') ?? [];
  const stamps: unknown[] = [];
  for (const [i, adv] of advisories.entries()) {
    if (!isObject(adv) || str(adv.id) === '') {
      warnings.push(`${source}: advisories[${i}] has no id; skipped`);
      continue;
    }
    const id = str(adv.id);
    const aliasList = shape.list(adv.aliases, ['advisories', i, 'aliases'], 'ids') ?? [];
    for (const [k, a] of aliasList.entries()) {
      if (typeof a !== 'string') shape.fail(['advisories', i, 'aliases', k], `must be an id, not ${describe(a)}`);
    }
    const aliases = [...new Set(aliasList.map(str).filter((a) => a !== ''))];
    if (aliases.length > 0) aliasGroups.push([id, ...aliases]);
    const eventList = shape.list(adv.events, ['advisories', i, 'events'], 'events') ?? [];
    const events = eventList.map((e, n) => {
      if (!isObject(e)) shape.fail(['advisories', i, 'events', n], `must be a map, not ${describe(e)}`);
      return { e, n, t: shape.time(e.timestamp, ['advisories', i, 'events', n, 'timestamp']) };
    });
    // The latest event decides; equal timestamps: the later one in the file.
    events.sort((a, b) => a.t - b.t || a.n - b.n);
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
        distro: 'wolfi',
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
function parseV1(root: Json, pkg: string, source: string, shape: Shape): AdvisoryBatch {
  const entries: AdvisoryEntry[] = [];
  const warnings: string[] = [];
  const shown = `${source} (advisory yaml v1)`;
  const seen = new Set<string>();
  const stamps: unknown[] = [];
  if (root.advisories !== undefined && !isObject(root.advisories)) throw bad(source, 'advisories is not a map');
  for (const [id, list] of Object.entries(isObject(root.advisories) ? root.advisories : {})) {
    const statements = shape.list(list, ['advisories', id], 'statements') ?? [];
    const events = statements.map((e, n) => {
      if (!isObject(e)) shape.fail(['advisories', id, n], `must be a map, not ${describe(e)}`);
      return { e, n, t: shape.time(e.timestamp, ['advisories', id, n, 'timestamp']) };
    });
    events.sort((a, b) => a.t - b.t || a.n - b.n);
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
        distro: 'wolfi',
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
          distro: 'wolfi',
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
