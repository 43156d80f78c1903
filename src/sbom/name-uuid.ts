import { digest } from '../core/index.js';

/** The RFC 4122 URL namespace. */
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/** A name-based (version 5, SHA-1) UUID: the same name always gives the same UUID. */
export function nameUuid(name: string): string {
  const b = digest('sha1', URL_NAMESPACE, Buffer.from(name, 'utf8')).subarray(0, 16);
  b[6] = ((b[6] as number) & 0x0f) | 0x50;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** RFC 3339 UTC time without fractional seconds (what SPDX validators accept everywhere). */
export function isoSeconds(seconds: number): string {
  return new Date(Math.trunc(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
