/**
 * One gzip member holding a tar fragment (no end marker) with a single regular file owned by
 * root:root, mode 0644: an apk signature member (`.SIGN.<ALG>.<key>`), or melange's `.attestation`
 * member beside a package. Pure.
 */
import { gzipMember, writeTar } from '../archive/index.js';

/** The gzip settings apk-tools and melange write members with. */
export const APK_GZIP = { level: 9, os: 3 } as const;

export function rootFileMember(name: string, data: Buffer, mtime: number): Buffer {
  const tar = writeTar(
    [{ name, type: 'file', mode: 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime, data }],
    { dialect: 'ustar', longNames: 'pax', fragment: true },
  );
  return gzipMember(tar, APK_GZIP);
}
