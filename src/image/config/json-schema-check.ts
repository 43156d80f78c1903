export { type SchemaError, validateJsonSchema } from '../../core/index.js';
