/**
 * `apk verify FILE...` (apk-tools 2.14 `app_verify.c`): one line per file, `FILE: <rc> - <result>`,
 * or with -q only the names of files that fail; the exit status counts failures. The checks are
 * `lupine verify`'s (`verifyApkFile`); apk's negative errno values are mapped from the error codes.
 */
import { resolve } from 'node:path';
import type { LupineError } from '../../../core/index.js';
import type { ApkArgs } from './args.js';
import type { Output } from './commit.js';
import { verifyApkFile } from './files.js';
import { keysOf } from './root.js';

/** apk's `-errno - apk_error_str()` for a failure. */
function apkResult(err: LupineError): string {
  switch (err.code) {
    case 'APK_UNTRUSTED':
    case 'APK_NO_SIGNATURE':
    case 'INDEX_UNTRUSTED':
      return '-126 - UNTRUSTED signature';
    case 'APK_BAD_SIGNATURE':
    case 'INDEX_BAD_SIGNATURE':
      return '-129 - BAD signature';
    case 'IO_ERROR':
      return '-5 - IO ERROR';
    default:
      return '-74 - BAD archive';
  }
}

export async function verifyApplet(out: Output, args: ApkArgs): Promise<number> {
  const io = out.io;
  const keys = await keysOf(args, io);
  let failed = 0;
  for (const file of args.args) {
    const err = await verifyApkFile(resolve(io.cwd, file), file, keys);
    if (err) failed++;
    if (out.verbosity >= 1) io.stdout.write(`${file}: ${err ? apkResult(err) : '0 - OK'}\n`);
    else if (err) io.stdout.write(`${file}\n`);
  }
  return failed;
}
