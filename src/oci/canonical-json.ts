/**
 * JSON bytes as Go's encoding/json writes them (what go-containerregistry, and so apko, emit):
 * no whitespace, struct fields in declaration order, map keys sorted bytewise, and `<`, `>`, `&`,
 * U+2028 and U+2029 escaped as \u00XX / \u20XX. Builders list their fields in ggcr's order; maps
 * (annotations, labels, volumes) go through `sortedObject`, so the same content always gives the
 * same digest.
 */

/** A JSON value whose objects keep the order of their entries. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonFields;

/** An object as an ordered list of fields; fields whose value is `undefined` are left out (Go's omitempty). */
export class JsonFields {
  readonly entries: readonly (readonly [string, JsonValue])[];
  constructor(entries: readonly (readonly [string, JsonValue | undefined])[]) {
    this.entries = entries.filter((e): e is readonly [string, JsonValue] => e[1] !== undefined);
  }
}

export function fields(...entries: (readonly [string, JsonValue | undefined])[]): JsonFields {
  return new JsonFields(entries);
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A Go map: keys sorted by their UTF-8 bytes. */
export function sortedObject<T>(record: Readonly<Record<string, T>>, value: (v: T) => JsonValue): JsonFields {
  const keys = Object.keys(record).sort(byteCompare);
  return new JsonFields(keys.map((k) => [k, value(record[k] as T)] as const));
}

/** A map, or `undefined` when empty (omitempty). */
export function optionalMap(record: Readonly<Record<string, string>> | undefined): JsonFields | undefined {
  if (!record || Object.keys(record).length === 0) return undefined;
  return sortedObject(record, (v) => v);
}

/** A list, or `undefined` when empty (omitempty). */
export function optionalList<T extends JsonValue>(list: readonly T[] | undefined): readonly T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

function encodeString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function encode(v: JsonValue, out: string[]): void {
  if (v === null) out.push('null');
  else if (typeof v === 'string') out.push(encodeString(v));
  else if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError('JSON cannot hold a non-finite number');
    out.push(String(v));
  } else if (typeof v === 'boolean') out.push(v ? 'true' : 'false');
  else if (v instanceof JsonFields) {
    out.push('{');
    v.entries.forEach(([k, val], i) => {
      if (i > 0) out.push(',');
      out.push(encodeString(k), ':');
      encode(val, out);
    });
    out.push('}');
  } else {
    out.push('[');
    (v as readonly JsonValue[]).forEach((item, i) => {
      if (i > 0) out.push(',');
      encode(item, out);
    });
    out.push(']');
  }
}

/** The canonical bytes of a value. */
export function encodeJson(v: JsonValue): Buffer {
  const out: string[] = [];
  encode(v, out);
  return Buffer.from(out.join(''), 'utf8');
}
