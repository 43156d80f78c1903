import type { KeyObject } from 'node:crypto';
import {
  checkPackageNameVersion,
  chooseSignature,
  compareVersions,
  type Keyring,
  type PackageInfo,
  parseSignatureName,
  type SignatureAlgorithm,
  type SignatureEntry,
  type SigningKey,
  signatureEntryName,
  signBytes,
  verifyBytes,
} from '../apk/index.js';
import { type GzipMember, gzipMember, readGzipMembers, readTar, type TarItem, writeTar } from '../archive/index.js';
import { asBuffer, defaultLimits, type Limits, LupineError } from '../core/index.js';
import { formatApkIndexText, parseApkIndexBytes, sortForIndex } from './apkindex-text.js';

/** apk reads `DESCRIPTION` only when it is at most this long. */
export const MAX_DESCRIPTION_BYTES = 160;

/**
 * What an index may inflate to. apk indexes are text a few times their compressed size (Alpine's
 * main: 0.6 MB → 2 MB; Wolfi's whole history is far below this); the text must also fit in one
 * JavaScript string. A bomb (3 MB → 3 GiB) stops here instead of being buffered.
 */
export const INDEX_LIMITS: Limits = { ...defaultLimits, maxUncompressedBytes: 256 * 1024 * 1024 };

export interface ReadApkIndexOptions {
  /** Trusted public keys by file name. */
  readonly keys?: Keyring;
  /** Accept an index that is unsigned or signed only by keys not in `keys` (a bad signature still fails). */
  readonly allowUntrusted?: boolean;
  /** Names the index in error locations, e.g. its URL or path. */
  readonly source?: string;
  readonly limits?: Limits;
}

/** An `APKINDEX.tar.gz` as read. */
export interface ApkIndexArchive {
  /** The records in file order. */
  readonly packages: PackageInfo[];
  /** The `DESCRIPTION` entry; '' when absent or over 160 bytes. */
  readonly description: string;
  /** Every `.SIGN.*` entry of the signature member, in order (known algorithms only). */
  readonly signatures: SignatureEntry[];
  /** The key name of the signature that verified; undefined when none did (allowUntrusted). */
  readonly signedBy?: string;
  /** The `APKINDEX` text as stored. */
  readonly text: string;
}

function malformed(msg: string, source: string): LupineError {
  return new LupineError('INDEX_MALFORMED', `${source}: ${msg}`, {
    details: { source },
    hint: 'the index is damaged; fetch it again or rebuild it',
  });
}

/**
 * The `.SIGN.*` entries when this gzip member is a signature member (a tar fragment whose first entry,
 * possibly behind a GNU long name for a long key name, is a `.SIGN.*`); undefined when it is not.
 */
function signatureEntries(m: GzipMember, source: string, limits: Limits): SignatureEntry[] | undefined {
  let items: TarItem[];
  try {
    items = readTar(m.data, { mode: 'fragment', limits }).items;
  } catch (err) {
    // A complete tar (the index body) fails as a fragment at its end marker.
    if (m.data.subarray(0, 6).toString('latin1') === '.SIGN.') throw err;
    return undefined;
  }
  if (!items[0]?.entry.name.startsWith('.SIGN.')) return undefined;
  const out: SignatureEntry[] = [];
  for (const it of items) {
    if (!it.entry.name.startsWith('.SIGN.')) {
      throw malformed(`the signature member holds '${it.entry.name.slice(0, 60)}', not a .SIGN.* entry`, source);
    }
    const parsed = parseSignatureName(it.entry.name);
    if (parsed) out.push({ ...parsed, signature: Buffer.from(it.data) });
  }
  return out;
}

/** What checking an index's signature found: its first gzip member and who signed it. */
export interface IndexSignatureCheck {
  /** The first gzip member: the signature member when `signed`, else the start of the body. */
  readonly first: GzipMember;
  readonly signed: boolean;
  readonly signatures: SignatureEntry[];
  /** The key name of the signature that verified; undefined when none did (allowUntrusted). */
  readonly signedBy?: string;
}

/**
 * The signature check of `readApkIndexArchive` alone: reads the signature member and checks the
 * first trusted signature over the bytes after it, without inflating the body. Throws what reading
 * would (INDEX_BAD_SIGNATURE, INDEX_UNTRUSTED, INDEX_MALFORMED).
 */
export function checkApkIndexSignature(bytes: Uint8Array, options: ReadApkIndexOptions = {}): IndexSignatureCheck {
  const source = options.source ?? 'APKINDEX.tar.gz';
  const limits = options.limits ?? INDEX_LIMITS;
  const buf = asBuffer(bytes);
  // The signature member is read first and checked over the raw bytes that follow it, before those
  // are inflated: any change to the signed bytes is reported as a bad signature.
  const first = readGzipMembers(buf, limits, 1)[0];
  if (first === undefined) throw malformed('the file is empty', source);
  const entries = signatureEntries(first, source, limits);
  const signed = entries !== undefined;
  const signatures = entries ?? [];
  const bodyStart = signed ? first.end : first.start;
  if (bodyStart >= buf.length) throw malformed('the index holds only a signature', source);

  let signedBy: string | undefined;
  const chosen = chooseSignature(signatures, options.keys ?? new Map<string, KeyObject>());
  if (chosen) {
    const key = options.keys?.get(chosen.keyName) as KeyObject;
    if (!verifyBytes(buf.subarray(bodyStart), chosen.signature, key, chosen.algorithm)) {
      throw new LupineError('INDEX_BAD_SIGNATURE', `${source}: the signature by ${chosen.keyName} does not verify`, {
        details: { source, keyName: chosen.keyName, algorithm: chosen.algorithm },
        hint: 'the index was changed after it was signed, or it is damaged; fetch it again',
      });
    }
    signedBy = chosen.keyName;
  } else if (!options.allowUntrusted) {
    const names = signatures.map((s) => s.keyName);
    throw new LupineError(
      'INDEX_UNTRUSTED',
      names.length
        ? `${source}: signed by ${names.join(', ')}, none of which is a trusted key`
        : `${source}: the index is not signed`,
      {
        details: { source, keyNames: names },
        hint: "add the signer's public key to the keys directory, or allow untrusted indexes explicitly",
      },
    );
  }

  return { first, signed, signatures, ...(signedBy === undefined ? {} : { signedBy }) };
}

/**
 * Reads an `APKINDEX.tar.gz`: an optional signature member, then the tar holding `DESCRIPTION` and
 * `APKINDEX` (any order). The signature covers the compressed bytes from the member after the
 * signature member to the end of the file; the first signature whose key is trusted decides, as in apk.
 */
export function readApkIndexArchive(bytes: Uint8Array, options: ReadApkIndexOptions = {}): ApkIndexArchive {
  const source = options.source ?? 'APKINDEX.tar.gz';
  const limits = options.limits ?? INDEX_LIMITS;
  const buf = asBuffer(bytes);
  const { first, signed, signatures, signedBy } = checkApkIndexSignature(buf, options);
  const rest = buf.subarray(first.end);
  const body = signed ? readGzipMembers(rest, limits) : [first, ...readGzipMembers(rest, limits)];
  const tar = body.length === 1 ? (body[0] as GzipMember).data : Buffer.concat(body.map((m) => m.data));
  const { items } = readTar(tar, { mode: 'archive', limits });
  let description = '';
  const texts: Buffer[] = [];
  for (const it of items) {
    if (it.entry.type !== 'file') continue;
    if (it.entry.name === 'DESCRIPTION') {
      if (it.data.length <= MAX_DESCRIPTION_BYTES) description = it.data.toString('utf8');
    } else if (it.entry.name === 'APKINDEX') {
      texts.push(it.data);
    }
  }
  if (texts.length === 0) {
    throw new LupineError('INDEX_NO_APKINDEX', `${source}: the archive has no APKINDEX entry`, {
      details: { source },
      hint: 'this is not a repository index; check the URL or path',
    });
  }
  const packages = texts.flatMap((t) => parseApkIndexBytes(t, `${source}:APKINDEX`));
  const archive = { packages, description, signatures, ...(signedBy === undefined ? {} : { signedBy }) };
  // The text is decoded when first read: resolving never needs it.
  let text: string | undefined;
  Object.defineProperty(archive, 'text', {
    enumerable: true,
    get: () => {
      text ??= texts.map((t) => t.toString('utf8')).join('');
      return text;
    },
  });
  return archive as ApkIndexArchive;
}

export interface WriteApkIndexOptions {
  /** Written as the `DESCRIPTION` entry (apk: `-d`); omitted when undefined. */
  readonly description?: string;
  /** Signs the result (RSA256) when given, with `keyName` naming the public key file. */
  readonly signingKey?: KeyObject;
  readonly keyName?: string;
  /** Defaults to RSA256 (SHA-256), as melange and current abuild-sign write. */
  readonly algorithm?: SignatureAlgorithm;
  /** The tar entries' mtime (apk index uses SOURCE_DATE_EPOCH); default 0. */
  readonly mtime?: number;
}

/** The tar apk-tools 2.14 writes for an index: `DESCRIPTION` (if any), `APKINDEX`, end marker. */
export function apkIndexTar(packages: readonly PackageInfo[], description?: string, mtime = 0): Buffer {
  const text = Buffer.from(formatApkIndexText(sortForIndex(packages, compareVersions)), 'utf8');
  const entry = (name: string, data: Uint8Array) =>
    ({ name, type: 'file', mode: 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime, data }) as const;
  const entries = [entry('APKINDEX', text)];
  if (description !== undefined) entries.unshift(entry('DESCRIPTION', Buffer.from(description, 'utf8')));
  return writeTar(entries, { dialect: 'apk' });
}

/**
 * An `APKINDEX.tar.gz` laid out as apk-tools 2.14 writes it (records sorted by name then version,
 * apk tar headers, mtime 0, one gzip member at level 9), signed when a key is given.
 */
export function writeApkIndexArchive(packages: readonly PackageInfo[], options: WriteApkIndexOptions = {}): Buffer {
  for (const p of packages) checkPackageNameVersion(p.name, p.version, 'index record');
  const unsigned = gzipMember(apkIndexTar(packages, options.description, options.mtime ?? 0), { level: 9, os: 3 });
  if (options.signingKey === undefined) return unsigned;
  if (!options.keyName)
    throw new LupineError('USAGE', 'signing an index needs the key name (the public key file name)');
  return signApkIndexArchive(unsigned, {
    key: options.signingKey,
    keyName: options.keyName,
    algorithm: options.algorithm ?? 'RSA256',
  });
}

/** The signature member for `signed`: a tar fragment with one `.SIGN.<ALG>.<keyName>` entry, gzipped. */
export function signatureMember(
  signed: Uint8Array,
  key: KeyObject,
  keyName: string,
  algorithm: SignatureAlgorithm = 'RSA256',
): Buffer {
  const sig = signBytes(signed, key, algorithm);
  const tar = writeTar(
    [
      {
        name: signatureEntryName(algorithm, keyName),
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        uname: 'root',
        gname: 'root',
        mtime: 0,
        data: sig,
      },
    ],
    { dialect: 'apk', fragment: true },
  );
  return gzipMember(tar, { level: 9, os: 3 });
}

/** Signs an index, replacing any signature member it has. */
export function signApkIndexArchive(bytes: Uint8Array, signing: SigningKey): Buffer {
  const buf = asBuffer(bytes);
  const members = readGzipMembers(buf);
  const first = members[0];
  if (first === undefined) throw malformed('the file is empty', 'APKINDEX.tar.gz');
  const bodyStart = signatureEntries(first, 'APKINDEX.tar.gz', INDEX_LIMITS) ? members[1]?.start : first.start;
  if (bodyStart === undefined) throw malformed('the index holds only a signature', 'APKINDEX.tar.gz');
  const body = buf.subarray(bodyStart);
  return Buffer.concat([signatureMember(body, signing.key, signing.keyName, signing.algorithm), body]);
}

/**
 * Merges package lists: a later package with the same name and version replaces an earlier one in
 * its place; everything else keeps its first position.
 */
export function mergeIndexes(...lists: ReadonlyArray<readonly PackageInfo[]>): PackageInfo[] {
  const out: PackageInfo[] = [];
  const at = new Map<string, number>();
  for (const list of lists) {
    for (const p of list) {
      const k = `${p.name}\0${p.version}`;
      const i = at.get(k);
      if (i === undefined) {
        at.set(k, out.length);
        out.push(p);
      } else {
        out[i] = p;
      }
    }
  }
  return out;
}
