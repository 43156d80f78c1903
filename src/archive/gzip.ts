import { constants, crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { asBuffer, checkLimit, defaultLimits, type Limits, LupineError } from '../core/index.js';

/** One gzip member of a concatenation, with its compressed byte range [start, end). */
export interface GzipMember {
  /** Offset of the member's first byte (0x1f) in the input. */
  readonly start: number;
  /** Offset just past the member's 8-byte trailer. */
  readonly end: number;
  /** The decompressed bytes. */
  readonly data: Buffer;
}

const FTEXT = 1;
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

function gzErr(code: 'GZIP_BAD_HEADER' | 'GZIP_CORRUPT' | 'GZIP_TRUNCATED', msg: string, offset: number): LupineError {
  return new LupineError(code, `${msg} at byte ${offset}`, {
    details: { offset },
    hint: 'the file is damaged or not gzip-compressed; download or build it again',
  });
}

/** Parses a gzip member header at `start`; returns the offset of the deflate data. */
function headerEnd(buf: Uint8Array, start: number): number {
  if (buf.length - start < 18) throw gzErr('GZIP_TRUNCATED', 'gzip member is truncated', start);
  if (buf[start] !== 0x1f || buf[start + 1] !== 0x8b) throw gzErr('GZIP_BAD_HEADER', 'not a gzip member', start);
  if (buf[start + 2] !== 8) throw gzErr('GZIP_BAD_HEADER', 'gzip member uses an unknown compression method', start);
  const flags = buf[start + 3] as number;
  if (flags & 0xe0) throw gzErr('GZIP_BAD_HEADER', 'gzip member has reserved flags set', start);
  let p = start + 10;
  const need = (n: number) => {
    if (p + n > buf.length) throw gzErr('GZIP_TRUNCATED', 'gzip header is truncated', start);
  };
  if (flags & FEXTRA) {
    need(2);
    const xlen = (buf[p] as number) | ((buf[p + 1] as number) << 8);
    p += 2;
    need(xlen);
    p += xlen;
  }
  for (const f of [FNAME, FCOMMENT]) {
    if (flags & f) {
      while (p < buf.length && buf[p] !== 0) p++;
      need(1);
      p++;
    }
  }
  if (flags & FHCRC) {
    need(2);
    p += 2;
  }
  void FTEXT;
  return p;
}

/**
 * Inflates every member of a gzip concatenation, keeping each member's compressed byte range
 * (apk signatures and hashes cover compressed bytes). CRC-32 and length are checked per member.
 */
export function readGzipMembers(
  input: Uint8Array,
  limits: Limits = defaultLimits,
  maxMembers = Infinity,
): GzipMember[] {
  const buf = asBuffer(input);
  const members: GzipMember[] = [];
  let off = 0;
  let total = 0;
  while (off < buf.length && members.length < maxMembers) {
    const dataStart = headerEnd(buf, off);
    const budget = limits.maxUncompressedBytes - total;
    let out: Buffer;
    let consumed: number;
    try {
      const r = inflateRawSync(buf.subarray(dataStart), {
        info: true,
        maxOutputLength: Math.max(1, Math.min(budget, 2 ** 32 - 1)),
      }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      out = r.buffer;
      consumed = r.engine.bytesWritten;
    } catch (err) {
      if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new LupineError(
          'LIMIT_EXCEEDED',
          `gzip member at byte ${off} decompresses to more than ${budget} bytes`,
          {
            details: { offset: off },
            hint: 'the input is larger than lupine accepts; check that it is the file you meant',
          },
        );
      }
      const zcode = (err as { code?: string }).code;
      if (zcode === 'Z_BUF_ERROR') throw gzErr('GZIP_TRUNCATED', 'gzip data ends early', off);
      throw gzErr('GZIP_CORRUPT', `gzip data is corrupt (${(err as Error).message})`, off);
    }
    const trailer = dataStart + consumed;
    if (trailer + 8 > buf.length) throw gzErr('GZIP_TRUNCATED', 'gzip member has no complete trailer', off);
    const crc = buf.readUInt32LE(trailer);
    const isize = buf.readUInt32LE(trailer + 4);
    if (crc !== crc32(out) || isize !== out.length % 2 ** 32) {
      throw gzErr('GZIP_CORRUPT', 'gzip member fails its CRC-32 or length check', off);
    }
    total += out.length;
    const compressed = trailer + 8 - off;
    if (out.length > 1024 * 1024) {
      checkLimit('decompression ratio', Math.floor(out.length / compressed), limits.maxCompressionRatio);
    }
    members.push({ start: off, end: trailer + 8, data: out });
    off = trailer + 8;
  }
  return members;
}

/** Options for a deterministic gzip member: fixed header (mtime 0, no name), fixed level. */
export interface GzipOptions {
  /** zlib level 1–9; 9 is what abuild (`gzip -9`) and apk-tools use. */
  readonly level?: number;
  /** OS byte of the header: 3 (Unix) as gzip and zlib write on Linux; 255 for unknown. */
  readonly os?: number;
}

/**
 * One gzip member with a fixed 10-byte header: the same input always gives the same bytes.
 * XFL follows gzip: 2 for level 9, 4 for level 1, else 0.
 */
export function gzipMember(data: Uint8Array, options: GzipOptions = {}): Buffer {
  const level = options.level ?? 9;
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level === 9 ? 2 : level === 1 ? 4 : 0, options.os ?? 3]);
  const body = deflateRawSync(data, { level, memLevel: 8, windowBits: 15, strategy: constants.Z_DEFAULT_STRATEGY });
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length % 2 ** 32, 4);
  return Buffer.concat([header, body, trailer]);
}
