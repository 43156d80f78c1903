/**
 * A JSON Schema (draft 2020-12) generated from a config `Shape`: the same description the parser
 * checks against, so the published schema and the parser cannot drift apart. Every property
 * carries a description for editors; object shapes become `$defs` entries by name.
 */
import type { ObjectShape, Shape } from './config-shape.js';
import { InternalError } from './errors.js';

export type JsonSchema = Record<string, unknown>;

interface Generation {
  readonly defs: Map<string, JsonSchema>;
  /** Which fields object each `$defs` name came from (names must be unique). */
  readonly owners: Map<string, unknown>;
  readonly nullable: boolean;
}

export interface ShapeSchemaOptions {
  readonly id: string;
  readonly title: string;
  /**
   * Accept null wherever a value is expected, as Go's yaml.v3 does (`runtime:` with nothing
   * after it decodes to an empty list). Off for apko's schema, which predates it.
   */
  readonly nullable?: boolean;
}

function build(shape: Shape, g: Generation): JsonSchema {
  const { defs, owners, nullable } = g;
  const annotate = (s: JsonSchema): JsonSchema => {
    let body = s;
    if (nullable && typeof s.type === 'string') body = { ...s, type: [s.type, 'null'] };
    else if (nullable && Array.isArray(s.type)) body = { ...s, type: [...(s.type as string[]), 'null'] };
    else if (nullable && (s.$ref !== undefined || s.oneOf !== undefined)) body = { anyOf: [s, { type: 'null' }] };
    if (nullable && Array.isArray(body.enum)) body = { ...body, enum: [...(body.enum as unknown[]), null] };
    return { ...body, description: shape.description, ...(shape.deprecated ? { deprecated: true } : {}) };
  };
  const sub = (x: Shape) => build(x, g);
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
      return annotate({ type: 'array', items: sub(shape.items) });
    case 'map':
      return annotate({ type: 'object', additionalProperties: sub(shape.values) });
    case 'either':
      return annotate({ oneOf: [sub(shape.scalar), sub(shape.mapping)] });
    case 'object': {
      const owner = owners.get(shape.name);
      if (owner !== undefined && owner !== shape.fields) {
        throw new InternalError(`two different object shapes are both named ${shape.name}`);
      }
      owners.set(shape.name, shape.fields);
      if (!defs.has(shape.name)) {
        defs.set(shape.name, {});
        defs.set(shape.name, objectSchema(shape, g));
      }
      return annotate({ $ref: `#/$defs/${shape.name}` });
    }
  }
}

function objectSchema(shape: ObjectShape, g: Generation): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [k, v] of Object.entries(shape.fields)) properties[k] = build(v, g);
  return {
    type: 'object',
    description: shape.description,
    properties,
    ...(shape.required?.length ? { required: [...shape.required] } : {}),
    additionalProperties: false,
  };
}

/** The whole schema for a root object shape, `$defs` sorted by name. */
export function shapeJsonSchema(root: ObjectShape, meta: ShapeSchemaOptions): JsonSchema {
  const defs = new Map<string, JsonSchema>();
  const top = objectSchema(root, {
    defs,
    owners: new Map([[root.name, root.fields]]),
    nullable: meta.nullable ?? false,
  });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: meta.id,
    title: meta.title,
    ...top,
    $defs: Object.fromEntries([...defs].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}
