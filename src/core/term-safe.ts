/**
 * The one sanitizer for human output: text a package, index, recipe, script or advisory controls
 * (names, descriptions, paths, script output, advisory text) must not drive the terminal.
 */

/** C0 controls but tab and newline, DEL, C1 controls, and Unicode's bidirectional overrides. */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const hex = (c: string) => {
  const n = c.codePointAt(0) ?? 0;
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
};

/** `text` with every terminal control replaced by a visible escape (`\x1b`, `\u202e`). */
export function termSafe(text: string): string {
  return text.replace(UNSAFE, hex);
}
