/** Rebuilds a decoded YAML value with every string passed through `fn` (with its path). */
import type { ConfigPath } from '../../core/index.js';

export function mapStrings(
  value: unknown,
  fn: (s: string, path: ConfigPath) => string,
  path: ConfigPath = [],
): unknown {
  if (typeof value === 'string') return fn(value, path);
  if (Array.isArray(value)) return value.map((v, i) => mapStrings(v, fn, [...path, i]));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, fn, [...path, k]);
    return out;
  }
  return value;
}
