/**
 * Telling advisory formats apart and decoding them (pure): a secdb, an OSV record or list, an OSV
 * `all.json` index, a Wolfi advisories YAML, or a tar / tar.gz of any of them.
 */
import { readGzipMembers, readTar } from '../archive/index.js';
import { checkLimit, defaultLimits, type Limits, LupineError } from '../core/index.js';
import type { AdvisoryBatch } from './advisory.js';
import { ADVISORY_GZIP_RATIO, type AdvisoryLimits, defaultAdvisoryLimits } from './advisory-set.js';
import { isAdvisoryYaml, parseAdvisoryYaml } from './advisory-yaml.js';
import { isDebianTracker, parseDebianTracker } from './debian-tracker.js';
import { isOsvIndex, isOsvRecord, osvIndexIds, parseOsv } from './osv.js';
import { isSecdb, parseSecdb } from './secdb.js';

export interface DecodedAdvisories {
  readonly batches: AdvisoryBatch[];
  /** For an OSV `all.json` index: the record ids it lists (to fetch beside it). */
  readonly indexIds?: string[];
}

function unknown(source: string): LupineError {
  return new LupineError(
    'SCAN_UNKNOWN_ADVISORY_FORMAT',
    `${source}: not a secdb, OSV, Debian tracker or advisories YAML document`,
    {
      details: { source },
      hint: 'lupine reads secdb JSON (security.json), OSV JSON records and wolfi-dev/advisories YAML',
    },
  );
}

/** Whether a file name in a directory or archive may hold advisories. */
export function isAdvisoryFileName(name: string): boolean {
  return /\.(json|ya?ml)$/i.test(name) && !/(^|\/)\./.test(name);
}

/** `strict`: an unrecognised document is an error; `strictEntries`: so is a bad entry in a known one. */
function decodeText(text: string, source: string, strict: boolean, strictEntries: boolean): DecodedAdvisories {
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text) as unknown;
    } catch (cause) {
      throw new LupineError('SCAN_BAD_ADVISORY', `${source}: not valid JSON (${(cause as Error).message})`, {
        cause,
        details: { source },
        hint: 'the advisory file is damaged; fetch it again',
      });
    }
    if (isSecdb(doc)) return { batches: [parseSecdb(doc, source, { strict: strictEntries })] };
    if (isOsvIndex(doc)) return { batches: [], indexIds: osvIndexIds(doc) };
    if (isDebianTracker(doc)) return { batches: [parseDebianTracker(doc, source)] };
    if (isOsvRecord(doc) || (Array.isArray(doc) && doc.some(isOsvRecord)) || (Array.isArray(doc) && doc.length === 0))
      return { batches: [parseOsv(doc, source)] };
    if (strict) throw unknown(source);
    return { batches: [] };
  }
  if (isAdvisoryYaml(text)) return { batches: [parseAdvisoryYaml(text, source)] };
  if (strict) throw unknown(source);
  return { batches: [] };
}

/** Whether an error means "this document cannot be read" (skipped with a warning unless strict). */
export function isUnreadableDocument(err: unknown): err is LupineError {
  return (
    err instanceof LupineError &&
    (err.code === 'SCAN_BAD_ADVISORY' ||
      err.code === 'SCAN_UNKNOWN_ADVISORY_FORMAT' ||
      err.code.startsWith('GZIP_') ||
      err.code.startsWith('TAR_'))
  );
}

/** A batch that only carries warnings (what a skipped document leaves). */
export function warningBatch(warnings: string[]): AdvisoryBatch {
  return { entries: [], aliasGroups: [], severities: new Map(), warnings };
}

function decodeTar(
  tar: Uint8Array,
  source: string,
  limits: AdvisoryLimits,
  tarLimits: Limits,
  strict: boolean,
): DecodedAdvisories {
  const batches: AdvisoryBatch[] = [];
  let files = 0;
  const items = readTar(tar, { limits: tarLimits }).items.filter(
    (i) => i.entry.type === 'file' && isAdvisoryFileName(i.entry.name),
  );
  items.sort((a, b) => (a.entry.name < b.entry.name ? -1 : a.entry.name > b.entry.name ? 1 : 0));
  for (const { entry, data } of items) {
    checkLimit('advisory files in an archive', ++files, limits.maxFiles);
    const member = `${source}!${entry.name.replace(/^\.\//, '')}`;
    try {
      batches.push(...decodeText(data.toString('utf8'), member, true, strict).batches);
    } catch (err) {
      if (strict || !isUnreadableDocument(err)) throw err;
      batches.push(warningBatch([`${err.message}; skipped (--strict fails instead)`]));
    }
  }
  return { batches };
}

function isTar(b: Uint8Array): boolean {
  return b.length >= 512 && Buffer.from(b.buffer, b.byteOffset + 257, 5).toString('latin1') === 'ustar';
}

/**
 * Decodes one file or download. `strict`: an unrecognised document is an error (a file the user
 * named); otherwise it is skipped (a stray file in a directory). `strictMembers`: a member of an
 * archive that cannot be read is an error; otherwise it is skipped with a warning naming it.
 */
export function decodeAdvisories(
  bytes: Uint8Array,
  source: string,
  options: { readonly strict?: boolean; readonly strictMembers?: boolean; readonly limits?: AdvisoryLimits } = {},
): DecodedAdvisories {
  const limits = options.limits ?? defaultAdvisoryLimits;
  const ratio = limits.maxCompressionRatio ?? ADVISORY_GZIP_RATIO;
  // Inflating stops at the ratio bound (1 MiB at least), not at maxFileBytes: a small gzip bomb is
  // refused after a few MB of output, not after a GiB.
  const inflateBound = Math.min(limits.maxFileBytes, Math.max(1024 * 1024, bytes.byteLength * ratio));
  const tarLimits: Limits = {
    ...defaultLimits,
    maxUncompressedBytes: inflateBound,
    maxCompressionRatio: ratio,
    maxEntries: limits.maxFiles * 2,
  };
  checkLimit(`size of ${source}`, bytes.byteLength, limits.maxFileBytes);
  let data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = Buffer.concat(readGzipMembers(data, tarLimits).map((m) => m.data));
    } catch (err) {
      if (!(err instanceof LupineError) || err.code !== 'LIMIT_EXCEEDED') throw err;
      throw new LupineError(
        'LIMIT_EXCEEDED',
        `${source}: the gzip data inflates more than ${ratio}× its ${bytes.byteLength} bytes (stopped at ${inflateBound} bytes)`,
        {
          cause: err,
          details: { source, ratio, compressedBytes: bytes.byteLength },
          hint: 'a real advisory feed compresses far less; check that this is the file you meant',
        },
      );
    }
  }
  if (isTar(data)) return decodeTar(data, source, limits, tarLimits, options.strictMembers ?? false);
  return decodeText(data.toString('utf8'), source, options.strict ?? true, options.strictMembers ?? false);
}
