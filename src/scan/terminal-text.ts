/**
 * Text from advisories, package databases and file names, made safe to print on a terminal (pure):
 * control characters (C0, DEL, C1: escape sequences, carriage returns, bells) and bidirectional
 * overrides are shown as `\xNN` / `\u{NNNN}` instead of acting on the terminal.
 * A stand-in for the shared terminal sanitizer (helper A's, src/core or src/cli) until it lands.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `s` with every control character and bidi override written out visibly. */
export function terminalSafe(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
  });
}
