/** The first step of reading a signed document: its bytes as a JSON object, or the caller's error. */
import type { LupineError } from '../core/index.js';

/** `bytes` parsed as a JSON object; `fail('not JSON')` or `fail('not an object')` otherwise. */
export function jsonObjectOf(bytes: Uint8Array, fail: (problem: string) => LupineError): Record<string, unknown> {
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw fail('not JSON');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw fail('not an object');
  return o as Record<string, unknown>;
}
