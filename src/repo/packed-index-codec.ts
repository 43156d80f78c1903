/**
 * The file form of a PackedIndex: `LUPKIDX1`, a u32 header length, a JSON header (counts, where each
 * table lies, the digest of what follows, the source it was made from), then the tables (8-byte
 * aligned, little-endian) and the string pool (one byte per character; see packed-index-builder.ts). Reading checks the digest and every table's
 * bounds and that the tables fit together; anything off is INDEX_PACK_INVALID (the caller then reads
 * the index itself again). Values inside the tables are not range-checked one by one: the digest
 * shows the file is what lupine wrote, and the cache directory holding it is the user's own.
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { asBuffer, InternalError, LupineError } from '../core/index.js';
import { INT_TABLES, PackedIndex, type PackedTables } from './packed-index.js';

const MAGIC = 'LUPKIDX1';
/**
 * The layout version. Bump it whenever packed-index-builder.ts or packed-index.ts change what a table holds or
 * how it is read: packs in users' caches are then read as invalid and rewritten, never misread.
 */
export const PACK_FORMAT = 2;

interface Header {
  readonly format: number;
  /** What the pack was made from (e.g. the sha256 of the index file); checked on read. */
  readonly source: string;
  readonly description: string;
  /** `crc32:` or `sha256:` of the header's other fields (`signedHeader`) then everything after the header. */
  readonly digest: string;
  /** [name, byte offset after the header, element count] */
  readonly tables: [string, number, number][];
  readonly pool: [number, number];
}

function invalid(why: string): LupineError {
  return new LupineError('INDEX_PACK_INVALID', `the packed index is not usable: ${why}`, {
    details: { why },
    hint: 'it is a cache: delete it and the index is read again',
  });
}

const align8 = (n: number) => (n + 7) & ~7;

/** The header fields the digest covers, in a fixed order (all but the digest itself). */
function signedHeader(h: Omit<Header, 'digest'>): string {
  return JSON.stringify([h.format, h.source, h.description, h.tables, h.pool]);
}

/** zlib's CRC-32 where this Node has it (20.15+): a tenth of SHA-256's time over a 3 MB pack. */
const crc32 = (zlib as { crc32?: (data: Uint8Array | string, value?: number) => number }).crc32;

/**
 * What the digest is for: catching a damaged file (a torn write, a bad disk), not tampering (the
 * cache directory is the user's own). `crc32:` where zlib has it, else `sha256:`.
 */
function digestOf(h: Omit<Header, 'digest'>, body: Uint8Array): string {
  const head = signedHeader(h);
  if (crc32 !== undefined) return `crc32:${crc32(body, crc32(head)).toString(16).padStart(8, '0')}`;
  return `sha256:${createHash('sha256').update(head).update(body).digest('hex')}`;
}

/** The bytes of a packed index made from `source` (a digest naming the index bytes). */
export function encodePackedIndex(p: PackedIndex, source: string): Buffer {
  if (!p.complete) throw new InternalError('encodePackedIndex: the pack was made without { complete: true }');
  // One byte per pool character (non-ASCII strings are stored there as their UTF-8 bytes).
  const poolBytes = Buffer.from(p.pool, 'latin1');
  const tables: [string, number, number][] = [];
  const parts: Uint8Array[] = [];
  let at = 0;
  const put = (name: string, a: Int32Array | Float64Array) => {
    tables.push([name, at, a.length]);
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    parts.push(bytes);
    const pad = align8(bytes.length) - bytes.length;
    if (pad) parts.push(new Uint8Array(pad));
    at += align8(bytes.length);
  };
  put('pkgNum', p.pkgNum);
  for (const name of INT_TABLES) put(name, p[name]);
  const poolAt = at;
  parts.push(poolBytes);
  const body = Buffer.concat(parts);
  const fields = {
    format: PACK_FORMAT,
    source,
    description: p.description,
    tables,
    pool: [poolAt, poolBytes.length] as [number, number],
  };
  const header: Header = { ...fields, digest: digestOf(fields, body) };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  json = Buffer.concat([json, Buffer.alloc(align8(json.length + 12) - (json.length + 12), 0x20)]);
  const head = Buffer.alloc(12);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, 8);
  return Buffer.concat([head, json, body]);
}

/** Reads a packed index; `source` must be what it was made from. Throws INDEX_PACK_INVALID. */
export function decodePackedIndex(bytes: Uint8Array, source: string): PackedIndex {
  try {
    return decode(bytes, source);
  } catch (err) {
    if (err instanceof LupineError) throw err;
    // Whatever else a damaged file trips over is the same answer: not usable.
    throw invalid((err as Error).message);
  }
}

function isHeader(h: unknown): h is Header {
  if (typeof h !== 'object' || h === null) return false;
  const x = h as Record<string, unknown>;
  const pool = x.pool;
  return (
    typeof x.format === 'number' &&
    typeof x.source === 'string' &&
    typeof x.description === 'string' &&
    typeof x.digest === 'string' &&
    Array.isArray(pool) &&
    pool.length === 2 &&
    pool.every((n) => Number.isSafeInteger(n) && n >= 0) &&
    Array.isArray(x.tables) &&
    x.tables.every(
      (t: unknown) =>
        Array.isArray(t) &&
        t.length === 3 &&
        typeof t[0] === 'string' &&
        Number.isSafeInteger(t[1]) &&
        Number.isSafeInteger(t[2]) &&
        t[1] >= 0 &&
        t[2] >= 0 &&
        t[1] % 8 === 0,
    )
  );
}

function decode(bytes: Uint8Array, source: string): PackedIndex {
  let buf = asBuffer(bytes);
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw invalid('not a packed index');
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > buf.length) throw invalid('truncated header');
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8', 12, 12 + headerLength));
  } catch {
    throw invalid('unreadable header');
  }
  if (!isHeader(parsed)) throw invalid('the header is not a packed index header');
  const header = parsed;
  if (header.format !== PACK_FORMAT) throw invalid(`format ${header.format}, this lupine reads ${PACK_FORMAT}`);
  if (header.source !== source) throw invalid('made from other index bytes');
  const bodyStart = 12 + headerLength;
  if (digestOf(header, buf.subarray(bodyStart)) !== header.digest) throw invalid('its digest does not match');
  // Typed arrays need aligned offsets: copy once when the bytes sit at an odd place.
  if ((buf.byteOffset + bodyStart) % 8 !== 0) {
    const copy = Buffer.alloc(buf.length - bodyStart);
    buf.copy(copy, 0, bodyStart);
    buf = copy;
  } else {
    buf = buf.subarray(bodyStart);
  }
  const body = buf;
  const found = new Map<string, Int32Array | Float64Array>();
  for (const [name, at, count] of header.tables) {
    const width = name === 'pkgNum' ? 8 : 4;
    if (at + count * width > body.length) throw invalid(`table ${name} is out of bounds`);
    const start = body.byteOffset + at;
    found.set(
      name,
      width === 8 ? new Float64Array(body.buffer, start, count) : new Int32Array(body.buffer, start, count),
    );
  }
  const get = (name: string) => {
    const t = found.get(name);
    if (t === undefined) throw invalid(`table ${name} is missing`);
    return t;
  };
  const tables = { pkgNum: get('pkgNum') } as Record<string, Int32Array | Float64Array>;
  for (const name of INT_TABLES) tables[name] = get(name);
  if (!(tables.pkgNum instanceof Float64Array) || INT_TABLES.some((n) => !(tables[n] instanceof Int32Array))) {
    throw invalid('a table has the wrong element type');
  }
  const [poolAt, poolLength] = header.pool;
  if (poolAt + poolLength > body.length) throw invalid('the string pool is out of bounds');
  const pool = body.toString('latin1', poolAt, poolAt + poolLength);
  const t = tables as unknown as PackedTables;
  checkShape(t, pool.length);
  return new PackedIndex(pool, t, header.description);
}

/** Counts and list ends that must agree, so a reader never indexes past a table. */
function checkShape(t: PackedTables, poolLength: number): void {
  const pkgs = t.pkgName.length;
  const names = t.nameStr.length;
  const toks = t.tokStr.length;
  const strs = t.strRef.length / 2;
  const ok =
    t.strRef.length % 2 === 0 &&
    t.pkgStr.length === pkgs * 10 &&
    t.pkgNum.length === pkgs * 5 &&
    t.pkgFlags.length === pkgs &&
    csr(t.dependsOff, t.depends, pkgs) &&
    csr(t.installIfOff, t.installIf, pkgs) &&
    csr(t.providesOff, t.provides, pkgs) &&
    csr(t.replacesOff, t.replaces, pkgs) &&
    csr(t.triggersOff, t.triggers, pkgs) &&
    [t.tokName, t.tokFlags, t.tokMask, t.tokVersion, t.tokTag].every((a) => a.length === toks) &&
    csr(t.providersOff, t.providers, names) &&
    csr(t.rinstallIfOff, t.rinstallIf, names) &&
    csr(t.rdependsOff, t.rdepends, names) &&
    t.nameSorted.length === names &&
    t.nameStr.length === names &&
    strs >= names &&
    stringsEnd(t.strRef, poolLength);
  if (!ok) throw invalid('its tables do not fit together');
}

function csr(off: Int32Array, vals: Int32Array, count: number): boolean {
  return off.length === count + 1 && off[0] === 0 && off[count] === vals.length;
}

/** The pool is laid out in id order, so the last string ending at the pool's end covers them all. */
function stringsEnd(ref: Int32Array, poolLength: number): boolean {
  const n = ref.length;
  return n === 0 ? poolLength === 0 : (ref[n - 2] as number) + Math.abs(ref[n - 1] as number) === poolLength;
}
