import { InternalError } from '../core/index.js';
import { encodePax, type PaxRecord } from './pax.js';
import type { TarEntryType } from './tar-entry.js';
import { typeflagOf } from './tar-entry.js';
import { BLOCK, encodeHeader, type TarDialect } from './tar-header.js';

/** One entry to write. Everything that reaches the bytes is given explicitly. */
export interface TarWriteEntry {
  name: string;
  type: TarEntryType;
  mode: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Content of a regular file. */
  data?: Uint8Array;
  /** Extra pax records for this entry, written in this order (e.g. `APK-TOOLS.checksum.SHA1`). */
  pax?: readonly PaxRecord[];
  /** Extended attributes, written as `SCHILY.xattr.<name>` pax records sorted by name. */
  xattrs?: Readonly<Record<string, Uint8Array>>;
}

export interface TarWriteOptions {
  readonly dialect: TarDialect;
  /** How a name or link target over 100 bytes is written: pax `path`/`linkpath` or GNU `L`/`K` entries. */
  readonly longNames?: 'pax' | 'gnu';
  /** Name of a pax header block for an entry; default `<dir>/PaxHeaders/<base>` (GNU tar's posix format). */
  readonly paxHeaderName?: (name: string) => string;
  /** mtime written on pax and long-name header blocks; default the entry's mtime. */
  readonly extMtime?: number;
}

export function defaultPaxHeaderName(name: string): string {
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  const slash = trimmed.lastIndexOf('/');
  const dir = slash < 0 ? '.' : trimmed.slice(0, slash);
  return `${dir}/PaxHeaders/${trimmed.slice(slash + 1)}`.slice(0, 100);
}

function pad(n: number): Buffer {
  const r = n % BLOCK;
  return Buffer.alloc(r === 0 ? 0 : BLOCK - r);
}

function extBlock(
  name: string,
  typeflag: string,
  body: Buffer,
  mtime: number,
  dialect: TarDialect,
  e: TarWriteEntry,
): Buffer[] {
  const h = encodeHeader(
    {
      name,
      mode: typeflag === 'x' ? 0o644 : 0,
      uid: typeflag === 'x' ? (e.uid ?? 0) : 0,
      gid: typeflag === 'x' ? (e.gid ?? 0) : 0,
      size: body.length,
      mtime,
      typeflag,
      linkname: '',
      uname: typeflag === 'x' ? (e.uname ?? '') : '',
      gname: typeflag === 'x' ? (e.gname ?? '') : '',
      devmajor: 0,
      devminor: 0,
      prefix: '',
    },
    dialect,
  );
  return [h, body, pad(body.length)];
}

/** The first 100 bytes of a long name, as the header's field holds it (no split character at the end). */
function headerField(s: string): string {
  return Buffer.from(s)
    .subarray(0, 100)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

/** The blocks for one entry: any pax / long-name headers, the header, the content and its padding. */
export function encodeEntry(e: TarWriteEntry, options: TarWriteOptions): Buffer[] {
  const dialect = options.dialect;
  const longNames = options.longNames ?? (dialect === 'ustar' ? 'pax' : 'gnu');
  const data = e.type === 'file' ? Buffer.from(e.data ?? new Uint8Array(0)) : Buffer.alloc(0);
  const linkname = e.linkname ?? '';
  if ((e.type === 'symlink' || e.type === 'hardlink') && linkname === '') {
    throw new InternalError(`tar entry ${e.name}: a link needs a target`);
  }
  const records: PaxRecord[] = [];
  const blocks: Buffer[] = [];
  const extMtime = options.extMtime ?? e.mtime;
  let name = e.name;
  let link = linkname;
  const nameLong = Buffer.byteLength(name) > 100;
  const linkLong = Buffer.byteLength(link) > 100;
  if (longNames === 'pax') {
    if (nameLong) {
      records.push({ key: 'path', value: Buffer.from(name) });
      name = headerField(name);
    }
    if (linkLong) {
      records.push({ key: 'linkpath', value: Buffer.from(link) });
      link = headerField(link);
    }
  } else {
    if (linkLong) {
      blocks.push(
        ...extBlock('././@LongLink', 'K', Buffer.concat([Buffer.from(link), Buffer.alloc(1)]), extMtime, dialect, e),
      );
      link = headerField(link);
    }
    if (nameLong) {
      blocks.push(
        ...extBlock('././@LongLink', 'L', Buffer.concat([Buffer.from(name), Buffer.alloc(1)]), extMtime, dialect, e),
      );
      name = headerField(name);
    }
  }
  if (e.xattrs) {
    for (const key of Object.keys(e.xattrs).sort()) {
      records.push({ key: `SCHILY.xattr.${key}`, value: Buffer.from(e.xattrs[key] as Uint8Array) });
    }
  }
  if (e.pax) records.push(...e.pax);
  if (records.length > 0) {
    const paxName = (options.paxHeaderName ?? defaultPaxHeaderName)(e.name);
    blocks.unshift(...extBlock(paxName, 'x', encodePax(records), extMtime, dialect, e));
  }
  blocks.push(
    encodeHeader(
      {
        name,
        mode: e.mode & 0o7777,
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        size: data.length,
        mtime: e.mtime,
        typeflag: typeflagOf[e.type],
        linkname: link,
        uname: e.uname ?? '',
        gname: e.gname ?? '',
        devmajor: e.devmajor ?? 0,
        devminor: e.devminor ?? 0,
        prefix: '',
      },
      dialect,
    ),
  );
  if (data.length) blocks.push(data, pad(data.length));
  return blocks;
}

/** The end-of-archive marker: two zero blocks, optionally padded to a whole record (GNU tar: 10240). */
export function tarEnd(bytesSoFar: number, recordSize = BLOCK): Buffer {
  let n = bytesSoFar + BLOCK * 2;
  const r = n % recordSize;
  if (r !== 0) n += recordSize - r;
  return Buffer.alloc(n - bytesSoFar);
}

/** A whole tar in memory: entries in the order given, then the end marker unless `fragment`. */
export function writeTar(
  entries: readonly TarWriteEntry[],
  options: TarWriteOptions & { fragment?: boolean; recordSize?: number },
): Buffer {
  const parts: Buffer[] = [];
  let n = 0;
  for (const e of entries) {
    for (const b of encodeEntry(e, options)) {
      parts.push(b);
      n += b.length;
    }
  }
  if (!options.fragment) parts.push(tarEnd(n, options.recordSize));
  return Buffer.concat(parts);
}
