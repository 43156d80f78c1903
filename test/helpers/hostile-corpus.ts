/**
 * The hostile-package corpus (issue 11): every package-shaped attack and fault found by the
 * adversarial pass, generated here (no binary blobs), each with the error code lupine must answer.
 * `verify` cases are checked with `lupine verify`, `add` cases with `lupine apk add ./FILE` (the root
 * and a sentinel directory outside it unchanged); `both` with each.
 */

import { randomBytes } from 'node:crypto';
import type { SigningKey } from '../../src/apk/index.js';
import { gzipMember, readGzipMembers, type TarWriteEntry, writeTar } from '../../src/archive/index.js';
import { hugeHeader } from '../unit/install/craft.js';
import { assemblePackage, dataMember, pkginfoText, zeroBombMember } from './hostile-packages.js';

export interface CorpusContext {
  /** Trusted by the test (its public key is in the keys directory). */
  readonly key: SigningKey;
  /** Not trusted. */
  readonly otherKey: SigningKey;
  /** A directory outside the root that must not change. */
  readonly outside: string;
}

export interface CorpusCase {
  readonly name: string;
  readonly code: string;
  /** `contained`: apk add may install it, but nothing outside the root changes. */
  readonly via: 'verify' | 'add' | 'both' | 'contained';
  /** The file's bytes; a string is a path used as it is (devices, fifos, directories). */
  build(ctx: CorpusContext): Buffer | Promise<Buffer> | string;
}

const file = (path: string, text: string, extra: Partial<TarWriteEntry> = {}): TarWriteEntry => ({
  name: path,
  type: 'file',
  mode: 0o644,
  mtime: 1700000000,
  data: Buffer.from(text),
  ...extra,
});
const dir = (path: string): TarWriteEntry => ({ name: path, type: 'dir', mode: 0o755, mtime: 1700000000 });
const link = (path: string, target: string, extra: Partial<TarWriteEntry> = {}): TarWriteEntry => ({
  name: path,
  type: 'symlink',
  mode: 0o777,
  mtime: 1700000000,
  linkname: target,
  ...extra,
});
const sumPax = (hex: string) => [{ key: 'APK-TOOLS.checksum.SHA1', value: Buffer.from(hex) }];

/** A signed package `name` holding `entries` under usr/share/NAME/. */
function pkg(ctx: CorpusContext, name: string, entries: TarWriteEntry[], o: { version?: string; size?: number } = {}) {
  return assemblePackage({
    pkginfo: pkginfoText(name, o.version ?? '1.0-r0', o.size ?? 4096),
    data: dataMember([dir('usr/'), dir('usr/share/'), dir(`usr/share/${name}/`), ...entries]),
    signingKey: ctx.key,
  });
}

/** A signed package with this `.PKGINFO` text and a small valid data member. */
function withPkginfo(ctx: CorpusContext, pkginfo: string): Buffer {
  return assemblePackage({ pkginfo, data: dataMember([file('f', 'x\n')]), signingKey: ctx.key });
}

function flip(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b);
  c[at] = (c[at] as number) ^ 0xff;
  return c;
}

/** Offsets of an assembled package's members: [signature?, control, data...]. */
function memberStarts(b: Buffer): number[] {
  return readGzipMembers(b).map((m) => m.start);
}

const tarHeaderWithType = (name: string, flag: string): Buffer => {
  const h = hugeHeader(name, 0);
  h.write(flag, 156, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of h) sum += x;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
};

export const CORPUS: readonly CorpusCase[] = [
  // Trust.
  {
    name: 'unsigned package',
    code: 'APK_NO_SIGNATURE',
    via: 'both',
    build: () => assemblePackage({ pkginfo: pkginfoText('unsigned', '1.0-r0', 4096), data: dataMember([]) }),
  },
  {
    name: 'signed by an untrusted key',
    code: 'APK_UNTRUSTED',
    via: 'both',
    build: (c) =>
      assemblePackage({
        pkginfo: pkginfoText('untrusted', '1.0-r0', 4096),
        data: dataMember([]),
        signingKey: c.otherKey,
      }),
  },
  {
    name: 'only a signature of an unknown algorithm',
    code: 'APK_UNTRUSTED',
    via: 'verify',
    build: () => {
      const sig = gzipMember(writeTar([file('.SIGN.DSA.x.rsa.pub', 'sig')], { dialect: 'ustar', fragment: true }), {
        level: 9,
      });
      return Buffer.concat([
        sig,
        assemblePackage({ pkginfo: pkginfoText('dsa', '1.0-r0', 4096), data: dataMember([]) }),
      ]);
    },
  },
  {
    name: 'signature bytes corrupted',
    code: 'APK_BAD_SIGNATURE',
    via: 'both',
    build: (c) => {
      const b = pkg(c, 'badsig', []);
      const [, control] = memberStarts(b);
      return flip(b, (control as number) - 20);
    },
  },
  {
    name: 'control member replaced after signing',
    code: 'APK_BAD_SIGNATURE',
    via: 'both',
    build: (c) => {
      const a = pkg(c, 'swap', []);
      const b = assemblePackage({ pkginfo: pkginfoText('swap', '2.0-r0', 4096), data: dataMember([]) });
      const [, control] = memberStarts(a);
      return Buffer.concat([a.subarray(0, control), b]);
    },
  },
  // Hashes.
  {
    name: 'data member does not match the datahash',
    code: 'APK_BAD_DATAHASH',
    via: 'both',
    build: (c) => {
      const good = pkg(c, 'datahash', [file('usr/share/datahash/f', 'good\n')]);
      const other = dataMember([file('usr/share/datahash/f', 'evil\n')]);
      const starts = memberStarts(good);
      return Buffer.concat([good.subarray(0, starts[2]), other]);
    },
  },
  {
    name: 'wrong SHA-1 of a file',
    code: 'APK_BAD_FILE_CHECKSUM',
    via: 'both',
    build: (c) => pkg(c, 'badsum', [file('usr/share/badsum/f', 'x\n', { pax: sumPax('0'.repeat(40)) })]),
  },
  {
    name: 'wrong SHA-1 of a symlink',
    code: 'APK_BAD_FILE_CHECKSUM',
    via: 'both',
    build: (c) => pkg(c, 'badlink', [link('usr/share/badlink/l', 'target', { pax: sumPax('1'.repeat(40)) })]),
  },
  // Compression and tar damage.
  {
    name: 'truncated gzip data member',
    code: 'APK_BAD_DATAHASH',
    via: 'both',
    build: (c) =>
      assemblePackage({
        pkginfo: pkginfoText('trunc', '1.0-r0', 60000),
        data: dataMember([file('usr/f', 'z'.repeat(50000))]).subarray(0, 60),
        signingKey: c.key,
      }),
  },
  {
    name: 'data member CRC-32 wrong',
    code: 'APK_BAD_DATAHASH',
    via: 'both',
    build: (c) => {
      const data = Buffer.from(dataMember([file('usr/f', 'crc\n')]));
      data.writeUInt32LE((data.readUInt32LE(data.length - 8) ^ 1) >>> 0, data.length - 8);
      return assemblePackage({ pkginfo: pkginfoText('crc', '1.0-r0', 4096), data, signingKey: c.key });
    },
  },
  {
    name: 'data member with an unknown compression method',
    code: 'APK_BAD_DATAHASH',
    via: 'both',
    build: (c) => {
      const data = Buffer.from(dataMember([file('usr/f', 'method\n')]));
      data[2] = 7;
      return assemblePackage({ pkginfo: pkginfoText('method', '1.0-r0', 4096), data, signingKey: c.key });
    },
  },
  {
    name: 'tar header checksum wrong',
    code: 'APK_BAD_DATAHASH',
    via: 'both',
    build: (c) => {
      const tar = writeTar([file('usr/f', 'x\n')], { dialect: 'ustar' });
      tar.write('0000001\0', 148, 'latin1');
      return assemblePackage({
        pkginfo: pkginfoText('hdrsum', '1.0-r0', 4096),
        data: gzipMember(tar),
        signingKey: c.key,
      });
    },
  },
  {
    name: 'data after the end of the tar archive',
    code: 'APK_BAD_DATAHASH',
    via: 'both',
    build: (c) => {
      const tar = writeTar([file('usr/f', 'x\n')], { dialect: 'ustar' });
      const trailing = Buffer.concat([tar, Buffer.alloc(512, 0x41)]);
      return assemblePackage({
        pkginfo: pkginfoText('trail', '1.0-r0', 4096),
        data: gzipMember(trailing),
        signingKey: c.key,
      });
    },
  },
  {
    name: 'unsupported tar entry type',
    code: 'APK_BAD_DATAHASH',
    via: 'both',
    build: (c) =>
      assemblePackage({
        pkginfo: pkginfoText('sparse', '1.0-r0', 4096),
        data: dataMember([], Buffer.concat([tarHeaderWithType('usr/sparse', 'S'), Buffer.alloc(1024)])),
        signingKey: c.key,
      }),
  },
  {
    name: 'tar ends in the middle of an entry',
    code: 'APK_BAD_DATAHASH',
    via: 'both',
    build: (c) => {
      const tar = writeTar([file('usr/f', 'y'.repeat(5000))], { dialect: 'ustar' });
      return assemblePackage({
        pkginfo: pkginfoText('tartrunc', '1.0-r0', 8192),
        data: gzipMember(tar.subarray(0, 2048)),
        signingKey: c.key,
      });
    },
  },
  {
    name: 'pax size record that is not a number',
    code: 'APK_BAD_DATAHASH',
    via: 'both',
    build: (c) =>
      pkg(c, 'paxsize', [file('usr/share/paxsize/f', 'x\n', { pax: [{ key: 'size', value: Buffer.from('1e9') }] })]),
  },
  // Limits.
  {
    name: 'gzip bomb: declares 4 KiB, inflates to 64 MiB',
    code: 'LIMIT_EXCEEDED',
    via: 'both',
    build: async (c) =>
      assemblePackage({
        pkginfo: pkginfoText('bomb', '1.0-r0', 4096),
        data: await zeroBombMember('usr/share/bomb/zeros', 64 * 1024 * 1024),
        signingKey: c.key,
      }),
  },
  {
    name: 'declared installed size larger than the data could hold',
    code: 'LIMIT_EXCEEDED',
    via: 'both',
    build: (c) =>
      assemblePackage({
        pkginfo: pkginfoText('hugesize', '1.0-r0', 2 ** 50),
        data: dataMember([file('usr/f', 'x\n')]),
        signingKey: c.key,
      }),
  },
  {
    name: 'tar entry declaring 8 GiB',
    code: 'LIMIT_EXCEEDED',
    via: 'both',
    build: (c) =>
      assemblePackage({
        pkginfo: pkginfoText('hugeentry', '1.0-r0', 4096),
        data: dataMember([], hugeHeader('usr/huge', 0o77777777777)),
        signingKey: c.key,
      }),
  },
  {
    name: 'pax header over 1 MiB',
    code: 'LIMIT_EXCEEDED',
    via: 'both',
    build: (c) =>
      pkg(c, 'bigpax', [
        file('usr/share/bigpax/f', 'x\n', { pax: [{ key: 'comment', value: Buffer.alloc(2 * 1024 * 1024, 0x61) }] }),
      ]),
  },
  {
    name: 'control member that inflates past 64 MiB',
    code: 'LIMIT_EXCEEDED',
    via: 'verify',
    build: async (c) => {
      const control = await zeroBombMember('.PKGINFO', 128 * 1024 * 1024);
      void c;
      return Buffer.concat([control, dataMember([])]);
    },
  },
  // Brief s4/A item 1: real data past the declared size, without a bomb's ratio (incompressible).
  {
    name: 'data (4 MiB, incompressible) over its declared size (4 KiB)',
    code: 'LIMIT_EXCEEDED',
    via: 'both',
    build: (c) =>
      pkg(c, 'oversize', [file('usr/share/oversize/blob', randomBytes(4 * 1024 * 1024).toString('latin1'))]),
  },
  // Names and versions (finding 3).
  {
    name: 'version holding a path (1.0-r0/../../../../outside/pwn)',
    code: 'APK_BAD_VERSION',
    via: 'both',
    build: (c) => withPkginfo(c, pkginfoText('pwn', '1.0-r0/../../../../outside/pwn', 4096)),
  },
  {
    name: 'version with bad syntax (one.two)',
    code: 'APK_BAD_VERSION',
    via: 'both',
    build: (c) => withPkginfo(c, pkginfoText('badver', 'one.two', 4096)),
  },
  {
    name: 'name holding a path (../evil)',
    code: 'APK_BAD_PKGINFO',
    via: 'both',
    build: (c) => withPkginfo(c, pkginfoText('../evil', '1.0-r0', 4096)),
  },
  {
    name: 'name with a slash (a/b)',
    code: 'APK_BAD_PKGINFO',
    via: 'both',
    build: (c) => withPkginfo(c, pkginfoText('a/b', '1.0-r0', 4096)),
  },
  // apk's limits (brief s4/A item 3): a name is a file-name component.
  {
    name: 'name of 256 bytes',
    code: 'APK_BAD_PKGINFO',
    via: 'both',
    build: (c) => withPkginfo(c, pkginfoText('n'.repeat(256), '1.0-r0', 4096)),
  },
  {
    name: 'name-version too long for a cache file name',
    code: 'APK_BAD_VERSION',
    via: 'both',
    build: (c) => withPkginfo(c, pkginfoText('longver', `1.${'0'.repeat(240)}-r0`, 4096)),
  },
  {
    name: 'name ..',
    code: 'APK_BAD_PKGINFO',
    via: 'verify',
    build: (c) => withPkginfo(c, pkginfoText('..', '1.0-r0', 4096)),
  },
  // .PKGINFO and control member.
  {
    name: 'empty pkgver',
    code: 'APK_BAD_PKGINFO',
    via: 'verify',
    build: (c) => withPkginfo(c, 'pkgname = e\npkgver = \nsize = 1\ndatahash = {datahash}\n'),
  },
  {
    name: 'no pkgname',
    code: 'APK_BAD_PKGINFO',
    via: 'verify',
    build: (c) => withPkginfo(c, 'pkgver = 1.0-r0\nsize = 1\ndatahash = {datahash}\n'),
  },
  {
    name: '.PKGINFO line without a separator',
    code: 'APK_BAD_PKGINFO',
    via: 'verify',
    build: (c) => withPkginfo(c, 'pkgname = x\npkgver = 1.0-r0\nthis is not a field\ndatahash = {datahash}\n'),
  },
  {
    name: 'datahash that is not hex',
    code: 'APK_BAD_PKGINFO',
    via: 'verify',
    build: (c) => withPkginfo(c, 'pkgname = x\npkgver = 1.0-r0\nsize = 1\ndatahash = not-hex\n'),
  },
  {
    name: 'size that is not a number',
    code: 'APK_BAD_PKGINFO',
    via: 'verify',
    build: (c) => withPkginfo(c, 'pkgname = x\npkgver = 1.0-r0\nsize = -5\ndatahash = {datahash}\n'),
  },
  {
    name: 'no .PKGINFO in the control member',
    code: 'APK_NO_PKGINFO',
    via: 'verify',
    build: (c) =>
      assemblePackage({
        pkginfo: '',
        data: dataMember([]),
        signingKey: c.key,
        controlExtra: [file('.README', 'no pkginfo\n')],
      }).subarray(0),
  },
  {
    name: 'a data entry inside the control member',
    code: 'APK_MALFORMED',
    via: 'verify',
    build: (c) =>
      assemblePackage({
        pkginfo: pkginfoText('inctl', '1.0-r0', 4096),
        data: dataMember([]),
        signingKey: c.key,
        controlExtra: [file('usr/evil', 'x\n')],
      }),
  },
  {
    name: 'truncated control member',
    code: 'APK_BAD_CONTROL',
    via: 'verify',
    build: () =>
      assemblePackage({ pkginfo: pkginfoText('ctltrunc', '1.0-r0', 4096), data: Buffer.alloc(0) }).subarray(0, 40),
  },
  {
    name: 'empty file',
    code: 'APK_MALFORMED',
    via: 'both',
    build: () => Buffer.alloc(0),
  },
  {
    name: 'not gzip at all',
    code: 'APK_BAD_CONTROL',
    via: 'both',
    build: () => Buffer.from('this is not a package\n'.repeat(10)),
  },
  {
    name: 'a signature and nothing else',
    code: 'APK_MALFORMED',
    via: 'verify',
    build: (c) => {
      const b = pkg(c, 'sigonly', []);
      return b.subarray(0, memberStarts(b)[1]);
    },
  },
  {
    name: 'no data member although .PKGINFO has a datahash',
    code: 'APK_BAD_DATAHASH',
    via: 'verify',
    build: (c) => {
      const b = pkg(c, 'nodata', []);
      return b.subarray(0, memberStarts(b)[2]);
    },
  },
  {
    name: 'symlink with an empty target (finding 12)',
    code: 'APK_MALFORMED',
    via: 'both',
    build: (c) =>
      assemblePackage({
        pkginfo: pkginfoText('emptylink', '1.0-r0', 4096),
        data: dataMember([dir('usr/')], Buffer.concat([tarHeaderWithType('usr/l', '2'), Buffer.alloc(1024)])),
        signingKey: c.key,
      }),
  },
  // Not files.
  { name: '/dev/zero', code: 'IO_ERROR', via: 'verify', build: () => '/dev/zero' },
  { name: 'a directory', code: 'IO_ERROR', via: 'verify', build: (c) => c.outside },
  // Paths (apk add: the root and the outside sentinel unchanged).
  {
    name: 'path traversal (..)',
    code: 'INSTALL_UNSAFE_PATH',
    via: 'add',
    build: (c) => pkg(c, 'trav', [file('usr/../../evil', 'x\n')]),
  },
  {
    name: 'absolute file name',
    code: 'INSTALL_UNSAFE_PATH',
    via: 'add',
    build: (c) => pkg(c, 'absname', [file('/tmp/lupine-corpus-evil', 'x\n')]),
  },
  {
    name: 'absolute symlink, then a file written through it',
    code: 'INSTALL_SYMLINK_ESCAPE',
    via: 'add',
    build: (c) =>
      pkg(c, 'through', [link('usr/share/through/out', c.outside), file('usr/share/through/out/evil', 'x\n')]),
  },
  {
    name: 'relative symlink above the root, then a file through it',
    code: 'INSTALL_SYMLINK_ESCAPE',
    via: 'add',
    build: (c) =>
      pkg(c, 'up', [link('usr/share/up/up', '../../../../../../../..'), file('usr/share/up/up/tmp/evil', 'x\n')]),
  },
  {
    name: "symlink into lupine's staging directory, then a file through it",
    code: 'INSTALL_UNSAFE_PATH',
    via: 'add',
    build: (c) =>
      pkg(c, 'staging', [
        link('usr/share/staging/txn', '../../../.lupine-txn'),
        file('usr/share/staging/txn/journal.json', '{}'),
      ]),
  },
  {
    name: 'a block device node',
    code: 'INSTALL_DEVICE_REFUSED',
    via: 'add',
    build: (c) =>
      pkg(c, 'dev', [{ name: 'usr/share/dev/sda', type: 'blockdev', mode: 0o600, mtime: 0, devmajor: 8, devminor: 0 }]),
  },
  {
    name: 'hardlink to a path outside the package',
    code: 'INSTALL_UNSAFE_PATH',
    via: 'add',
    build: (c) =>
      pkg(c, 'hardout', [
        { name: 'usr/share/hardout/h', type: 'hardlink', mode: 0o644, mtime: 0, linkname: '../../etc/passwd' },
      ]),
  },
  {
    name: 'symlink-redirected database path (finding 5)',
    code: 'OK',
    via: 'contained',
    build: (c) =>
      assemblePackage({
        pkginfo: pkginfoText('dblink', '1.0-r0', 4096),
        data: dataMember([
          dir('lib/'),
          dir('lib/apk/'),
          dir('lib/apk/db/'),
          link('lib/apk/db/installed.new', `${c.outside}/x`),
        ]),
        scripts: { 'post-install': '#!/bin/sh\nexit 1\n' },
        signingKey: c.key,
      }),
  },
];
