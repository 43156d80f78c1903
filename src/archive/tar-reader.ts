import { asBuffer, checkLimit, defaultLimits, type Limits, LupineError } from '../core/index.js';
import { parsePax } from './pax.js';
import { entryTypeOf, type TarEntry } from './tar-entry.js';
import { BLOCK, decodeHeader, isZeroBlock, paddingFor, type RawHeader } from './tar-header.js';

/** An entry with where it sits in the tar stream and its content (a view into the input). */
export interface TarItem {
  readonly entry: TarEntry;
  /** Offset of the entry's own header block (after any pax / long-name blocks). */
  readonly headerOffset: number;
  /** Offset of the first header block belonging to this entry (pax or long-name blocks included). */
  readonly startOffset: number;
  readonly dataOffset: number;
  /** The content; empty for everything but regular files. */
  readonly data: Buffer;
}

export interface ReadTarOptions {
  /**
   * `fragment`: stop at the end of the input with no end-of-archive marker (apk's signature and
   * control members). `archive` (default): require the end marker, then only zero blocks.
   */
  readonly mode?: 'archive' | 'fragment';
  readonly limits?: Limits;
  /** Offset added to every reported offset (when `input` is a slice of a longer stream). */
  readonly baseOffset?: number;
}

export interface TarReadResult {
  readonly items: TarItem[];
  /** Offset just past the last entry (before the end marker), relative to the input. */
  readonly endOffset: number;
  /** Whether an end-of-archive marker was seen. */
  readonly ended: boolean;
}

function truncated(offset: number): LupineError {
  return new LupineError('TAR_TRUNCATED', `tar archive ends in the middle of an entry (at byte ${offset})`, {
    details: { offset },
    hint: 'the archive is incomplete; download or build it again',
  });
}

/**
 * Reads a tar stream from memory: ustar, GNU and pax, with `path`, `linkpath`, `SCHILY.xattr.*` and
 * other pax records, GNU `L`/`K` long names, and the ustar prefix. 'g' headers are ignored.
 */
export function readTar(input: Uint8Array, options: ReadTarOptions = {}): TarReadResult {
  const b = asBuffer(input);
  const limits = options.limits ?? defaultLimits;
  const base = options.baseOffset ?? 0;
  const fragment = options.mode === 'fragment';
  const items: TarItem[] = [];
  let p = 0;
  let pax: Record<string, Buffer> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let start = 0;
  let pending = false;
  while (true) {
    if (p === b.length && fragment && !pending) return { items, endOffset: p, ended: false };
    if (p + BLOCK > b.length) throw truncated(base + p);
    if (isZeroBlock(b, p)) {
      if (pending) throw truncated(base + p);
      if (fragment) {
        throw new LupineError('TAR_BAD_HEADER', `unexpected end-of-archive marker at byte ${base + p}`, {
          details: { offset: base + p },
          hint: 'the archive is damaged',
        });
      }
      const end = p;
      // Everything after the first zero block must be zero blocks (apk's rule); a lone zero block at
      // the very end is tolerated as some writers emit it.
      for (let q = p + BLOCK; q < b.length; q += BLOCK) {
        if (q + BLOCK > b.length || !isZeroBlock(b, q)) {
          throw new LupineError('TAR_TRAILING_DATA', `data after the end of the tar archive at byte ${base + q}`, {
            details: { offset: base + q },
            hint: 'the archive is damaged or has something appended to it',
          });
        }
      }
      return { items, endOffset: end, ended: true };
    }
    if (!pending) start = p;
    const h = decodeHeader(b, p);
    const headerOffset = p;
    const dataOffset = p + BLOCK;
    const isData = h.typeflag === '0' || h.typeflag === '\0' || h.typeflag === '7';
    const paxSize = pax.size === undefined ? undefined : Number(pax.size.toString('latin1'));
    if (paxSize !== undefined && !Number.isSafeInteger(paxSize)) throw truncated(base + p);
    const bodyLen = isData ? (paxSize ?? h.size) : 'xgLK'.includes(h.typeflag) ? h.size : 0;
    checkLimit('tar entry size', bodyLen, limits.maxEntryBytes);
    if (dataOffset + bodyLen > b.length) throw truncated(base + p);
    const body = b.subarray(dataOffset, dataOffset + bodyLen);
    p = dataOffset + bodyLen + paddingFor(bodyLen);
    if (p > b.length) throw truncated(base + headerOffset);
    if (h.typeflag === 'x' || h.typeflag === 'g' || h.typeflag === 'L' || h.typeflag === 'K') {
      checkLimit('tar extended header size', bodyLen, limits.maxHeaderBytes);
      pending = true;
      if (h.typeflag === 'x') for (const r of parsePax(body, base + headerOffset)) pax[r.key] = r.value;
      else if (h.typeflag === 'L') longName = cString(body);
      else if (h.typeflag === 'K') longLink = cString(body);
      continue;
    }
    const size = isData ? bodyLen : 0;
    items.push({
      entry: entryOf(h, pax, longName, longLink, size, base + headerOffset),
      headerOffset: base + headerOffset,
      startOffset: base + start,
      dataOffset: base + dataOffset,
      data: isData ? body : Buffer.alloc(0),
    });
    checkLimit('tar entry count', items.length, limits.maxEntries);
    pax = {};
    longName = undefined;
    longLink = undefined;
    pending = false;
  }
}

function cString(b: Buffer): string {
  const z = b.indexOf(0);
  return b.toString('utf8', 0, z < 0 ? b.length : z);
}

/** The entry a header describes, after the pax records and GNU long names that preceded it. */
export function entryOf(
  h: RawHeader,
  pax: Readonly<Record<string, Buffer>>,
  longName: string | undefined,
  longLink: string | undefined,
  size: number,
  headerOffset: number,
): TarEntry {
  const type = entryTypeOf(h.typeflag);
  if (type === undefined) {
    throw new LupineError('TAR_BAD_HEADER', `unsupported tar entry type '${h.typeflag}' at byte ${headerOffset}`, {
      details: { offset: headerOffset, typeflag: h.typeflag },
      hint: 'lupine reads files, links, directories, devices and fifos',
    });
  }
  const paxText: Record<string, string> = {};
  const xattrs: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(pax)) {
    if (k.startsWith('SCHILY.xattr.')) xattrs[k.slice('SCHILY.xattr.'.length)] = v;
    else paxText[k] = v.toString('utf8');
  }
  let name = h.prefix ? `${h.prefix}/${h.name}` : h.name;
  if (longName !== undefined) name = longName;
  if (paxText.path !== undefined) name = paxText.path;
  let linkname = h.linkname;
  if (longLink !== undefined) linkname = longLink;
  if (paxText.linkpath !== undefined) linkname = paxText.linkpath;
  return {
    name,
    type,
    typeflag: h.typeflag === '\0' ? '0' : h.typeflag,
    mode: h.mode,
    uid: paxText.uid !== undefined ? Number(paxText.uid) : h.uid,
    gid: paxText.gid !== undefined ? Number(paxText.gid) : h.gid,
    uname: paxText.uname ?? h.uname,
    gname: paxText.gname ?? h.gname,
    size,
    mtime: paxText.mtime !== undefined ? Math.floor(Number(paxText.mtime)) : h.mtime,
    linkname,
    devmajor: h.devmajor,
    devminor: h.devminor,
    pax: paxText,
    xattrs,
  };
}
