/**
 * The JSON Schema (draft 2020-12) of the apko config, generated from the same shape the parser
 * checks against; `schemas/apko-config.schema.json` is this function's output (a test keeps them
 * equal). Every property carries a description for editors.
 */
import { APKO_CONFIG_SHAPE, type ObjectShape, type Shape } from './shape.js';

export type JsonSchema = Record<string, unknown>;

export const APKO_CONFIG_SCHEMA_ID = 'https://lupine.dev/schemas/apko-config.schema.json';

function build(shape: Shape, defs: Map<string, JsonSchema>): JsonSchema {
  const annotate = (s: JsonSchema): JsonSchema => ({
    ...s,
    description: shape.description,
    ...(shape.deprecated ? { deprecated: true } : {}),
  });
  switch (shape.kind) {
    case 'string': {
      const types = shape.anyScalar ? ['string', 'number', 'boolean'] : 'string';
      const values = shape.enum
        ? shape.anyScalar
          ? [...shape.enum, ...shape.enum.filter((e) => /^[0-9]+$/.test(e)).map(Number)]
          : [...shape.enum]
        : undefined;
      return annotate({ type: types, ...(values ? { enum: values } : {}) });
    }
    case 'integer':
      return annotate({ type: 'integer', minimum: shape.minimum, maximum: shape.maximum });
    case 'boolean':
      return annotate({ type: 'boolean' });
    case 'list':
      return annotate({ type: 'array', items: build(shape.items, defs) });
    case 'map':
      return annotate({ type: 'object', additionalProperties: build(shape.values, defs) });
    case 'either':
      return annotate({ oneOf: [build(shape.scalar, defs), build(shape.mapping, defs)] });
    case 'object': {
      if (!defs.has(shape.name)) {
        defs.set(shape.name, {});
        defs.set(shape.name, objectSchema(shape, defs));
      }
      return annotate({ $ref: `#/$defs/${shape.name}` });
    }
  }
}

function objectSchema(shape: ObjectShape, defs: Map<string, JsonSchema>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [k, v] of Object.entries(shape.fields)) properties[k] = build(v, defs);
  return {
    type: 'object',
    description: shape.description,
    properties,
    ...(shape.required?.length ? { required: [...shape.required] } : {}),
    additionalProperties: false,
  };
}

/** The whole schema, `$defs` sorted by name. */
export function apkoConfigJsonSchema(): JsonSchema {
  const defs = new Map<string, JsonSchema>();
  const root = objectSchema(APKO_CONFIG_SHAPE, defs);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: APKO_CONFIG_SCHEMA_ID,
    title: 'apko image configuration',
    ...root,
    $defs: Object.fromEntries([...defs].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}
