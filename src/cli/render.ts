import { InternalError, ioError, isIoFault, LupineError } from '../core/index.js';
import { redactCredentials } from '../net/index.js';
import type { OutputStream } from './io.js';

/** Exit codes: 0 ok, 1 a check failed / errors found, 2 usage, 3 bad input or failure, 70 internal bug. */
export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;
export const EXIT_ERROR = 3;
/** A scan target that could not be scanned (no package database, no advisory data for its distro). */
export const EXIT_NOT_SCANNED = 4;
export const EXIT_INTERNAL = 70;

/** A file-system fault that reached the top (a full or read-only disk, a missing file) is an IO_ERROR, not a bug. */
function userError(err: unknown): unknown {
  return isIoFault(err) ? ioError(err) : err;
}

export function exitCodeFor(error: unknown): number {
  const err = userError(error);
  if (err instanceof LupineError) return err.code === 'USAGE' ? EXIT_USAGE : EXIT_ERROR;
  return EXIT_INTERNAL;
}

/** Turns an error into the words a person reads: `lupine: CODE: message` and `  hint: …`. */
export function renderError(error: unknown): string {
  const err = userError(error);
  if (err instanceof LupineError) {
    const loc = typeof err.details.location === 'string' ? `${err.details.location}: ` : '';
    let s = `lupine: ${loc}error[${err.code}]: ${err.message}\n`;
    if (err.hint) s += `  hint: ${err.hint}\n`;
    // A password written in a URL never reaches the terminal, whichever message carried the URL.
    return redactCredentials(s);
  }
  const e = err instanceof Error ? err : new InternalError(String(err));
  return redactCredentials(
    `lupine: internal error: ${e.message}\n  this is a bug in lupine; please report it with this output:\n${e.stack ?? ''}\n`,
  );
}

export function writeError(stream: OutputStream, err: unknown): number {
  stream.write(renderError(err));
  return exitCodeFor(err);
}
