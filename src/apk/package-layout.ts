import { constants, inflateRawSync } from 'node:zlib';
import { type GzipMember, readGzipMembers, readTar, type TarItem } from '../archive/index.js';
import { type ErrorCode, isLupineError, type Limits, LupineError } from '../core/index.js';
import { parseSignatureName, type SignatureEntry } from './signature.js';

/** A gzip member's compressed byte range [start, end) in the .apk file. */
export interface MemberRange {
  readonly start: number;
  readonly end: number;
}

/** The front of an .apk: the optional signature member and the control member, inflated. */
export interface PackageHead {
  readonly signatureMember?: MemberRange;
  readonly signatures: SignatureEntry[];
  /** Every entry of the signature member, known algorithms or not (names only). */
  readonly signatureNames: string[];
  readonly control: GzipMember;
}

export type Section = 'signature' | 'control' | 'data';

const SECTION_CODE: Record<Section, ErrorCode> = {
  signature: 'APK_BAD_SIGNATURE',
  control: 'APK_BAD_CONTROL',
  data: 'APK_BAD_DATAHASH',
};

const SECTION_WORDS: Record<Section, string> = {
  signature: 'the signature member',
  control: 'the control member',
  data: 'the data member',
};

/** Re-throws a gzip/tar failure as the error of the member it happened in. */
export function sectionError(section: Section, err: unknown, source: string, offset?: number): LupineError {
  if (isLupineError(err) && err.code === 'LIMIT_EXCEEDED') return err;
  const msg = (err instanceof Error ? err.message : String(err)).replace(/ at byte \d+$/, '');
  const where = offset === undefined ? '' : ` (at byte ${offset})`;
  return new LupineError(SECTION_CODE[section], `${source}: ${SECTION_WORDS[section]}${where} is damaged: ${msg}`, {
    cause: err,
    details: { source, section, ...(offset === undefined ? {} : { offset }) },
    hint: 'the package is corrupt; download or build it again',
  });
}

export function malformed(msg: string, source: string): LupineError {
  return new LupineError('APK_MALFORMED', `${source}: ${msg}`, {
    details: { source },
    hint: 'this is not a valid APK v2 package',
  });
}

/** Inflates the one gzip member that starts at `offset`. */
export function memberAt(buf: Buffer, offset: number, limits: Limits): GzipMember {
  const [m] = readGzipMembers(buf.subarray(offset), limits, 1);
  if (m === undefined) throw new LupineError('GZIP_TRUNCATED', `no gzip member at byte ${offset}`);
  return { start: m.start + offset, end: m.end + offset, data: m.data };
}

/**
 * When the first member does not inflate, guesses which member it was meant to be from the name of
 * its first tar entry, inflating as much as the damaged stream allows.
 */
function firstNameOf(buf: Buffer): string {
  const flags = buf[3] ?? 0;
  if (buf[0] !== 0x1f || buf[1] !== 0x8b || flags & 0x1e) return '';
  // Inflate growing prefixes: the damage is usually past the first entry's name.
  for (let n = 32; n <= 4096 && 10 + n / 2 < buf.length; n *= 2) {
    try {
      const out = inflateRawSync(buf.subarray(10, 10 + n), { finishFlush: constants.Z_SYNC_FLUSH });
      if (out.length >= 100) return out.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
    } catch {
      // the prefix reaches the damage, or is too short to decode; try the next size
    }
  }
  return '';
}

/** Reads a tar fragment; one that ends with an end-of-archive marker is read as a whole archive. */
export function readFragment(data: Buffer, limits: Limits): { items: TarItem[]; ended: boolean } {
  try {
    return readTar(data, { mode: 'fragment', limits });
  } catch (err) {
    if (isLupineError(err) && err.code === 'TAR_BAD_HEADER' && /end-of-archive/.test(err.message)) {
      return readTar(data, { mode: 'archive', limits });
    }
    throw err;
  }
}

/**
 * Splits off the signature member (when the first member's entries are `.SIGN.*`) and inflates the
 * control member after it. A failure is reported as the member it happened in.
 */
export function readHead(buf: Buffer, limits: Limits, source: string): PackageHead {
  if (buf.length === 0) throw malformed('the file is empty', source);
  let first: GzipMember;
  try {
    first = memberAt(buf, 0, limits);
  } catch (err) {
    throw sectionError(firstNameOf(buf).startsWith('.SIGN.') ? 'signature' : 'control', err, source, 0);
  }
  let firstItems: TarItem[] | undefined;
  const firstIsSignature = first.data.subarray(0, 6).toString('latin1') === '.SIGN.';
  if (!firstIsSignature) return { signatures: [], signatureNames: [], control: first };
  try {
    firstItems = readTar(first.data, { mode: 'fragment', limits }).items;
  } catch (err) {
    throw sectionError('signature', err, source, 0);
  }
  const signatures: SignatureEntry[] = [];
  const signatureNames: string[] = [];
  for (const it of firstItems) {
    if (!it.entry.name.startsWith('.SIGN.')) {
      throw malformed(`'${it.entry.name.slice(0, 80)}' shares the gzip member of the signatures`, source);
    }
    signatureNames.push(it.entry.name);
    const parsed = parseSignatureName(it.entry.name);
    if (parsed && it.entry.type === 'file') signatures.push({ ...parsed, signature: Buffer.from(it.data) });
  }
  if (first.end >= buf.length) throw malformed('the package holds only a signature', source);
  let control: GzipMember;
  try {
    control = memberAt(buf, first.end, limits);
  } catch (err) {
    throw sectionError('control', err, source, first.end);
  }
  return { signatureMember: { start: first.start, end: first.end }, signatures, signatureNames, control };
}

/** Inflates every member from `offset` to the end of the file: the data section. */
export function readDataMembers(buf: Buffer, offset: number, limits: Limits, source: string): Buffer {
  try {
    const parts: Buffer[] = [];
    let off = offset;
    while (off < buf.length) {
      const m = memberAt(buf, off, limits);
      parts.push(m.data);
      off = m.end;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  } catch (err) {
    throw sectionError('data', err, source, offset);
  }
}
