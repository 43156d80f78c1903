/** Where each decoded config value was written, by path, and Go's integer syntax. */
import type { SourcePos } from './diagnostic.js';

export type ConfigPath = readonly (string | number)[];

/** Where a decoded value (and, for mapping entries, its key) came from. */
export interface Located {
  readonly value: SourcePos;
  readonly key?: SourcePos;
}

export class Locations {
  readonly #map = new Map<string, Located>();
  readonly #fallback: SourcePos;

  constructor(fallback: SourcePos = { line: 1, col: 1 }) {
    this.#fallback = fallback;
  }

  set(path: ConfigPath, located: Located): void {
    this.#map.set(JSON.stringify(path), located);
  }

  /** Whether the path was written in the file (even with a value that failed to decode). */
  has(path: ConfigPath): boolean {
    return this.#map.has(JSON.stringify(path));
  }

  /** The value's position; the nearest enclosing value's when the path itself was never written. */
  value(path: ConfigPath): SourcePos {
    for (let p = [...path]; ; p = p.slice(0, -1)) {
      const hit = this.#map.get(JSON.stringify(p));
      if (hit) return hit.value;
      if (p.length === 0) return this.#fallback;
    }
  }

  /** The key's position (for mapping entries), else the value's. */
  key(path: ConfigPath): SourcePos {
    return this.#map.get(JSON.stringify(path))?.key ?? this.value(path);
  }
}

/** Go's strconv.ParseInt(s, 0, 64) after yaml.v3 strips `_`; undefined when it is not an integer. */
export function parseGoInt(text: string): number | undefined {
  const s = text.replace(/_/g, '');
  const m = /^([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|(0[0-7]*)|([1-9][0-9]*))$/.exec(s);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  const [hex, oct, bin, oldOct, dec] = [m[2], m[3], m[4], m[5], m[6]];
  const n =
    hex !== undefined
      ? Number.parseInt(hex, 16)
      : oct !== undefined
        ? Number.parseInt(oct, 8)
        : bin !== undefined
          ? Number.parseInt(bin, 2)
          : oldOct !== undefined
            ? Number.parseInt(oldOct, 8)
            : Number.parseInt(dec as string, 10);
  return Number.isSafeInteger(n) ? sign * n : undefined;
}
