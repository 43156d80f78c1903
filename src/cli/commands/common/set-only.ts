import { resolve } from 'node:path';

type SetOnly<T> = { [K in keyof T]?: Exclude<T[K], undefined | ''> };

/**
 * The entries of `values` that are set (neither undefined nor ''): a command's optional library
 * options in one object, instead of one `...(x ? { k: x } : {})` each.
 */
export function setOnly<T extends Record<string, unknown>>(values: T): SetOnly<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== '')) as SetOnly<T>;
}

/** Like setOnly, each value a path given on the command line, resolved against `cwd`. */
export function setPaths<T extends Record<string, string | undefined>>(cwd: string, paths: T): SetOnly<T> {
  const set: Record<string, string> = {};
  for (const [k, p] of Object.entries(paths)) if (p !== undefined && p !== '') set[k] = resolve(cwd, p);
  return set as SetOnly<T>;
}
