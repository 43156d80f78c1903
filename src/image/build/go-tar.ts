/**
 * Tar headers exactly as Go's archive/tar writes them (and so apko's layers): USTAR when the entry
 * fits — a long ASCII name split into prefix and name where it can be — else PAX, with the records
 * sorted by key, the extended header named `<dir>/PaxHeaders.0/<base>` with mode, owner and mtime
 * 0, and the main header's name and link cut to 100 bytes of their ASCII characters. Pure.
 */
import { BLOCK, encodeHeader, encodePax, type PaxRecord, type TarEntryType, typeflagOf } from '../../archive/index.js';

export interface GoTarEntry {
  readonly name: string;
  readonly type: TarEntryType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly linkname?: string;
  readonly devmajor?: number;
  readonly devminor?: number;
  readonly data?: Uint8Array;
  readonly xattrs?: Readonly<Record<string, Uint8Array>>;
}

const NAME = 100;
const PREFIX = 155;
const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);
const toAscii = (s: string) => s.replace(/[^\x00-\x7f]/g, '');
const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/** Go's `splitUSTARPath`. */
export function splitUstarPath(name: string): { prefix: string; suffix: string } | undefined {
  let length = name.length;
  if (length <= NAME || !isAscii(name)) return undefined;
  if (length > PREFIX + 1) length = PREFIX + 1;
  else if (name[length - 1] === '/') length--;
  const i = name.lastIndexOf('/', length - 1);
  const nlen = name.length - i - 1;
  if (i <= 0 || nlen > NAME || nlen === 0 || i > PREFIX) return undefined;
  return { prefix: name.slice(0, i), suffix: name.slice(i + 1) };
}

function pad(n: number): Buffer {
  const r = n % BLOCK;
  return Buffer.alloc(r === 0 ? 0 : BLOCK - r);
}

function paxHeaderName(name: string): string {
  const slash = name.lastIndexOf('/');
  const p = `${name.slice(0, slash + 1)}PaxHeaders.0/${name.slice(slash + 1)}`;
  return cut(toAscii(p), NAME).replace(/\/+$/, '');
}

/** The blocks of one entry (headers, content, padding). */
export function encodeGoEntry(e: GoTarEntry): Buffer[] {
  const link = e.linkname ?? '';
  const data = e.type === 'file' ? Buffer.from(e.data ?? new Uint8Array(0)) : Buffer.alloc(0);
  const nameFits = e.name.length <= NAME && isAscii(e.name) && Buffer.byteLength(e.name) <= NAME;
  const split = nameFits ? undefined : splitUstarPath(e.name);
  const linkFits = isAscii(link) && Buffer.byteLength(link) <= NAME;
  const xattrKeys = Object.keys(e.xattrs ?? {});
  const pax = (!nameFits && !split) || !linkFits || xattrKeys.length > 0;
  const blocks: Buffer[] = [];
  let name = e.name;
  let prefix = '';
  if (pax) {
    const records: PaxRecord[] = [];
    if (!nameFits) records.push({ key: 'path', value: Buffer.from(e.name) });
    if (!linkFits) records.push({ key: 'linkpath', value: Buffer.from(link) });
    for (const k of xattrKeys) {
      records.push({ key: `SCHILY.xattr.${k}`, value: Buffer.from(e.xattrs?.[k] as Uint8Array) });
    }
    records.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const body = encodePax(records);
    blocks.push(
      encodeHeader(
        {
          name: paxHeaderName(e.name),
          mode: 0,
          uid: 0,
          gid: 0,
          size: body.length,
          mtime: 0,
          typeflag: 'x',
          linkname: '',
          uname: '',
          gname: '',
          devmajor: 0,
          devminor: 0,
          prefix: '',
        },
        'ustar',
      ),
      body,
      pad(body.length),
    );
    name = cut(toAscii(e.name), NAME);
  } else if (split) {
    name = split.suffix;
    prefix = split.prefix;
  }
  blocks.push(
    encodeHeader(
      {
        name,
        mode: e.mode & 0o7777,
        uid: e.uid,
        gid: e.gid,
        size: data.length,
        mtime: e.mtime,
        typeflag: typeflagOf[e.type],
        linkname: linkFits ? link : cut(toAscii(link), NAME),
        uname: '',
        gname: '',
        devmajor: e.devmajor ?? 0,
        devminor: e.devminor ?? 0,
        prefix,
      },
      'ustar',
    ),
  );
  if (data.length > 0) blocks.push(data, pad(data.length));
  return blocks;
}
