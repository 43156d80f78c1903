import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { type TarEntry, TarStreamReader } from '../archive/index.js';
import { defaultLimits, ioError, isIoFault, isLupineError, type Limits, LupineError } from '../core/index.js';
import { malformed, sectionError } from './package-layout.js';

/** deflate cannot expand data more than ~1032:1; a declared size past that is a lie. */
const DEFLATE_MAX_RATIO = 1032;
/** What the tar layer may add per entry beyond the content: header, pax header and record, padding. */
const TAR_OVERHEAD_PER_ENTRY = 2048;
const SLACK = 1024 * 1024;

/**
 * How many inflated bytes a data section may hold once `entries` headers have been read: the
 * declared installed size (`.PKGINFO` size, index `I:`) plus the tar layer's overhead. Without a
 * declared size, what deflate could at most produce from the compressed bytes.
 */
export function dataAllowance(declaredSize: number, entries: number, compressedBytes: number): number {
  if (declaredSize <= 0) return compressedBytes * DEFLATE_MAX_RATIO + SLACK;
  return declaredSize + SLACK + TAR_OVERHEAD_PER_ENTRY * entries;
}

export interface CheckPackageDataOptions {
  /** Names the package in messages. */
  readonly source: string;
  /** The installed size the package declares (`.PKGINFO` size, index `I:`). */
  readonly declaredSize: number;
  /** Size of the data section as stored (compressed). */
  readonly compressedBytes: number;
  /** `.PKGINFO` datahash: checked over the compressed bytes before anything is inflated. */
  readonly datahash?: string;
  readonly limits?: Limits;
  /** Called with each data entry's header (after its checks): lets a caller list the files, never their content. */
  readonly onEntry?: (entry: TarEntry) => void;
  /** Called with each piece of the current regular file's content (a caller writing it out). */
  readonly onData?: (chunk: Buffer) => void;
  /** Called when the current entry ends, its SHA-1 checked. */
  readonly onEntryEnd?: (entry: TarEntry) => void;
}

export interface PackageDataSummary {
  readonly inflatedBytes: number;
  readonly entries: number;
}

export function limitError(source: string, what: string, value: number, max: number): LupineError {
  return new LupineError('LIMIT_EXCEEDED', `${source}: ${what} is ${value}, over the limit of ${max}`, {
    details: { source, what, value, max },
    hint: 'the package inflates to far more than it declares (a decompression bomb?); do not install it',
  });
}

/** Checks a declared installed size against what the compressed data could possibly hold. */
export function checkDeclaredSize(declaredSize: number, compressedBytes: number, source: string): void {
  const most = compressedBytes * DEFLATE_MAX_RATIO + SLACK;
  if (declaredSize > most) throw limitError(source, 'the declared installed size', declaredSize, most);
}

/**
 * Streams an .apk's data section (the bytes after the control member, as `open()` yields them) with
 * memory bounded by one tar header: the datahash over the compressed bytes first (APK_BAD_DATAHASH),
 * then inflating, where more output than `dataAllowance` allows is LIMIT_EXCEEDED, and every file's
 * and symlink's SHA-1 is checked (APK_BAD_FILE_CHECKSUM). `open` is called once or twice.
 */
export async function checkPackageData(
  open: () => AsyncIterable<Uint8Array>,
  options: CheckPackageDataOptions,
): Promise<PackageDataSummary> {
  const { source, declaredSize, compressedBytes } = options;
  const limits = options.limits ?? defaultLimits;
  checkDeclaredSize(declaredSize, compressedBytes, source);
  if (options.datahash) await checkDatahash(open, options.datahash, source);
  let inflated = 0;
  let fileHash: ReturnType<typeof createHash> | undefined;
  const tar = new TarStreamReader(
    {
      entry(e: TarEntry) {
        if (e.type === 'symlink' && e.linkname === '') {
          throw malformed(`the symlink ${e.name.slice(0, 120)} has an empty target`, source);
        }
        const sha1 = (e.pax['APK-TOOLS.checksum.SHA1'] ?? '').toLowerCase();
        fileHash = sha1 && e.type === 'file' ? createHash('sha1') : undefined;
        if (sha1 && e.type === 'symlink') checkSha1(e, createHash('sha1').update(e.linkname, 'utf8'), source);
        options.onEntry?.(e);
      },
      data(chunk) {
        fileHash?.update(chunk);
        options.onData?.(chunk);
      },
      entryEnd(e) {
        if (fileHash) checkSha1(e, fileHash, source);
        fileHash = undefined;
        options.onEntryEnd?.(e);
      },
    },
    limits,
  );
  // What stopped the stream: pipeline() reports an abort in its place.
  let stopped: unknown;
  const consume = (out: Buffer) => {
    inflated += out.length;
    const allowed = Math.min(
      dataAllowance(declaredSize, tar.entries + 1, compressedBytes),
      limits.maxUncompressedBytes,
    );
    if (inflated > allowed) throw limitError(source, 'the inflated data member', inflated, allowed);
    tar.push(out);
  };
  try {
    await pipeline(Readable.from(open()), createGunzip(), async (inflating: AsyncIterable<Buffer>) => {
      for await (const out of inflating) {
        try {
          consume(out);
        } catch (err) {
          stopped = err;
          throw err;
        }
      }
    });
    tar.finish();
  } catch (caught) {
    const err = stopped ?? caught;
    if (isLupineError(err) && ['LIMIT_EXCEEDED', 'APK_BAD_FILE_CHECKSUM', 'APK_MALFORMED'].includes(err.code)) {
      throw err;
    }
    // A fault of the caller's sink (a full disk while spooling files) is not damage to the package.
    if (isIoFault(err)) throw ioError(err);
    throw sectionError('data', err, source);
  }
  return { inflatedBytes: inflated, entries: tar.entries };
}

/** The SHA-256 of the compressed data member against `.PKGINFO`'s datahash (APK_BAD_DATAHASH). */
async function checkDatahash(open: () => AsyncIterable<Uint8Array>, expected: string, source: string): Promise<void> {
  const h = createHash('sha256');
  for await (const chunk of open()) h.update(chunk);
  const actual = h.digest('hex');
  if (actual !== expected) {
    throw new LupineError(
      'APK_BAD_DATAHASH',
      `${source}: the data member's SHA-256 is ${actual}, .PKGINFO says ${expected}`,
      {
        details: { source, actual, expected },
        hint: 'the package is damaged; download or build it again',
      },
    );
  }
}

function checkSha1(e: TarEntry, h: ReturnType<typeof createHash>, source: string): void {
  const expected = (e.pax['APK-TOOLS.checksum.SHA1'] ?? '').toLowerCase();
  const actual = h.digest('hex');
  if (actual !== expected) {
    throw new LupineError(
      'APK_BAD_FILE_CHECKSUM',
      `${source}: ${e.name} has SHA-1 ${actual}, the package says ${expected}`,
      {
        details: { source, path: e.name, actual, expected },
        hint: 'the package is damaged; download or build it again',
      },
    );
  }
}
