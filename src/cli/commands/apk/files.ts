import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Keyring } from '../../../apk/index.js';
import { readGzipMembers } from '../../../archive/index.js';
import { defaultLimits, LupineError, readInputFile } from '../../../core/index.js';
import { readApkIndexArchive } from '../../../repo/index.js';
import { checkPackageFile, openRegularFile, readPrefix } from '../repo/package-file.js';

/** What an apk-format file is: a package or a repository index. */
export type ApkFileKind = 'package' | 'index';

/**
 * Tells a package from an `APKINDEX.tar.gz` by the first entry after the signatures: a package's
 * control member starts with a dot-file (`.PKGINFO`), an index with `DESCRIPTION` or `APKINDEX`.
 * Falls back to the file name when the file cannot be inflated.
 */
export function apkFileKind(bytes: Uint8Array, name: string): ApkFileKind {
  const byName: ApkFileKind = /APKINDEX/.test(basename(name)) && !name.endsWith('.apk') ? 'index' : 'package';
  // Only the first one or two members are inflated, each with a small limit: never the data.
  const limits = { ...defaultLimits, maxUncompressedBytes: 64 * 1024 * 1024 };
  try {
    const first = readGzipMembers(bytes, limits, 1)[0];
    if (first === undefined) return byName;
    const body =
      first.data.subarray(0, 6).toString('latin1') === '.SIGN.'
        ? readGzipMembers(bytes.subarray(first.end), limits, 1)[0]
        : first;
    if (body === undefined) return byName;
    return body.data.subarray(0, 1).toString('latin1') === '.' ? 'package' : 'index';
  } catch {
    return byName;
  }
}

export const readInput = (path: string): Promise<Buffer> => readInputFile(path, 'file');

/** Replaces a file atomically: a temporary file in the same directory, then rename. Keeps the mode. */
export async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.lupine-${process.pid}-${Date.now()}.tmp`);
  let mode = 0o644;
  try {
    mode = (await stat(path)).mode & 0o7777;
  } catch {
    // a new file
  }
  try {
    await writeFile(tmp, bytes, { mode, flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new LupineError('IO_ERROR', `cannot write ${path}: ${(err as Error).message}`, {
      cause: err,
      details: { path },
    });
  }
}

/**
 * `apk verify`'s check of one file: a package must be signed by a trusted key with intact control,
 * datahash and file checksums; an index must carry a valid trusted signature. Returns undefined when
 * the file verifies, else the LupineError that says why (other errors are thrown).
 */
export async function verifyApkFile(path: string, name: string, keys: Keyring): Promise<LupineError | undefined> {
  try {
    const { fh, size } = await openRegularFile(path, name);
    let kind: ApkFileKind;
    try {
      kind = apkFileKind(await readPrefix(fh, Math.min(size, 64 * 1024 * 1024)), name);
    } finally {
      await fh.close();
    }
    if (kind === 'index') readApkIndexArchive(await readInput(path), { keys, source: name });
    else await checkPackageFile(path, name, keys);
    return undefined;
  } catch (err) {
    if (err instanceof LupineError) return err;
    throw err;
  }
}

/** An error's message without the leading `<source>: ` the library puts there. */
export function reasonOf(err: unknown, source: string): string {
  const msg = err instanceof Error ? err.message : String(err);
  const trimmed = msg.startsWith(`${source}: `) ? msg.slice(source.length + 2) : msg;
  return err instanceof LupineError ? `${trimmed} [${err.code}]` : trimmed;
}
