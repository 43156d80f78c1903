/**
 * Reading package files from disk with bounded memory: only regular files, the head from the first
 * bytes (growing the read only when the control member does not fit), the data section streamed.
 */
import { constants, createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import {
  type ApkPackage,
  checkPackageData,
  type Keyring,
  type PackageDataSummary,
  type PackageHeadRead,
  packageFromHead,
  readPackageHead,
  verifyPackage,
} from '../../../apk/index.js';
import type { TarEntry } from '../../../archive/index.js';
import { asInputRead, LupineError } from '../../../core/index.js';
import { setOnly } from '../common/set-only.js';

/**
 * Head reads tried in turn. The control member inflates to at most 64 MiB (readPackageHead's
 * limit), so its compressed bytes fit in the last: a larger file is never read whole for its head.
 */
const HEAD_READS = [256 * 1024, 16 * 1024 * 1024, 80 * 1024 * 1024];

/** Opens `path` for reading, refusing anything but a regular file (a device or fifo never ends). */
export async function openRegularFile(path: string, name: string): Promise<{ fh: FileHandle; size: number }> {
  // Non-blocking: opening a fifo for reading would otherwise wait for a writer.
  const fh = await asInputRead(path, name, () => open(path, constants.O_RDONLY | constants.O_NONBLOCK));
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    throw new LupineError('IO_ERROR', `${name} is not a regular file`, {
      details: { path },
      hint: 'give the path of a package or index file (devices, fifos and directories are not read)',
    });
  }
  return { fh, size: st.size };
}

/** Reads `n` bytes from the start of an open file. */
export async function readPrefix(fh: FileHandle, n: number): Promise<Buffer> {
  const buf = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const { bytesRead } = await fh.read(buf, got, n - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === n ? buf : buf.subarray(0, got);
}

/** The package's signature and control members, read from as few of its first bytes as will do. */
export async function readHeadOf(
  fh: FileHandle,
  size: number,
  name: string,
  keyring?: Keyring,
): Promise<PackageHeadRead> {
  const reads = HEAD_READS.filter((x) => x < size);
  if (reads.length < HEAD_READS.length) reads.push(size);
  for (const n of reads) {
    const head = readPackageHead(await readPrefix(fh, n), size, {
      source: name,
      ...setOnly({ keyring }),
    });
    if (head !== undefined) return head;
  }
  throw new LupineError(
    'APK_BAD_CONTROL',
    `${name}: no complete control member in the first ${reads.at(-1)} bytes (damaged, or a legacy package over 80 MiB)`,
    { details: { source: name }, hint: 'the package is corrupt; download or build it again' },
  );
}

export interface CheckedPackageFile {
  readonly head: PackageHeadRead;
  readonly data?: PackageDataSummary;
}

/**
 * `apk verify`'s checks of a package file without holding it in memory: signature (when a keyring
 * is given), control member, datahash, then the data streamed with limits from the declared size and
 * every file's SHA-1. Legacy packages (no datahash) are small and old: they are checked in memory.
 */
export async function checkPackageFile(path: string, name: string, keyring?: Keyring): Promise<CheckedPackageFile> {
  const { fh, size } = await openRegularFile(path, name);
  try {
    const head = await readHeadOf(fh, size, name, keyring);
    if (!head.info.datahash) {
      if (keyring !== undefined) verifyPackage(await readPrefix(fh, size), keyring, { source: name });
      return { head };
    }
    const data = await checkPackageData(
      () => createReadStream(path, { start: head.dataStart, highWaterMark: 256 * 1024 }),
      {
        source: name,
        declaredSize: head.info.installedSize,
        compressedBytes: size - head.dataStart,
        datahash: head.info.datahash,
      },
    );
    return { head, data };
  } finally {
    await fh.close();
  }
}

/**
 * A package file as `readPackage` would return it, without holding its data: the head from the
 * first bytes, the data streamed once (datahash, limits from the declared size, every SHA-1) while its
 * entries are listed. Undefined for a legacy package (no datahash), which the caller reads whole.
 */
export async function readPackageFileListing(path: string, name: string): Promise<ApkPackage | undefined> {
  const { fh, size } = await openRegularFile(path, name);
  try {
    const head = await readHeadOf(fh, size, name);
    if (!head.info.datahash) return undefined;
    const entries: TarEntry[] = [];
    await checkPackageData(() => createReadStream(path, { start: head.dataStart, highWaterMark: 256 * 1024 }), {
      source: name,
      declaredSize: head.info.installedSize,
      compressedBytes: size - head.dataStart,
      datahash: head.info.datahash,
      onEntry: (e) => entries.push(e),
    });
    return packageFromHead(await readPrefix(fh, Math.min(size, head.dataStart)), size, entries, { source: name });
  } finally {
    await fh.close();
  }
}
