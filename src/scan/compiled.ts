/**
 * A loaded advisory source compiled into one compact document (pure): every string once in a table,
 * each entry a fixed-width row of indexes into it (binary), so reading it back is a small JSON
 * header and typed-array views, not a re-parse of thousands of YAML or JSON documents; strings are
 * decoded only for the entries a scan asks for. Kept in the cache under the
 * sha256 of the source's bytes (see advisory-load.ts), the way index packs are.
 */
import { type AdvisoryBatch, type AdvisoryEntry, type AdvisoryState, advisoryEntry, latestDate } from './advisory.js';
import { maxSeverity, type Severity } from './severity.js';

/** Bump when the entry shape or its meaning changes: older compiled files are then ignored. */
export const COMPILED_FORMAT = 3;

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

/**
 * The first line of a compiled document (JSON); after it, 4-byte aligned, three binary sections:
 * the string offsets (Uint32, `strings + 1` of them), the rows (Uint32, FIELDS.length string indexes
 * per entry, grouped by package) and the strings themselves (UTF-8, one after another). Reading it
 * parses only this header: strings are cut out of the blob when an entry asks for them.
 */
interface CompiledHeader {
  readonly format: number;
  readonly key: string;
  /** Byte order of the binary sections (the cache is local: another order is recompiled). */
  readonly littleEndian: boolean;
  readonly strings: number;
  readonly rows: number;
  readonly blobBytes: number;
  readonly batches: Array<{
    /** Package name (string index), first entry (global), entry count. */
    readonly packages: Array<[number, number, number]>;
    readonly releases: string[];
    readonly severities: Array<[number, number, number]>;
    readonly warnings: string[];
    readonly format?: string;
    readonly date?: string;
  }>;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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

/**
 * Batches joined per format (a directory of 1,600 documents is one batch, not 1,600): entries in
 * order, severities kept as the set keeps them (the highest, first one on a tie), warnings in order.
 */
function joinByFormat(batches: readonly AdvisoryBatch[]): AdvisoryBatch[] {
  const out = new Map<string, AdvisoryBatch & { entries: AdvisoryEntry[]; warnings: string[] }>();
  for (const b of batches) {
    const k = b.format ?? '';
    let j = out.get(k);
    if (!j) {
      j = {
        entries: [],
        aliasGroups: [],
        severities: new Map(),
        warnings: [],
        ...(b.format ? { format: b.format } : {}),
      };
      out.set(k, j);
    }
    for (const e of b.entries) j.entries.push(e);
    for (const w of b.warnings) j.warnings.push(w);
    const sev = j.severities as Map<string, { severity: Severity; cvss: string }>;
    for (const [id, x] of b.severities) {
      const cur = sev.get(id);
      if (!cur || maxSeverity(cur.severity, x.severity) !== cur.severity) sev.set(id, x);
    }
    const date = latestDate([j.date, b.date]);
    if (date) out.set(k, { ...j, date });
  }
  return [...out.values()];
}

/** The compiled form of a source's batches (its info is recomputed from them on load). */
export function encodeCompiled(batches: readonly AdvisoryBatch[], key: string): Uint8Array {
  const strings = new Strings();
  const rows: number[] = [];
  const encoded = joinByFormat(batches).map((b) => {
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
      packages,
      releases: [...new Set(b.entries.map((e) => `${e.distro}\0${e.branch}`))].sort(),
      severities: [...b.severities].map(([id, x]): [number, number, number] => [
        strings.of(id),
        strings.of(x.severity),
        strings.of(x.cvss),
      ]),
      warnings: b.warnings,
      ...(b.format ? { format: b.format } : {}),
      ...(b.date ? { date: b.date } : {}),
    };
  });
  const texts = strings.list.map((t) => Buffer.from(t, 'utf8'));
  const offsets = new Uint32Array(texts.length + 1);
  for (let i = 0; i < texts.length; i++) offsets[i + 1] = (offsets[i] as number) + (texts[i] as Buffer).length;
  const header: CompiledHeader = {
    format: COMPILED_FORMAT,
    key,
    littleEndian: LITTLE_ENDIAN,
    strings: texts.length,
    rows: rows.length,
    blobBytes: offsets[texts.length] as number,
    batches: encoded,
  };
  const head = Buffer.from(`${JSON.stringify(header)}\n`);
  const pad = Buffer.alloc((4 - (head.length % 4)) % 4, 0x20);
  return Buffer.concat([
    head,
    pad,
    Buffer.from(offsets.buffer, offsets.byteOffset, offsets.byteLength),
    Buffer.from(Uint32Array.from(rows).buffer),
    ...texts,
  ]);
}

/** A Uint32 view of `bytes[at, at + 4n)`, copied when the bytes are not 4-byte aligned. */
function u32(bytes: Uint8Array, at: number, n: number): Uint32Array {
  const start = bytes.byteOffset + at;
  if (start % 4 === 0) return new Uint32Array(bytes.buffer, start, n);
  return new Uint32Array(bytes.slice(at, at + n * 4).buffer);
}

/** The batches of a compiled document; undefined when it is not one of this format and key. */
// long: decodes one binary layout top to bottom (header, string offsets, rows, blob); each section's bounds follow from the one before, checked in one try
export function decodeCompiled(bytes: Uint8Array, key: string): AdvisoryBatch[] | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const nl = buf.indexOf(10);
    if (nl < 0) return undefined;
    const doc = JSON.parse(buf.toString('utf8', 0, nl)) as CompiledHeader;
    if (doc?.format !== COMPILED_FORMAT || doc.key !== key || doc.littleEndian !== LITTLE_ENDIAN) return undefined;
    const nStrings = doc.strings;
    const nRows = doc.rows;
    const at = nl + 1 + ((4 - ((nl + 1) % 4)) % 4);
    const blobAt = at + (nStrings + 1) * 4 + nRows * 4;
    if (blobAt + doc.blobBytes !== buf.length || nRows % FIELDS.length !== 0) return undefined;
    const offsets = u32(buf, at, nStrings + 1);
    const rows = u32(buf, at + (nStrings + 1) * 4, nRows);
    // Every offset and index checked once here, so entries made later cannot read out of bounds.
    if (offsets[0] !== 0 || offsets[nStrings] !== doc.blobBytes) return undefined;
    for (let i = 0; i < nStrings; i++) if ((offsets[i] as number) > (offsets[i + 1] as number)) return undefined;
    for (let i = 0; i < nRows; i++) if ((rows[i] as number) >= nStrings) return undefined;
    const cache: Array<string | undefined> = new Array(nStrings);
    const str = (i: number): string => {
      let v = cache[i];
      if (v === undefined) {
        v = buf.toString('utf8', blobAt + (offsets[i] as number), blobAt + (offsets[i + 1] as number));
        cache[i] = v;
      }
      return v;
    };
    const aliasCache = new Map<number, string[]>();
    const row = (r: number): AdvisoryEntry => {
      const ai = rows[r + 1] as number;
      let aliases = aliasCache.get(ai);
      if (!aliases) {
        const joined = str(ai);
        aliases = joined === '' ? [] : joined.split('\n');
        aliasCache.set(ai, aliases);
      }
      const f = (k: number) => str(rows[r + k] as number);
      return advisoryEntry({
        id: f(0),
        aliases,
        package: f(2),
        distro: f(3) as AdvisoryEntry['distro'],
        branch: f(4),
        arch: f(5),
        state: f(6) as AdvisoryState,
        introduced: f(7),
        fixed: f(8),
        lastAffected: f(9),
        scope: f(10) as AdvisoryEntry['scope'],
        severity: f(11) as Severity,
        cvss: f(12),
        summary: f(13),
        justification: f(14),
        note: f(15),
        source: f(16),
      });
    };
    const entriesTotal = nRows / FIELDS.length;
    const index = (i: unknown): number => {
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= nStrings) throw new RangeError('bad index');
      return i;
    };
    return doc.batches.map((b) => {
      const packages = new Map<string, () => AdvisoryEntry[]>();
      let count = 0;
      for (const [name, first, n] of b.packages) {
        if (!(first >= 0 && n >= 0 && first + n <= entriesTotal)) throw new RangeError('bad row range');
        count += n;
        packages.set(str(index(name)), () => Array.from({ length: n }, (_, k) => row((first + k) * FIELDS.length)));
      }
      const severities = new Map<string, { severity: Severity; cvss: string }>();
      for (const [id, sev, cvss] of b.severities) {
        severities.set(str(index(id)), { severity: str(index(sev)) as Severity, cvss: str(index(cvss)) });
      }
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
