/**
 * The one sanitizer for human output: text a package, index, recipe, script or advisory controls
 * (names, descriptions, paths, script output, advisory text) must not drive the terminal. Controls
 * are shown as visible escapes (`\x1b`, `\u202e`); JSON output is left alone (JSON escapes them).
 */
import { termSafe } from '../core/index.js';
import type { CliIo, OutputStream } from './io.js';

export { termSafe };

/**
 * A stream whose text goes through `termSafe`. Bytes (`Uint8Array`) pass unchanged: that is how
 * lupine writes its own terminal sequences (progress bars) and binary output.
 */
export function termSafeStream(s: OutputStream): OutputStream {
  return {
    write: (chunk) => s.write(typeof chunk === 'string' ? termSafe(chunk) : chunk),
    ...(s.isTTY === undefined ? {} : { isTTY: s.isTTY }),
    ...(s.columns === undefined ? {} : { columns: s.columns }),
  };
}

/** `io` with human output made safe: stderr always; stdout unless the command prints a machine format. */
export function humanIo(io: CliIo, machineStdout = false): CliIo {
  return {
    ...io,
    stdout: machineStdout ? io.stdout : termSafeStream(io.stdout),
    stderr: termSafeStream(io.stderr),
  };
}

/** Commands whose stdout is text for a person (unless asked for JSON or another format). */
const HUMAN_STDOUT = ['apk', 'inspect', 'verify', 'scan', 'index', 'pkg build', 'pkg lint', 'image build', 'distro'];

/** Whether a command's stdout is for a person: a listed command without --json or a --format other than table. */
export function humanStdout(path: readonly string[], rest: readonly string[]): boolean {
  const name = path.join(' ');
  if (!HUMAN_STDOUT.some((c) => name === c || name.startsWith(`${c} `))) return false;
  if (rest.includes('--json')) return false;
  const at = rest.findIndex((a) => a === '--format' || a.startsWith('--format='));
  if (at < 0) return true;
  const arg = rest[at] ?? '';
  const format = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (rest[at + 1] ?? '');
  return format === 'table';
}
