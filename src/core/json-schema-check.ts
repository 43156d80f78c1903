/**
 * A small JSON Schema validator for the subset lupine's own schemas use: type (one or a list),
 * enum, minimum/maximum, properties, required, additionalProperties (false or a schema), items,
 * oneOf, anyOf and local `$ref`s (`#/$defs/Name`). Annotations (description, deprecated, title)
 * are ignored. Enough to check documents against `schemas/*.schema.json` without a
 * dependency.
 */
import type { JsonSchema } from './json-schema.js';

export interface SchemaError {
  /** JSON Pointer of the offending value (`/paths/0/type`). */
  readonly pointer: string;
  readonly message: string;
}

const SUPPORTED = new Set([
  '$schema',
  '$id',
  '$ref',
  '$defs',
  'title',
  'description',
  'deprecated',
  'type',
  'enum',
  'minimum',
  'maximum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'oneOf',
  'anyOf',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const matchesType = (v: unknown, t: string) => typeOf(v) === t || (t === 'number' && typeOf(v) === 'integer');
const esc = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

export function validateJsonSchema(root: JsonSchema, value: unknown): SchemaError[] {
  const errors: SchemaError[] = [];
  const lookup = (ref: string): JsonSchema => {
    const m = /^#\/\$defs\/(.+)$/.exec(ref);
    const defs = (root.$defs ?? {}) as Record<string, JsonSchema>;
    const target = m ? defs[m[1] as string] : undefined;
    if (!target) throw new Error(`unsupported or dangling $ref ${ref}`);
    return target;
  };
  const check = (schema: JsonSchema, v: unknown, ptr: string, out: SchemaError[]): void => {
    for (const k of Object.keys(schema)) if (!SUPPORTED.has(k)) throw new Error(`unsupported keyword ${k} at ${ptr}`);
    if (typeof schema.$ref === 'string') check(lookup(schema.$ref), v, ptr, out);
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
      if (!types.some((t) => matchesType(v, t))) {
        out.push({ pointer: ptr, message: `expected ${types.join(' or ')}, got ${typeOf(v)}` });
        return;
      }
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === v)) {
      out.push({ pointer: ptr, message: `${JSON.stringify(v)} is not one of the allowed values` });
    }
    if (typeof v === 'number') {
      if (typeof schema.minimum === 'number' && v < schema.minimum)
        out.push({ pointer: ptr, message: `below ${schema.minimum}` });
      if (typeof schema.maximum === 'number' && v > schema.maximum)
        out.push({ pointer: ptr, message: `above ${schema.maximum}` });
    }
    if (typeOf(v) === 'object') {
      const o = v as Record<string, unknown>;
      const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
      for (const r of (schema.required ?? []) as string[]) {
        if (!(r in o)) out.push({ pointer: ptr, message: `missing required property '${r}'` });
      }
      for (const [k, x] of Object.entries(o)) {
        const p = props[k];
        if (p) check(p, x, `${ptr}/${esc(k)}`, out);
        else if (schema.additionalProperties === false) out.push({ pointer: ptr, message: `unknown property '${k}'` });
        else if (typeof schema.additionalProperties === 'object') {
          check(schema.additionalProperties as JsonSchema, x, `${ptr}/${esc(k)}`, out);
        }
      }
    }
    if (Array.isArray(v) && schema.items) {
      v.forEach((x, i) => {
        check(schema.items as JsonSchema, x, `${ptr}/${i}`, out);
      });
    }
    for (const kw of ['oneOf', 'anyOf'] as const) {
      const options = schema[kw] as JsonSchema[] | undefined;
      if (!options) continue;
      const passing = options.filter((s) => {
        const sub: SchemaError[] = [];
        check(s, v, ptr, sub);
        return sub.length === 0;
      }).length;
      if (kw === 'oneOf' ? passing !== 1 : passing === 0) {
        out.push({ pointer: ptr, message: `matches ${passing} of the ${kw} alternatives` });
      }
    }
  };
  check(root, value, '', errors);
  return errors;
}
