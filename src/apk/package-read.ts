import { readTar, type TarEntry, type TarEntryType, type TarItem } from '../archive/index.js';
import {
  asBuffer,
  defaultLimits,
  digest,
  isLupineError,
  type Limits,
  LupineError,
  sha1Hex,
  sha256Hex,
} from '../core/index.js';
import type { PackageInfo } from './package-info.js';
import {
  type MemberRange,
  malformed,
  type PackageHead,
  readDataMembers,
  readFragment,
  readHead,
  sectionError,
} from './package-layout.js';
import {
  type CheckPackageDataOptions,
  checkDeclaredSize,
  checkPackageData,
  dataAllowance,
  limitError,
} from './package-stream.js';
import { type PkgInfoDocument, parsePkgInfoDocument } from './pkginfo.js';
import { chooseSignature, type Keyring, type SignatureEntry, verifyBytes } from './signature.js';

/** The control-member scripts apk runs, in the order abuild and apk list them. */
export type ScriptName =
  | 'pre-install'
  | 'post-install'
  | 'pre-upgrade'
  | 'post-upgrade'
  | 'pre-deinstall'
  | 'post-deinstall'
  | 'trigger';

export const SCRIPT_NAMES: readonly ScriptName[] = [
  'pre-install',
  'post-install',
  'pre-upgrade',
  'post-upgrade',
  'pre-deinstall',
  'post-deinstall',
  'trigger',
];

/** One entry of the data section. */
export interface PackageFile {
  /** Path inside the package, no leading `/`, no trailing `/` (directories included). */
  readonly name: string;
  readonly type: TarEntryType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Content size (0 for everything but regular files). */
  readonly size: number;
  readonly mtime: number;
  /** Symlink target, or the hardlink's target path inside the package. */
  readonly linkname: string;
  readonly devmajor: number;
  readonly devminor: number;
  readonly xattrs: Readonly<Record<string, Buffer>>;
  /** `APK-TOOLS.checksum.SHA1`, lowercase hex ('' when absent); a hardlink takes its target's. */
  readonly sha1: string;
  /** The content: a view into the inflated data member (empty for non-files). */
  readonly content: Buffer;
}

export interface PackageMembers {
  readonly signature?: MemberRange;
  readonly control: MemberRange;
  /** From the end of the control member to the end of the file (what `datahash` covers). */
  readonly data: MemberRange;
}

/** An .apk as read. */
export interface ApkPackage {
  /** `.SIGN.*` entries of known algorithms, in file order. */
  readonly signatures: SignatureEntry[];
  readonly members: PackageMembers;
  /** `Q1` + base64(SHA-1 of the control member; of control and data for legacy packages). */
  readonly identity: string;
  /** From `.PKGINFO`, with `identity` and `size` (the file size) filled in. */
  readonly info: PackageInfo;
  /** `.PKGINFO`'s comments, packager and unknown keys. */
  readonly pkginfo: PkgInfoDocument;
  readonly scripts: Partial<Record<ScriptName, Buffer>>;
  readonly files: PackageFile[];
  /** No `datahash`: the pre-2.0 layout, where identity and signature cover control and data. */
  readonly legacy: boolean;
  /** Other dot-files of the control member (e.g. `.melange.yaml`), ignored as apk does. */
  readonly controlExtras: string[];
  /** Things apk would warn about (e.g. `.INSTALL`). */
  readonly warnings: string[];
}

export interface ReadPackageOptions {
  readonly limits?: Limits;
  /** Names the package in messages (a path or URL). */
  readonly source?: string;
  /**
   * The installed size something that vouches for the package declares (the index's `I:`): the data
   * may inflate to no more than the smaller of this and `.PKGINFO`'s size allow (LIMIT_EXCEEDED).
   */
  readonly declaredSize?: number;
}

interface ControlPart {
  readonly doc: PkgInfoDocument;
  readonly scripts: Partial<Record<ScriptName, Buffer>>;
  readonly extras: string[];
  readonly warnings: string[];
  /** Legacy packages only: data entries that followed the control entries in the same member. */
  readonly dataItems: TarItem[];
}

const isControlName = (name: string) => name.startsWith('.') && !name.includes('/');

/** Applies apk's section rules to the control member's entries. */
function parseControl(head: PackageHead, limits: Limits, source: string): ControlPart {
  let items: TarItem[];
  try {
    items = readFragment(head.control.data, limits).items;
  } catch (err) {
    throw sectionError('control', err, source);
  }
  let doc: PkgInfoDocument | undefined;
  const scripts: Partial<Record<ScriptName, Buffer>> = {};
  const extras: string[] = [];
  const warnings: string[] = [];
  let i = 0;
  for (; i < items.length; i++) {
    const it = items[i] as TarItem;
    const name = it.entry.name;
    if (!isControlName(name)) {
      if (doc === undefined) break;
      if (doc.info.datahash) throw malformed(`'${name.slice(0, 80)}' is inside the control member`, source);
      break; // legacy: the first non-dot name starts the data section
    }
    if (name === '.PKGINFO') {
      doc = parsePkgInfoDocument(it.data, `${source}:.PKGINFO`);
    } else if ((SCRIPT_NAMES as readonly string[]).includes(name.slice(1)) && it.entry.type === 'file') {
      scripts[name.slice(1) as ScriptName] = it.data;
    } else {
      if (name === '.INSTALL') warnings.push('.INSTALL scripts are not supported (apk 3 rejects them)');
      extras.push(name);
    }
  }
  if (doc === undefined) {
    throw new LupineError('APK_NO_PKGINFO', `${source}: the control member has no .PKGINFO`, {
      details: { source },
      hint: 'this is not an APK v2 package, or it is damaged',
    });
  }
  return { doc, scripts, extras, warnings, dataItems: items.slice(i) };
}

function fileFrom(it: TarItem): PackageFile {
  const e = it.entry;
  return {
    name: e.name.replace(/\/+$/, ''),
    type: e.type,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    size: e.size,
    mtime: e.mtime,
    linkname: e.linkname,
    devmajor: e.devmajor,
    devminor: e.devminor,
    xattrs: e.xattrs,
    sha1: (e.pax['APK-TOOLS.checksum.SHA1'] ?? '').toLowerCase(),
    content: it.data,
  };
}

/** Turns data entries into files: dot-named entries are skipped, hardlinks take their target's SHA-1. */
function filesFrom(items: readonly TarItem[]): PackageFile[] {
  const files: PackageFile[] = [];
  const byName = new Map<string, PackageFile>();
  for (const it of items) {
    if (it.entry.name.startsWith('.')) continue;
    let f = fileFrom(it);
    if (f.type === 'hardlink') {
      const target = byName.get(f.linkname.replace(/^\/+/, '').replace(/\/+$/, ''));
      if (target) f = { ...f, sha1: target.sha1, size: target.size, content: target.content };
    }
    files.push(f);
    byName.set(f.name, f);
  }
  return files;
}

/**
 * The limits for inflating the data section in memory: no more than the declared installed size
 * allows (with the tar layer's overhead for as many entries as the compressed bytes could hold).
 */
/** The installed size the data is held to: `.PKGINFO`'s, or what vouches for the package when smaller. */
function declaredSize(control: ControlPart, vouched: number | undefined): number {
  const own = control.doc.info.installedSize;
  return vouched !== undefined && vouched > 0 && (own <= 0 || vouched < own) ? vouched : own;
}

/** A package whose signature and control members are read: what reading its data starts from. */
interface ControlRead {
  readonly buf: Buffer;
  readonly head: PackageHead;
  readonly control: ControlPart;
  readonly limits: Limits;
  readonly source: string;
}

function readControl(bytes: Uint8Array, options: ReadPackageOptions): ControlRead {
  const limits = options.limits ?? defaultLimits;
  const source = options.source ?? 'package';
  const buf = asBuffer(bytes);
  const head = readHead(buf, limits, source);
  return { buf, head, control: parseControl(head, limits, source), limits, source };
}

const HEAD_MAX_BYTES = 64 * 1024 * 1024;

/**
 * `readControl` over `prefix`, the first bytes of a package of `fileSize` bytes: undefined when the
 * control member does not fit in them.
 */
function readControlPrefix(prefix: Uint8Array, fileSize: number, options: ReadPackageOptions): ControlRead | undefined {
  // The control member is small (.PKGINFO and scripts): a bigger one is a bomb, not a package.
  const given = options.limits ?? defaultLimits;
  const limits = { ...given, maxUncompressedBytes: Math.min(given.maxUncompressedBytes, HEAD_MAX_BYTES) };
  try {
    return readControl(prefix, { ...options, limits });
  } catch (err) {
    if (prefix.length < fileSize) return undefined;
    throw err;
  }
}

function dataLimits({ buf, head, control, limits, source }: ControlRead, vouched: number | undefined): Limits {
  const compressed = buf.length - head.control.end;
  const declared = declaredSize(control, vouched);
  checkDeclaredSize(declared, compressed, source);
  const allowed = dataAllowance(declared, Math.ceil(compressed / 8), compressed);
  return { ...limits, maxUncompressedBytes: Math.min(limits.maxUncompressedBytes, allowed) };
}

function readData(read: ControlRead, vouched?: number): TarItem[] {
  const { buf, head, control, limits, source } = read;
  const rest =
    head.control.end < buf.length
      ? readDataMembers(buf, head.control.end, dataLimits(read, vouched), source)
      : undefined;
  let items: TarItem[] = [];
  if (rest) {
    try {
      items = readTar(rest, { mode: 'archive', limits }).items;
    } catch (err) {
      throw sectionError('data', err, source);
    }
    // Now that the entries are counted, hold the data to its declared size as the streamed check does.
    const allowed = dataAllowance(declaredSize(control, vouched), items.length + 1, buf.length - head.control.end);
    if (rest.length > allowed) throw limitError(source, 'the inflated data member', rest.length, allowed);
  } else if (control.doc.info.datahash) {
    throw malformed('the package has no data member', source);
  }
  return control.dataItems.length ? [...control.dataItems, ...items] : items;
}

function identityOf(buf: Buffer, head: PackageHead, legacy: boolean): string {
  const end = legacy ? buf.length : head.control.end;
  return `Q1${digest('sha1', buf.subarray(head.control.start, end)).toString('base64')}`;
}

function assemble(buf: Buffer, head: PackageHead, control: ControlPart, items: TarItem[]): ApkPackage {
  const legacy = control.doc.info.datahash === '';
  const identity = identityOf(buf, head, legacy);
  return {
    signatures: head.signatures,
    members: {
      ...(head.signatureMember ? { signature: head.signatureMember } : {}),
      control: { start: head.control.start, end: head.control.end },
      data: { start: head.control.end, end: buf.length },
    },
    identity,
    info: { ...control.doc.info, identity, size: buf.length },
    pkginfo: control.doc,
    scripts: control.scripts,
    files: filesFrom(items),
    legacy,
    controlExtras: control.extras,
    warnings: control.warnings,
  };
}

/**
 * Reads an .apk: signature entries, member ranges, identity, `.PKGINFO`, scripts and files. Checks
 * structure only; `verifyPackage` checks signatures and hashes. gzip/tar failures are reported as the
 * member they occur in (APK_BAD_SIGNATURE, APK_BAD_CONTROL, APK_BAD_DATAHASH).
 */
export function readPackage(bytes: Uint8Array, options: ReadPackageOptions = {}): ApkPackage {
  const read = readControl(bytes, options);
  return assemble(read.buf, read.head, read.control, readData(read));
}

/**
 * The bytes a package signature covers: the control member, or control and data for legacy packages.
 * Reads only the signature and control members.
 */
export function packageSignedRange(bytes: Uint8Array, options: ReadPackageOptions = {}): MemberRange {
  const { buf, head, control } = readControl(bytes, options);
  return { start: head.control.start, end: control.doc.info.datahash === '' ? buf.length : head.control.end };
}

/** The `Q1…` identity of an .apk (reads only the signature and control members). */
export function packageIdentity(bytes: Uint8Array, options: ReadPackageOptions = {}): string {
  const { buf, head, control } = readControl(bytes, options);
  return identityOf(buf, head, control.doc.info.datahash === '');
}

export interface VerifyPackageOptions extends ReadPackageOptions {
  /** The `C:` of the index entry this package should be (`Q1…` or `X1<hex>`). */
  readonly expectedIdentity?: string;
  /**
   * Default true: the package must carry a signature by a trusted key (`apk add ./x.apk`). False when
   * the package came through a signed index and `expectedIdentity` vouches for it.
   */
  readonly requireSignature?: boolean;
}

export interface VerifiedPackage {
  readonly package: ApkPackage;
  /** The signature that verified; undefined when none was required and none was trusted. */
  readonly signedBy?: SignatureEntry;
}

function identityMatches(actual: string, expected: string): boolean {
  if (expected.startsWith('X1')) {
    return Buffer.from(actual.slice(2), 'base64').toString('hex') === expected.slice(2).toLowerCase();
  }
  return actual === expected;
}

/** apk's signature check: the first trusted `.SIGN` entry decides; returns it (undefined when none is trusted). */
function checkSignature(
  buf: Buffer,
  head: PackageHead,
  legacy: boolean,
  keyring: Keyring,
  requireSignature: boolean,
  source: string,
): SignatureEntry | undefined {
  const chosen = chooseSignature(head.signatures, keyring);
  if (chosen === undefined && requireSignature) {
    if (head.signatureNames.length === 0) {
      throw new LupineError('APK_NO_SIGNATURE', `${source}: the package is not signed`, {
        details: { source },
        hint: 'sign it with lupine sign, or install it through a signed index',
      });
    }
    const names = head.signatures.map((s) => s.keyName);
    throw new LupineError(
      'APK_UNTRUSTED',
      `${source}: signed by ${names.join(', ') || 'unknown algorithms'}, none of which is trusted`,
      {
        details: { source, keyNames: names },
        hint: "add the signer's public key to the keys directory (/etc/apk/keys or --keys-dir)",
      },
    );
  }
  if (chosen !== undefined) {
    const signed = buf.subarray(head.control.start, legacy ? buf.length : head.control.end);
    const key = keyring.get(chosen.keyName);
    if (key === undefined || !verifyBytes(signed, chosen.signature, key, chosen.algorithm)) {
      throw new LupineError('APK_BAD_SIGNATURE', `${source}: the signature by ${chosen.keyName} does not verify`, {
        details: { source, keyName: chosen.keyName, algorithm: chosen.algorithm },
        hint: 'the package was changed after it was signed, or it is damaged',
      });
    }
  }
  return chosen;
}

interface CheckedHead {
  readonly head: PackageHead;
  readonly control: ControlPart;
  readonly chosen?: SignatureEntry;
}

/** `verifyPackage`'s checks that come before the data is inflated: signature, identity, control, datahash. */
function checkHead(buf: Buffer, keyring: Keyring, options: VerifyPackageOptions): CheckedHead {
  const limits = options.limits ?? defaultLimits;
  const source = options.source ?? 'package';
  const requireSignature = options.requireSignature ?? true;
  const head = readHead(buf, limits, source);

  let control: ControlPart | undefined;
  let controlError: unknown;
  try {
    control = parseControl(head, limits, source);
  } catch (err) {
    controlError = err;
  }
  const legacy = control !== undefined && control.doc.info.datahash === '';

  const chosen = checkSignature(buf, head, legacy, keyring, requireSignature, source);

  if (options.expectedIdentity !== undefined) {
    const actual = identityOf(buf, head, legacy);
    if (!identityMatches(actual, options.expectedIdentity)) {
      throw new LupineError(
        'APK_BAD_IDENTITY',
        `${source}: identity is ${actual}, the index says ${options.expectedIdentity}`,
        {
          details: { source, actual, expected: options.expectedIdentity },
          hint: 'the package does not match the index; refresh the index or download the package again',
        },
      );
    }
  }

  if (control === undefined) {
    throw isLupineError(controlError) ? controlError : sectionError('control', controlError, source);
  }

  const datahash = control.doc.info.datahash;
  if (datahash) {
    const actual = sha256Hex(buf.subarray(head.control.end));
    if (actual !== datahash) {
      throw new LupineError(
        'APK_BAD_DATAHASH',
        `${source}: the data member's SHA-256 is ${actual}, .PKGINFO says ${datahash}`,
        {
          details: { source, actual, expected: datahash },
          hint: 'the package is damaged; download or build it again',
        },
      );
    }
  }
  return { head, control, ...(chosen ? { chosen } : {}) };
}

/**
 * apk's checks, in order, each with its own code: signature (APK_NO_SIGNATURE, APK_UNTRUSTED,
 * APK_BAD_SIGNATURE), identity against `expectedIdentity` (APK_BAD_IDENTITY), control member
 * (APK_BAD_CONTROL), datahash over the data member's compressed bytes before inflating it
 * (APK_BAD_DATAHASH), then every file's SHA-1 (APK_BAD_FILE_CHECKSUM).
 */
export function verifyPackage(
  bytes: Uint8Array,
  keyring: Keyring,
  options: VerifyPackageOptions = {},
): VerifiedPackage {
  const limits = options.limits ?? defaultLimits;
  const source = options.source ?? 'package';
  const buf = asBuffer(bytes);
  const { head, control, chosen } = checkHead(buf, keyring, options);
  const pkg = assemble(buf, head, control, readData({ buf, head, control, limits, source }, options.declaredSize));
  for (const f of pkg.files) {
    // apk refuses a symlink without a target as a package error (it cannot be created).
    if (f.type === 'symlink' && f.linkname === '') {
      throw malformed(`the symlink ${f.name.slice(0, 120)} has an empty target`, source);
    }
    if (!f.sha1 || f.type === 'hardlink') continue;
    let actual: string;
    if (f.type === 'file') actual = sha1Hex(f.content);
    else if (f.type === 'symlink') actual = sha1Hex(Buffer.from(f.linkname, 'utf8'));
    else continue;
    if (actual !== f.sha1) {
      throw new LupineError(
        'APK_BAD_FILE_CHECKSUM',
        `${source}: ${f.name} has SHA-1 ${actual}, the package says ${f.sha1}`,
        {
          details: { source, path: f.name, actual, expected: f.sha1 },
          hint: 'the package is damaged; download or build it again',
        },
      );
    }
  }
  return { package: pkg, ...(chosen ? { signedBy: chosen } : {}) };
}

/** Data entries listed by their headers only (no content held). */
function headerItems(entries: readonly TarEntry[]): TarItem[] {
  return entries.map((entry) => ({ entry, headerOffset: 0, startOffset: 0, dataOffset: 0, data: Buffer.alloc(0) }));
}

/**
 * An .apk as `readPackage` returns it, but from its first bytes (`prefix`, of a file of `fileSize`
 * bytes) and the data entries' headers listed by a streamed pass (`checkPackageData`'s `onEntry`):
 * no file content is held (`content` is empty). Undefined when `prefix` does not hold the control
 * member or the package is a legacy one (read those with `readPackage`).
 */
export function packageFromHead(
  prefix: Uint8Array,
  fileSize: number,
  entries: readonly TarEntry[],
  options: ReadPackageOptions = {},
): ApkPackage | undefined {
  const read = readControlPrefix(prefix, fileSize, options);
  if (read === undefined || read.control.doc.info.datahash === '') return undefined;
  const { buf, head, control } = read;
  const pkg = assemble(buf, head, control, headerItems(entries));
  return {
    ...pkg,
    members: { ...pkg.members, data: { start: head.control.end, end: fileSize } },
    info: { ...pkg.info, size: fileSize },
  };
}

/** An .apk's head, read from the file's first bytes: what `lupine index` needs, signature checked. */
export interface PackageHeadRead {
  /** From `.PKGINFO`, with `identity` and `size` (the file size) filled in. */
  readonly info: PackageInfo;
  readonly identity: string;
  /** Where the data section starts. */
  readonly dataStart: number;
  /** The signature that verified, when a keyring was given and one is trusted. */
  readonly signedBy?: SignatureEntry;
}

export interface ReadPackageHeadOptions extends ReadPackageOptions {
  /** Check the signature as `verifyPackage` does (APK_NO_SIGNATURE, APK_UNTRUSTED, APK_BAD_SIGNATURE). */
  readonly keyring?: Keyring;
}

/**
 * Reads the signature and control members from `prefix`, the first bytes of a package of
 * `fileSize` bytes, without inflating the data: identity, `.PKGINFO`, and the signature when a
 * keyring is given. Returns undefined when `prefix` is too short: the control member does not fit
 * in it, or the package is a legacy one (identity and signature cover the whole file).
 */
export function readPackageHead(
  prefix: Uint8Array,
  fileSize: number,
  options: ReadPackageHeadOptions = {},
): PackageHeadRead | undefined {
  const read = readControlPrefix(prefix, fileSize, options);
  if (read === undefined) return undefined;
  const { buf, head, control, source } = read;
  const legacy = control.doc.info.datahash === '';
  if (legacy && buf.length < fileSize) return undefined;
  const chosen =
    options.keyring === undefined ? undefined : checkSignature(buf, head, legacy, options.keyring, true, source);
  const identity = identityOf(buf, head, legacy);
  return {
    info: { ...control.doc.info, identity, size: fileSize },
    identity,
    dataStart: head.control.end,
    ...(chosen ? { signedBy: chosen } : {}),
  };
}

/** A verified package head whose data member is still to be streamed (see `verifyPackageHead`). */
export interface VerifiedHead {
  /** Where the data member starts in the file. */
  readonly dataStart: number;
  /** The installed size the data is held to (`.PKGINFO`'s, or the smaller vouched one). */
  readonly declaredSize: number;
  readonly signedBy?: SignatureEntry;
  /** The package as `verifyPackage` returns it, from the data entries' headers (`content` empty). */
  assemble(entries: readonly TarEntry[]): ApkPackage;
}

/**
 * `verifyPackage`'s checks up to the data member (signature, identity, control, datahash over the
 * compressed bytes), leaving the data to be streamed with `checkPackageData`. Undefined for a legacy
 * package, whose data shares the control member (read it with `verifyPackage`).
 */
export function verifyPackageHead(
  bytes: Uint8Array,
  keyring: Keyring,
  options: VerifyPackageOptions = {},
): VerifiedHead | undefined {
  const buf = asBuffer(bytes);
  const { head, control, chosen } = checkHead(buf, keyring, options);
  if (control.doc.info.datahash === '') return undefined;
  if (head.control.end >= buf.length) throw malformed('the package has no data member', options.source ?? 'package');
  return {
    dataStart: head.control.end,
    declaredSize: declaredSize(control, options.declaredSize),
    ...(chosen ? { signedBy: chosen } : {}),
    assemble: (entries) => assemble(buf, head, control, headerItems(entries)),
  };
}

/** What a caller of `streamVerifiedPackage` sees of the data member as it streams. */
export type DataHooks = Pick<CheckPackageDataOptions, 'onEntry' | 'onData' | 'onEntryEnd'>;

/**
 * `verifyPackage`, with the data member streamed (memory bounded by one tar header whatever it holds):
 * the head checked first, then the inflated bytes held to the declared size (LIMIT_EXCEEDED) and every
 * file's SHA-1 checked on the way, `hooks` seeing each entry and its content. The package's `content`
 * is empty. Undefined for a legacy package (data in the control member): use `verifyPackage`.
 */
export async function streamVerifiedPackage(
  bytes: Uint8Array,
  keyring: Keyring,
  options: VerifyPackageOptions = {},
  hooks: DataHooks = {},
): Promise<VerifiedPackage | undefined> {
  const head = verifyPackageHead(bytes, keyring, options);
  if (head === undefined) return undefined;
  const data = asBuffer(bytes).subarray(head.dataStart);
  const entries: TarEntry[] = [];
  await checkPackageData(
    async function* () {
      yield data;
    },
    {
      ...hooks,
      source: options.source ?? 'package',
      declaredSize: head.declaredSize,
      compressedBytes: data.length,
      limits: options.limits ?? defaultLimits,
      onEntry(e) {
        entries.push(e);
        hooks.onEntry?.(e);
      },
    },
  );
  return { package: head.assemble(entries), ...(head.signedBy ? { signedBy: head.signedBy } : {}) };
}
