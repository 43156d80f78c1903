import { LupineError } from '../core/index.js';
import { isValidVersion } from './version.js';

// A leading '.' is allowed for apk's virtual packages (`apk add -t .build-deps …`).
const NAME_RE = /^[a-zA-Z0-9.][a-zA-Z0-9.+_-]*$/;

/** A name is a file-name component (`lib/apk/db`, the repository and the cache): NAME_MAX. */
export const MAX_NAME_BYTES = 255;
/** `NAME-VERSION.<8 hex>.apk`, apk's cache file name, must fit NAME_MAX: 13 bytes go to the suffix. */
export const MAX_NAME_VERSION_BYTES = 255 - '.01234567.apk'.length;

/**
 * apk's package name syntax: letters, digits and `.+_-`, never a `/`; `.` and `..` are not names;
 * at most 255 bytes.
 */
export function isValidPackageName(name: string): boolean {
  return name.length <= MAX_NAME_BYTES && NAME_RE.test(name) && name !== '.' && name !== '..';
}

/** Whether `NAME-VERSION` fits a cache file name (names are ASCII by their syntax). */
export function nameVersionFits(name: string, version: string): boolean {
  return Buffer.byteLength(`${name}-${version}`) <= MAX_NAME_VERSION_BYTES;
}

/**
 * Checks a package's name and version with apk's syntax wherever they come in from outside (a
 * package, an index) or go out as a file name (the cache): a name is APK_BAD_PKGINFO, a version
 * (`1.0-r0/../../x`) APK_BAD_VERSION. `where` names the input in the message.
 */
export function checkPackageNameVersion(name: string, version: string, where: string): void {
  if (!isValidPackageName(name)) {
    throw new LupineError('APK_BAD_PKGINFO', `${where}: '${name.slice(0, 80)}' is not a valid package name`, {
      details: { source: where, name: name.slice(0, 200) },
      hint: 'package names hold only letters, digits and . + _ -, at most 255 bytes; the package or index is damaged or hostile',
    });
  }
  if (version === '' || !isValidVersion(version) || !nameVersionFits(name, version)) {
    throw new LupineError('APK_BAD_VERSION', `${where}: '${version.slice(0, 80)}' is not a valid version of ${name}`, {
      details: { source: where, name, version: version.slice(0, 200) },
      hint: `versions look like 1.2.3_rc1-r0 (apk's version syntax), and NAME-VERSION fits a file name (${MAX_NAME_VERSION_BYTES} bytes); the package or index is damaged or hostile`,
    });
  }
}
