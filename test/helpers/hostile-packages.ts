/**
 * Hand-made .apk files no well-behaved writer produces: generated, never stored as blobs. Used by the
 * hostile-package corpus and the decompression-bomb tests.
 */
import { createHash } from 'node:crypto';
import { constants, crc32, createDeflateRaw, createGzip } from 'node:zlib';
import { packageSignatureMember, type SigningKey } from '../../src/apk/index.js';
import { encodeHeader, gzipMember, type TarWriteEntry, writeTar } from '../../src/archive/index.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface RawPackage {
  /** `.PKGINFO` text; `{datahash}` is replaced by the data member's SHA-256. */
  readonly pkginfo: string;
  /** The compressed data section as it will be stored. */
  readonly data: Buffer;
  readonly scripts?: Record<string, string>;
  /** More control entries (after .PKGINFO and the scripts). */
  readonly controlExtra?: TarWriteEntry[];
  readonly signingKey?: SigningKey;
}

/** A control member (tar fragment, gzipped), optionally a signature over it, then `data`. */
export function assemblePackage(o: RawPackage): Buffer {
  const pkginfo = o.pkginfo.replace('{datahash}', sha256(o.data));
  // An empty text leaves .PKGINFO out.
  const control: TarWriteEntry[] = pkginfo
    ? [{ name: '.PKGINFO', type: 'file', mode: 0o644, mtime: 0, data: Buffer.from(pkginfo) }]
    : [];
  for (const [type, text] of Object.entries(o.scripts ?? {})) {
    control.push({ name: `.${type}`, type: 'file', mode: 0o755, mtime: 0, data: Buffer.from(text) });
  }
  control.push(...(o.controlExtra ?? []));
  const controlGz = gzipMember(writeTar(control, { dialect: 'ustar', fragment: true }), { level: 9 });
  const sig = o.signingKey ? [packageSignatureMember(controlGz, o.signingKey)] : [];
  return Buffer.concat([...sig, controlGz, o.data]);
}

/** `.PKGINFO` text with the usual fields; `size` is the declared installed size. */
export function pkginfoText(name: string, version: string, size: number, extra = ''): string {
  return (
    `pkgname = ${name}\npkgver = ${version}\npkgdesc = hostile\nurl = \nbuilddate = 1700000000\n` +
    `size = ${size}\narch = x86_64\nlicense = MIT\n${extra}datahash = {datahash}\n`
  );
}

/** A data tar of regular files with their SHA-1 pax records, gzipped. */
export function dataMember(entries: readonly TarWriteEntry[], tail?: Buffer): Buffer {
  const withSums = entries.map((e) => {
    if (e.pax?.some((r) => r.key === 'APK-TOOLS.checksum.SHA1')) return e;
    const sum =
      e.type === 'file'
        ? createHash('sha1')
            .update(e.data ?? new Uint8Array(0))
            .digest('hex')
        : e.type === 'symlink'
          ? createHash('sha1')
              .update(e.linkname ?? '')
              .digest('hex')
          : undefined;
    return sum ? { ...e, pax: [{ key: 'APK-TOOLS.checksum.SHA1', value: Buffer.from(sum) }, ...(e.pax ?? [])] } : e;
  });
  const tar = writeTar(withSums, { dialect: 'ustar', fragment: tail !== undefined });
  return gzipMember(tail ? Buffer.concat([tar, tail]) : tar, { level: 9 });
}

/**
 * A gzip member whose tar holds one file `name` of `bytes` zero bytes (a decompression bomb: about
 * 1 KiB compressed per MiB). Built with sync flushes, so the deflate stream of one MiB of zeros is
 * computed once and repeated; the CRC and length are correct.
 */
/** The ustar header of a regular file `name` of `bytes` bytes (root-owned, 0644, mtime 0). */
function zeroFileHeader(name: string, bytes: number): Buffer {
  return encodeHeader(
    {
      name,
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: bytes,
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
 * A genuine data member holding one file of `bytes` zeros, written by a streaming gzip writer (the
 * content is never held: only the compressed member, about 1/1000 of it).
 */
export async function zeroFileMember(name: string, bytes: number): Promise<Buffer> {
  const header = zeroFileHeader(name, bytes);
  const gz = createGzip({ level: 1 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    gz.on('end', resolve);
    gz.on('error', reject);
  });
  const write = (b: Buffer) => (gz.write(b) ? Promise.resolve() : new Promise<void>((r) => gz.once('drain', r)));
  await write(header);
  const chunk = Buffer.alloc(1 << 20);
  let left = bytes;
  while (left > 0) {
    const n = Math.min(left, chunk.length);
    await write(n === chunk.length ? chunk : chunk.subarray(0, n));
    left -= n;
  }
  await write(Buffer.alloc(((512 - (bytes % 512)) % 512) + 1024));
  gz.end();
  await done;
  return Buffer.concat(out);
}

export async function zeroBombMember(name: string, bytes: number): Promise<Buffer> {
  const MiB = 1 << 20;
  if (bytes % MiB !== 0) throw new Error('zeroBombMember: whole MiB only');
  const header = zeroFileHeader(name, bytes);
  const d = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  d.on('data', (c: Buffer) => out.push(c));
  const step = (chunk: Buffer, flush: number) =>
    new Promise<Buffer>((resolve) => {
      d.write(chunk);
      d.flush(flush, () => resolve(Buffer.concat(out.splice(0))));
    });
  const zero = Buffer.alloc(MiB);
  const head = await step(header, constants.Z_SYNC_FLUSH);
  const first = await step(zero, constants.Z_SYNC_FLUSH);
  const repeat = await step(zero, constants.Z_SYNC_FLUSH);
  // The tail: the end-of-archive blocks, then the final block.
  const tail = await step(Buffer.alloc(1024), constants.Z_FINISH);
  d.destroy();
  const n = bytes / MiB;
  const body = Buffer.concat([head, first, ...Array.from({ length: n - 1 }, () => repeat), tail]);
  let crc = crc32(header);
  for (let i = 0; i < n; i++) crc = crc32(zero, crc);
  crc = crc32(Buffer.alloc(1024), crc);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE((512 + bytes + 1024) % 2 ** 32, 4);
  return Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]), body, trailer]);
}
