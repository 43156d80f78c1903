/**
 * An .apk as melange lays it out: [signature], control (`.PKGINFO` in melange's order, the resolved
 * config as `.melange.yaml`, the scriptlets), data. The data member comes from `writePackage`; the
 * control member is written here because it carries more than `.PKGINFO` and scripts. Pure.
 */
import { createHash } from 'node:crypto';
import {
  APK_GZIP,
  emptyPackageInfo,
  packageSignatureMember,
  packageSignedRange,
  SCRIPT_NAMES,
  type ScriptName,
  type SigningKey,
  type TreeEntry,
  writePackage,
} from '../../apk/index.js';
import { gzipMember, type TarWriteEntry, writeTar } from '../../archive/index.js';
import { sha256Hex } from '../../core/index.js';
import { formatMelangePkgInfo, type MelangePkgInfo } from './melange-pkginfo.js';

export interface PackageBytesInput {
  readonly files: readonly TreeEntry[];
  /** Everything but `installedSize` and `datahash`, which are computed. */
  readonly info: Omit<MelangePkgInfo, 'installedSize' | 'datahash'>;
  readonly melangeYaml: string;
  readonly scripts: Partial<Record<ScriptName, string>>;
  /** Every mtime (SOURCE_DATE_EPOCH). */
  readonly mtime: number;
  readonly signingKey?: SigningKey;
}

export interface PackageBytes {
  readonly bytes: Buffer;
  readonly identity: string;
  readonly pkginfo: string;
}

/** What apk counts as installed size: file contents (once per inode) and symlink targets. */
export function installedSize(files: readonly TreeEntry[]): number {
  const seen = new Set<string>();
  let size = 0;
  for (const f of files) {
    if (f.type === 'file') {
      if (f.inode !== undefined) {
        if (seen.has(f.inode)) continue;
        seen.add(f.inode);
      }
      size += f.data?.length ?? 0;
    } else if (f.type === 'symlink') {
      size += Buffer.byteLength(f.linkname ?? '', 'utf8');
    }
  }
  return size === 0 ? 1 : size;
}

export function packageBytes(input: PackageBytesInput): PackageBytes {
  const clock = { now: () => input.mtime };
  const unsigned = writePackage({
    files: input.files,
    info: { ...emptyPackageInfo(input.info.name, input.info.version), arch: input.info.arch },
    clock,
  });
  const data = unsigned.subarray(packageSignedRange(unsigned).end);
  const pkginfo = formatMelangePkgInfo({
    ...input.info,
    installedSize: installedSize(input.files),
    datahash: sha256Hex(data),
  });
  const root = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: input.mtime };
  const entries: TarWriteEntry[] = [
    { ...root, name: '.PKGINFO', type: 'file', mode: 0o644, data: Buffer.from(pkginfo, 'utf8') },
    { ...root, name: '.melange.yaml', type: 'file', mode: 0o644, data: Buffer.from(input.melangeYaml, 'utf8') },
  ];
  for (const name of SCRIPT_NAMES) {
    const body = input.scripts[name];
    if (body === undefined) continue;
    entries.push({ ...root, name: `.${name}`, type: 'file', mode: 0o755, data: Buffer.from(body, 'utf8') });
  }
  const control = gzipMember(writeTar(entries, { dialect: 'ustar', longNames: 'pax', fragment: true }), APK_GZIP);
  const identity = `Q1${createHash('sha1').update(control).digest('base64')}`;
  const parts = [control, data];
  if (input.signingKey !== undefined) parts.unshift(packageSignatureMember(control, input.signingKey, input.mtime));
  return { bytes: Buffer.concat(parts), identity, pkginfo };
}
