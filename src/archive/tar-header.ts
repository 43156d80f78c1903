import { InternalError, LupineError } from '../core/index.js';

export const BLOCK = 512;

/**
 * How header fields are spelled. The three dialects differ only in magic and numeric padding:
 * - `ustar`: POSIX (`ustar\0` `00`), numbers as 7/11 octal digits + NUL (GNU tar --format=posix, melange);
 * - `gnu`:   GNU (`ustar  \0`), numbers as 7/11 octal digits + NUL;
 * - `apk`:   apk-tools' writer: GNU magic, mode/uid/gid 7 digits + NUL, size/mtime 12 digits, no NUL.
 */
export type TarDialect = 'ustar' | 'gnu' | 'apk';

/** The fields of one 512-byte header, as they are written. */
export interface HeaderFields {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  prefix: string;
}

/** A decoded header before pax / long-name records are applied. */
export interface RawHeader extends HeaderFields {
  magic: 'ustar' | 'gnu';
}

function tarErr(code: 'TAR_BAD_HEADER' | 'TAR_BAD_CHECKSUM', msg: string, offset: number): LupineError {
  return new LupineError(code, `${msg} (tar header at byte ${offset})`, {
    details: { offset },
    hint: 'the archive is damaged or not a tar archive',
  });
}

function readString(b: Uint8Array, start: number, len: number): string {
  let end = start;
  const stop = start + len;
  while (end < stop && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8');
}

/** Octal, ended by NUL or space, leading spaces allowed; GNU base-256 when the top bit is set. */
function readNumber(b: Uint8Array, start: number, len: number, field: string, offset: number): number {
  const first = b[start] as number;
  if (first & 0x80) {
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + (b[start + i] as number);
    if (!Number.isSafeInteger(v)) throw tarErr('TAR_BAD_HEADER', `${field} is too large`, offset);
    return v;
  }
  let i = start;
  const stop = start + len;
  while (i < stop && b[i] === 0x20) i++;
  let v = 0;
  let digits = 0;
  for (; i < stop; i++) {
    const c = b[i] as number;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) throw tarErr('TAR_BAD_HEADER', `${field} is not an octal number`, offset);
    v = v * 8 + (c - 0x30);
    digits++;
  }
  void digits;
  return v;
}

export function isZeroBlock(b: Uint8Array, offset: number): boolean {
  for (let i = offset; i < offset + BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function checksumOf(b: Uint8Array, offset: number): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (b[offset + i] as number);
  return sum;
}

/** Decodes the header block at `offset` (the caller has checked it is not a zero block). */
export function decodeHeader(b: Uint8Array, offset: number): RawHeader {
  const magic = readString(b, offset + 257, 6);
  if (!magic.startsWith('ustar')) throw tarErr('TAR_BAD_HEADER', 'not a ustar header', offset);
  const stored = readNumber(b, offset + 148, 8, 'checksum', offset);
  if (stored !== checksumOf(b, offset)) throw tarErr('TAR_BAD_CHECKSUM', 'header checksum does not match', offset);
  const gnu = b[offset + 262] === 0x20;
  return {
    magic: gnu ? 'gnu' : 'ustar',
    name: readString(b, offset, 100),
    mode: readNumber(b, offset + 100, 8, 'mode', offset) & 0o7777,
    uid: readNumber(b, offset + 108, 8, 'uid', offset),
    gid: readNumber(b, offset + 116, 8, 'gid', offset),
    size: readNumber(b, offset + 124, 12, 'size', offset),
    mtime: readNumber(b, offset + 136, 12, 'mtime', offset),
    typeflag: String.fromCharCode(b[offset + 156] as number),
    linkname: readString(b, offset + 157, 100),
    uname: readString(b, offset + 265, 32),
    gname: readString(b, offset + 297, 32),
    devmajor: readNumber(b, offset + 329, 8, 'devmajor', offset),
    devminor: readNumber(b, offset + 337, 8, 'devminor', offset),
    // GNU headers keep atime/ctime where ustar keeps prefix.
    prefix: gnu ? '' : readString(b, offset + 345, 155),
  };
}

function writeString(b: Buffer, s: string, start: number, len: number, what: string): void {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length > len) throw new InternalError(`tar ${what} '${s}' does not fit in ${len} bytes`);
  bytes.copy(b, start);
}

/** `digits` octal digits, zero padded, then a NUL when `nul`. Falls back to base-256 when too large. */
function writeOctal(b: Buffer, v: number, start: number, digits: number, nul: boolean): void {
  const s = v.toString(8);
  if (s.length > digits) {
    const width = digits + (nul ? 1 : 0);
    let x = v;
    for (let i = width - 1; i >= 1; i--) {
      b[start + i] = x % 256;
      x = Math.floor(x / 256);
    }
    b[start] = 0x80;
    return;
  }
  b.write(s.padStart(digits, '0'), start, 'latin1');
  if (nul) b[start + digits] = 0;
}

/** Encodes one header block in the given dialect. Names must already fit (see tar-writer for long names). */
export function encodeHeader(h: HeaderFields, dialect: TarDialect): Buffer {
  const b = Buffer.alloc(BLOCK);
  writeString(b, h.name, 0, 100, 'name');
  writeOctal(b, h.mode, 100, 7, true);
  writeOctal(b, h.uid, 108, 7, true);
  writeOctal(b, h.gid, 116, 7, true);
  if (dialect === 'apk') {
    writeOctal(b, h.size, 124, 12, false);
    writeOctal(b, h.mtime, 136, 12, false);
  } else {
    writeOctal(b, h.size, 124, 11, true);
    writeOctal(b, h.mtime, 136, 11, true);
  }
  b.write(h.typeflag, 156, 'latin1');
  writeString(b, h.linkname, 157, 100, 'link name');
  if (dialect === 'ustar') b.write('ustar\x0000', 257, 'latin1');
  else b.write('ustar  \x00', 257, 'latin1');
  writeString(b, h.uname, 265, 32, 'user name');
  writeString(b, h.gname, 297, 32, 'group name');
  if (dialect !== 'apk' || h.devmajor || h.devminor || h.typeflag === '3' || h.typeflag === '4') {
    writeOctal(b, h.devmajor, 329, 7, true);
    writeOctal(b, h.devminor, 337, 7, true);
  }
  if (h.prefix) writeString(b, h.prefix, 345, 155, 'prefix');
  b.fill(0x20, 148, 156);
  const sum = checksumOf(b, 0);
  b.write(sum.toString(8).padStart(6, '0'), 148, 'latin1');
  b[154] = 0;
  b[155] = 0x20;
  return b;
}

export function paddingFor(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}
