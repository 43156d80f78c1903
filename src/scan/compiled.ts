/**
 * A loaded advisory source compiled into one compact document (pure): every string once in a table,
 * each entry a fixed-width row of indexes into it, so reading it back is one JSON.parse of numbers
 * and a loop, not a re-parse of thousands of YAML or JSON documents. Kept in the cache under the
 * sha256 of the source's bytes (see advisory-load.ts), the way index packs are.
 */
import { type AdvisoryBatch, type AdvisoryEntry, type AdvisoryState, advisoryEntry } from './advisory.js';
import type { Severity } from './severity.js';

/** Bump when the entry shape or its meaning changes: older compiled files are then ignored. */
export const COMPILED_FORMAT = 2;

const FIELDS = [
  'id',
  'aliases',
  'package',
  'distro',
  'branch',
  'arch',
  'state',
  'introduced',
  'fixed',
  'lastAffected',
  'scope',
  'severity',
  'cvss',
  'summary',
  'justification',
  'note',
  'source',
] as const;

interface CompiledDoc {
  readonly format: number;
  readonly key: string;
  readonly strings: string[];
  readonly batches: Array<{
    /** FIELDS.length string indexes per entry, grouped by package. */
    readonly rows: number[];
    /** Package name (string index), first row, row count. */
    readonly packages: Array<[number, number, number]>;
    readonly releases: string[];
    readonly severities: Array<[number, number, number]>;
    readonly warnings: string[];
    readonly format?: string;
    readonly date?: string;
  }>;
}

class Strings {
  readonly list: string[] = [];
  readonly #index = new Map<string, number>();
  of(s: string): number {
    let i = this.#index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.#index.set(s, i);
    }
    return i;
  }
}

/** The compiled form of a source's batches (its info is recomputed from them on load). */
export function encodeCompiled(batches: readonly AdvisoryBatch[], key: string): Uint8Array {
  const strings = new Strings();
  const doc: CompiledDoc = {
    format: COMPILED_FORMAT,
    key,
    strings: strings.list,
    batches: batches.map((b) => {
      const rows: number[] = [];
      const byPackage = new Map<string, AdvisoryEntry[]>();
      for (const e of b.entries) {
        const l = byPackage.get(e.package);
        if (l) l.push(e);
        else byPackage.set(e.package, [e]);
      }
      const packages: Array<[number, number, number]> = [];
      for (const [name, list] of byPackage) {
        packages.push([strings.of(name), rows.length / FIELDS.length, list.length]);
        for (const e of list) {
          for (const f of FIELDS) rows.push(strings.of(f === 'aliases' ? e.aliases.join('\n') : (e[f] as string)));
        }
      }
      return {
        rows,
        packages,
        releases: [...new Set(b.entries.map((e) => `${e.distro}\0${e.branch}`))].sort(),
        severities: [...b.severities].map(([id, s]) => [strings.of(id), strings.of(s.severity), strings.of(s.cvss)]),
        warnings: b.warnings,
        ...(b.format ? { format: b.format } : {}),
        ...(b.date ? { date: b.date } : {}),
      };
    }),
  };
  return Buffer.from(JSON.stringify(doc));
}

/** The batches of a compiled document; undefined when it is not one of this format and key. */
export function decodeCompiled(bytes: Uint8Array, key: string): AdvisoryBatch[] | undefined {
  let doc: CompiledDoc;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as CompiledDoc;
  } catch {
    return undefined;
  }
  if (doc?.format !== COMPILED_FORMAT || doc.key !== key || !Array.isArray(doc.strings)) return undefined;
  const s = doc.strings;
  const str = (i: number | undefined): string => {
    const v = s[i as number];
    if (typeof v !== 'string') throw new RangeError('bad string index');
    return v;
  };
  try {
    return doc.batches.map((b) => {
      const aliasCache = new Map<number, string[]>();
      const row = (at: number): AdvisoryEntry => {
        const r = b.rows;
        const ai = r[at + 1] as number;
        let aliases = aliasCache.get(ai);
        if (!aliases) {
          const joined = str(ai);
          aliases = joined === '' ? [] : joined.split('\n');
          aliasCache.set(ai, aliases);
        }
        return advisoryEntry({
          id: str(r[at]),
          aliases,
          package: str(r[at + 2]),
          distro: str(r[at + 3]) as AdvisoryEntry['distro'],
          branch: str(r[at + 4]),
          arch: str(r[at + 5]),
          state: str(r[at + 6]) as AdvisoryState,
          introduced: str(r[at + 7]),
          fixed: str(r[at + 8]),
          lastAffected: str(r[at + 9]),
          scope: str(r[at + 10]) as AdvisoryEntry['scope'],
          severity: str(r[at + 11]) as Severity,
          cvss: str(r[at + 12]),
          summary: str(r[at + 13]),
          justification: str(r[at + 14]),
          note: str(r[at + 15]),
          source: str(r[at + 16]),
        });
      };
      const packages = new Map<string, () => AdvisoryEntry[]>();
      let count = 0;
      for (const [name, first, n] of b.packages) {
        if ((first + n) * FIELDS.length > b.rows.length) throw new RangeError('bad row range');
        count += n;
        packages.set(str(name), () => Array.from({ length: n }, (_, k) => row((first + k) * FIELDS.length)));
      }
      const severities = new Map<string, { severity: Severity; cvss: string }>();
      for (const [id, sev, cvss] of b.severities)
        severities.set(str(id), { severity: str(sev) as Severity, cvss: str(cvss) });
      const batch: AdvisoryBatch = {
        entries: [],
        aliasGroups: [],
        severities,
        warnings: b.warnings,
        lazy: { count, releases: b.releases, packages },
        ...(b.format ? { format: b.format } : {}),
        ...(b.date ? { date: b.date } : {}),
      };
      return batch;
    });
  } catch {
    return undefined;
  }
}
