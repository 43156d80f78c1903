/**
 * apk-tools 2.14's name hash table order. On a real root `apk_db_open` builds every name's reverse
 * dependency and reverse install_if lists by walking its name table (`apk_hash_foreach`): bucket by
 * bucket, the bucket being `apk_blob_hash(name) % 20000` (djb2: seed 5381, `h = h * 33 + byte`, in a
 * 64-bit `unsigned long`). The test build lists names in load order instead.
 */
import type { Name } from './model.js';

const NAME_BUCKETS = 20000n;
const MASK64 = (1n << 64n) - 1n;
const buckets = new Map<string, number>();

/** The bucket of apk's name table that `name` falls in. */
export function apkNameHashBucket(name: string): number {
  let b = buckets.get(name);
  if (b === undefined) {
    let h = 5381n;
    for (const c of Buffer.from(name, 'utf8')) h = (h * 33n + BigInt(c < 0x80 ? c : c - 0x100)) & MASK64;
    b = Number(h % NAME_BUCKETS);
    buckets.set(name, b);
  }
  return b;
}

/** `names` in the order apk's name table walk meets them (stable: one bucket keeps the given order). */
export function inNameHashOrder(names: readonly Name[]): readonly Name[] {
  if (names.length < 2) return names;
  return names
    .map((n, i) => ({ n, i, b: apkNameHashBucket(n.name) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((x) => x.n);
}
