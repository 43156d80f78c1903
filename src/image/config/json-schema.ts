/**
 * The JSON Schema (draft 2020-12) of the apko config, generated from the same shape the parser
 * checks against; `schemas/apko-config.schema.json` is this function's output (a test keeps them
 * equal).
 */
import { type JsonSchema, shapeJsonSchema } from '../../core/index.js';
import { APKO_CONFIG_SHAPE } from './shape.js';

export type { JsonSchema } from '../../core/index.js';

export const APKO_CONFIG_SCHEMA_ID = 'https://lupine.dev/schemas/apko-config.schema.json';

/** The whole schema, `$defs` sorted by name. */
export function apkoConfigJsonSchema(): JsonSchema {
  return shapeJsonSchema(APKO_CONFIG_SHAPE, { id: APKO_CONFIG_SCHEMA_ID, title: 'apko image configuration' });
}
