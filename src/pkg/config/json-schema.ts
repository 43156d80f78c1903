/**
 * The JSON Schema of melange recipes, generated from the same shape the parser checks against;
 * `schemas/melange-config.schema.json` is this function's output (a test keeps them equal).
 */
import { type JsonSchema, shapeJsonSchema } from '../../core/index.js';
import { MELANGE_CONFIG_SHAPE } from './shape.js';

export const MELANGE_CONFIG_SCHEMA_ID = 'https://lupine.dev/schemas/melange-config.schema.json';

export function melangeConfigJsonSchema(): JsonSchema {
  return shapeJsonSchema(MELANGE_CONFIG_SHAPE, {
    id: MELANGE_CONFIG_SCHEMA_ID,
    title: 'melange build recipe',
    nullable: true,
  });
}
