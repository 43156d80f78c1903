import type { KeyObject } from 'node:crypto';
import { gzipMember, type TarEntryType, type TarWriteEntry, writeTar } from '../archive/index.js';
import { asBuffer, type Clock, LupineError, sha1Hex, sha256Hex } from '../core/index.js';
import type { PackageInfo } from './package-info.js';
import { packageSignedRange, SCRIPT_NAMES, type ScriptName } from './package-read.js';
import { formatPkgInfo, type PkgInfoFormatOptions } from './pkginfo.js';
import { APK_GZIP, rootFileMember } from './root-file-member.js';
import { type SignatureAlgorithm, signatureEntryName, signBytes } from './signature.js';

/** One entry of the tree a package is made from (from `readTree` or built in memory). */
export interface TreeEntry {
  /** Path inside the package; a leading `/` or `./` and a trailing `/` are dropped. */
  readonly path: string;
  readonly type: TarEntryType;
  /** Permission bits; default 0644 for files, 0755 for directories, 0777 for symlinks. */
  readonly mode?: number;
  /** Default 0 (root). */
  readonly uid?: number;
  readonly gid?: number;
  /** Content of a regular file. */
  readonly data?: Uint8Array;
  /** Symlink target; for an explicit `hardlink`, the path of the file it links to. */
  readonly linkname?: string;
  readonly devmajor?: number;
  readonly devminor?: number;
  readonly xattrs?: Readonly<Record<string, Uint8Array>>;
  /** Files sharing an inode key are written once, the later ones (in path order) as hardlinks. */
  readonly inode?: string;
}

export interface SigningKey {
  readonly key: KeyObject;
  /** The public key's file name, e.g. `melange.rsa.pub`. */
  readonly keyName: string;
  /** Default RSA256 (SHA-256), as melange and `abuild-sign -t RSA256` write. */
  readonly algorithm?: SignatureAlgorithm;
}

export interface WritePackageInput {
  readonly files: readonly TreeEntry[];
  /** name, version, arch, description, … ; `installedSize` and `datahash` are computed. */
  readonly info: PackageInfo;
  readonly scripts?: Partial<Record<ScriptName, Uint8Array | string>>;
  /** Every mtime, and `builddate` when `info.buildTime` is 0 (SOURCE_DATE_EPOCH). */
  readonly clock: Clock;
  readonly signingKey?: SigningKey;
  /** Comments and packager for `.PKGINFO`. */
  readonly pkginfo?: PkgInfoFormatOptions;
}

const DEFAULT_MODE: Record<TarEntryType, number> = {
  file: 0o644,
  hardlink: 0o644,
  symlink: 0o777,
  dir: 0o755,
  chardev: 0o600,
  blockdev: 0o600,
  fifo: 0o644,
};

function badTree(msg: string, path: string): LupineError {
  return new LupineError('APK_MALFORMED', `package tree: ${msg}: '${path}'`, {
    details: { path },
    hint: 'paths inside a package are relative, without . or .. components',
  });
}

function normalize(path: string): string {
  const p = path.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
  if (p === '' || p === '.') throw badTree('empty path', path);
  for (const part of p.split('/')) {
    if (part === '' || part === '.' || part === '..') throw badTree('bad path component', path);
  }
  if (p.startsWith('.') && !p.includes('/')) throw badTree('top-level dot-names are control entries', path);
  return p;
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Normalizes paths, adds missing parent directories and sorts bytewise (parents before children). */
function completeTree(files: readonly TreeEntry[]): TreeEntry[] {
  const byPath = new Map<string, TreeEntry>();
  for (const f of files) {
    const path = normalize(f.path);
    if (byPath.has(path)) throw badTree('listed twice', path);
    byPath.set(path, { ...f, path });
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const have = byPath.get(dir);
      if (have === undefined) byPath.set(dir, { path: dir, type: 'dir' });
      else if (have.type !== 'dir') throw badTree('a parent is not a directory', dir);
    }
  }
  return [...byPath.values()].sort((a, b) => byteOrder(a.path, b.path));
}

interface DataTar {
  readonly tar: Buffer;
  readonly installedSize: number;
}

/** The data tar: sorted entries with SHA-1 pax records, hardlinks for shared inodes, end marker. */
function dataTar(files: readonly TreeEntry[], mtime: number): DataTar {
  const tree = completeTree(files);
  const firstOfInode = new Map<string, string>();
  const paths = new Set(tree.map((f) => f.path));
  const entries: TarWriteEntry[] = [];
  let size = 0;
  for (const f of tree) {
    const base = {
      mode: (f.mode ?? DEFAULT_MODE[f.type]) & 0o7777,
      uid: f.uid ?? 0,
      gid: f.gid ?? 0,
      uname: (f.uid ?? 0) === 0 ? 'root' : '',
      gname: (f.gid ?? 0) === 0 ? 'root' : '',
      mtime,
      ...(f.xattrs ? { xattrs: f.xattrs } : {}),
    };
    const checksum = (hex: string) => [{ key: 'APK-TOOLS.checksum.SHA1', value: Buffer.from(hex, 'latin1') }];
    switch (f.type) {
      case 'dir':
        entries.push({ ...base, name: `${f.path}/`, type: 'dir' });
        break;
      case 'file': {
        const first = f.inode === undefined ? undefined : firstOfInode.get(f.inode);
        if (first !== undefined) {
          entries.push({ ...base, name: f.path, type: 'hardlink', linkname: first });
          break;
        }
        if (f.inode !== undefined) firstOfInode.set(f.inode, f.path);
        const data = f.data ?? new Uint8Array(0);
        size += data.length;
        entries.push({ ...base, name: f.path, type: 'file', data, pax: checksum(sha1Hex(data)) });
        break;
      }
      case 'hardlink': {
        const target = normalize(f.linkname ?? '');
        if (!paths.has(target) || byteOrder(target, f.path) >= 0) {
          throw badTree(`hardlink target '${target}' must be a file listed before it`, f.path);
        }
        entries.push({ ...base, name: f.path, type: 'hardlink', linkname: target });
        break;
      }
      case 'symlink': {
        const target = f.linkname ?? '';
        if (target === '') throw badTree('a symlink needs a target', f.path);
        size += Buffer.byteLength(target, 'utf8');
        entries.push({ ...base, name: f.path, type: 'symlink', linkname: target, pax: checksum(sha1Hex(target)) });
        break;
      }
      default:
        entries.push({ ...base, name: f.path, type: f.type, devmajor: f.devmajor ?? 0, devminor: f.devminor ?? 0 });
    }
  }
  return { tar: writeTar(entries, { dialect: 'ustar', longNames: 'pax' }), installedSize: size };
}

function controlTar(pkginfo: string, scripts: WritePackageInput['scripts'], mtime: number): Buffer {
  const root = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime };
  const entries: TarWriteEntry[] = [
    { ...root, name: '.PKGINFO', type: 'file', mode: 0o644, data: Buffer.from(pkginfo, 'utf8') },
  ];
  for (const name of SCRIPT_NAMES) {
    const body = scripts?.[name];
    if (body === undefined) continue;
    const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    entries.push({ ...root, name: `.${name}`, type: 'file', mode: 0o755, data });
  }
  return writeTar(entries, { dialect: 'ustar', longNames: 'pax', fragment: true });
}

/** A signature member: a tar fragment holding one `.SIGN.<ALG>.<keyName>` entry, gzipped. */
export function packageSignatureMember(signed: Uint8Array, signingKey: SigningKey, mtime = 0): Buffer {
  const algorithm = signingKey.algorithm ?? 'RSA256';
  const sig = signBytes(signed, signingKey.key, algorithm);
  return rootFileMember(signatureEntryName(algorithm, signingKey.keyName), sig, mtime);
}

/**
 * Builds an .apk as abuild lays it out: [signature member], control member (`.PKGINFO` then scripts,
 * no end marker), data member (sorted entries, end marker), each one deterministic gzip member.
 * The same input gives the same bytes.
 */
export function writePackage(input: WritePackageInput): Buffer {
  const mtime = input.clock.now();
  const { tar, installedSize } = dataTar(input.files, mtime);
  const data = gzipMember(tar, APK_GZIP);
  const info: PackageInfo = {
    ...input.info,
    buildTime: input.info.buildTime || mtime,
    installedSize: installedSize === 0 ? 1 : installedSize,
    datahash: sha256Hex(data),
  };
  const control = gzipMember(controlTar(formatPkgInfo(info, input.pkginfo), input.scripts, mtime), APK_GZIP);
  if (input.signingKey === undefined) return Buffer.concat([control, data]);
  return Buffer.concat([packageSignatureMember(control, input.signingKey, mtime), control, data]);
}

/** Signs an .apk, replacing any signature member it has. */
export function signPackage(bytes: Uint8Array, signing: SigningKey): Buffer {
  const buf = asBuffer(bytes);
  const range = packageSignedRange(buf);
  const body = buf.subarray(range.start);
  const signed = buf.subarray(range.start, range.end);
  return Buffer.concat([packageSignatureMember(signed, signing), body]);
}
