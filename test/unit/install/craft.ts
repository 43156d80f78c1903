import { createHash } from 'node:crypto';
import { encodeHeader, gzipMember, type TarWriteEntry, writeTar } from '../../../src/archive/index.js';
import type { LockedPackage } from '../../../src/install/index.js';

/** An entry of a crafted package; files and symlinks get their SHA-1 pax record unless `sha1` says otherwise. */
export type CraftEntry = Omit<TarWriteEntry, 'mtime' | 'mode'> & {
  mode?: number;
  mtime?: number;
  sha1?: string | null;
};

export interface CraftOptions {
  readonly name: string;
  readonly version: string;
  readonly entries: readonly CraftEntry[];
  readonly extraPkgInfo?: string;
  readonly scripts?: Record<string, string>;
  /** Bytes appended to the data tar before it is compressed (e.g. a hand-made header). */
  readonly rawData?: Buffer;
  /** Cut the data member to this many bytes (datahash is computed over the cut bytes). */
  readonly truncateDataTo?: number;
}

const sha1 = (b: Uint8Array | string) => createHash('sha1').update(b).digest('hex');

/**
 * Builds an unsigned .apk by hand (control member + data member), for packages no well-behaved writer
 * would produce. Trust comes from the identity in the locked set, as through a signed index.
 */
export function craftPackage(o: CraftOptions): { bytes: Buffer; identity: string } {
  const entries: TarWriteEntry[] = o.entries.map((e) => {
    const mode = e.mode ?? (e.type === 'dir' ? 0o755 : e.type === 'symlink' ? 0o777 : 0o644);
    let sum = e.sha1;
    if (sum === undefined) {
      if (e.type === 'file') sum = sha1(e.data ?? new Uint8Array(0));
      else if (e.type === 'symlink') sum = sha1(e.linkname ?? '');
      else sum = null;
    }
    const pax = sum ? [{ key: 'APK-TOOLS.checksum.SHA1', value: Buffer.from(sum) }] : [];
    return { ...e, mode, mtime: e.mtime ?? 1700000000, pax };
  });
  let dataTar = writeTar(entries, { dialect: 'ustar', fragment: o.rawData !== undefined });
  if (o.rawData) dataTar = Buffer.concat([dataTar, o.rawData, Buffer.alloc(1024)]);
  let data = gzipMember(dataTar, { level: 9 });
  if (o.truncateDataTo !== undefined) data = data.subarray(0, o.truncateDataTo);
  const datahash = createHash('sha256').update(data).digest('hex');
  const pkginfo =
    `pkgname = ${o.name}\npkgver = ${o.version}\npkgdesc = crafted\nurl = \nbuilddate = 1700000000\n` +
    `size = ${Math.max(1, dataTar.length)}\narch = x86_64\nlicense = MIT\n${o.extraPkgInfo ?? ''}datahash = ${datahash}\n`;
  const control: TarWriteEntry[] = [
    { name: '.PKGINFO', type: 'file', mode: 0o644, mtime: 0, data: Buffer.from(pkginfo) },
  ];
  for (const [type, text] of Object.entries(o.scripts ?? {})) {
    control.push({ name: `.${type}`, type: 'file', mode: 0o755, mtime: 0, data: Buffer.from(text) });
  }
  const controlGz = gzipMember(writeTar(control, { dialect: 'ustar', fragment: true }), { level: 9 });
  const identity = `Q1${createHash('sha1').update(controlGz).digest('base64')}`;
  return { bytes: Buffer.concat([controlGz, data]), identity };
}

export function lockedFrom(o: CraftOptions): LockedPackage {
  const { bytes, identity } = craftPackage(o);
  return {
    name: o.name,
    version: o.version,
    identity,
    arch: 'x86_64',
    repository: 'crafted',
    fetch: async () => bytes,
  };
}

/** A ustar header declaring `size` bytes for `name`, with no content after it. */
export function hugeHeader(name: string, size: number): Buffer {
  return encodeHeader(
    {
      name,
      mode: 0o644,
      uid: 0,
      gid: 0,
      size,
      mtime: 0,
      typeflag: '0',
      linkname: '',
      uname: '',
      gname: '',
      devmajor: 0,
      devminor: 0,
      prefix: '',
    },
    'ustar',
  );
}

/**
 * A set of 22 packages for upgrade and crash tests. Generation 2 changes every file of p00–p19,
 * drops b.txt and adds c.txt, moves `usr/share/common/shared` from p00 to p01 (with replaces),
 * removes p20, keeps p21 as it is and adds p22.
 */
export function packageSet(generation: 1 | 2): LockedPackage[] {
  const out: LockedPackage[] = [];
  for (let i = 0; i <= 22; i++) {
    const name = `p${String(i).padStart(2, '0')}`;
    if (generation === 1 && i === 22) continue;
    if (generation === 2 && i === 20) continue;
    const gen = i === 21 ? 1 : generation;
    const version = `1.${gen}-r0`;
    const text = (f: string) => Buffer.from(`${name} ${f} generation ${gen}\n`);
    const entries: CraftEntry[] = [
      { name: 'usr/', type: 'dir' },
      { name: 'usr/bin/', type: 'dir' },
      { name: `usr/bin/${name}`, type: 'file', mode: 0o755, data: Buffer.from(`#!/bin/sh\necho ${name} ${gen}\n`) },
      { name: 'usr/share/', type: 'dir' },
      { name: `usr/share/${name}/`, type: 'dir', uid: i % 3 === 0 ? 501 : 0, gid: i % 3 === 0 ? 20 : 0 },
      { name: `usr/share/${name}/a.txt`, type: 'file', data: text('a'), uid: 501, gid: 20 },
      { name: `usr/share/${name}/big.bin`, type: 'file', data: Buffer.alloc(64 * 1024 + i, gen + i) },
      { name: `usr/share/${name}/link`, type: 'symlink', linkname: 'a.txt' },
      { name: `usr/share/${name}/hard`, type: 'hardlink', linkname: `usr/share/${name}/a.txt`, uid: 501, gid: 20 },
    ];
    if (gen === 1) entries.push({ name: `usr/share/${name}/b.txt`, type: 'file', data: text('b') });
    else entries.push({ name: `usr/share/${name}/c.txt`, type: 'file', mode: 0o600, data: text('c') });
    if ((gen === 1 && i === 0) || (gen === 2 && i === 1)) {
      entries.push({ name: 'usr/share/common/', type: 'dir' });
      entries.push({ name: 'usr/share/common/shared', type: 'file', data: Buffer.from(`shared from ${name}\n`) });
    }
    const extra =
      (gen === 2 && i === 1 ? 'replaces = p00\n' : '') +
      (i === 5 ? 'triggers = /usr/share/*\n' : '') +
      (i > 0 ? `depend = p${String(i - 1).padStart(2, '0')}\n` : '');
    const scripts: Record<string, string> = i % 4 === 0 ? { 'post-install': `#!/bin/sh\necho ${name}\n` } : {};
    if (i === 5) scripts.trigger = '#!/bin/sh\nexit 0\n';
    out.push(lockedFrom({ name, version, entries, extraPkgInfo: extra, scripts }));
  }
  return out;
}
