/** Readers for the plain values the decoder produces (a failed entry is a hole: undefined). */
export type Obj = Record<string, unknown>;

export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const optStr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const optNum = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
export const isStr = (x: unknown): x is string => typeof x === 'string';
export const isObj = (x: unknown): x is Obj => !!x && typeof x === 'object' && !Array.isArray(x);

export const strMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) if (typeof x === 'string') out[k] = x;
  return out;
};

/** Entries of a decoded list with their original index, so diagnostics point at the right item. */
export const indexed = <T>(v: unknown, accept: (x: unknown) => x is T): [T, number][] =>
  list(v).flatMap((x, i): [T, number][] => (accept(x) ? [[x, i]] : []));

/** `{ [key]: value }` when value is defined, else `{}` — keeps optional properties absent. */
export function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
