/** What a generated config JSON Schema leaves undescribed (the schema tests of image and pkg). */
import type { JsonSchema } from '../../src/core/index.js';

/** Every property, at any depth of the schema and its `$defs`, without a description: `where.name` each. */
export function undescribedProperties(schema: JsonSchema): string[] {
  const missing: string[] = [];
  const walk = (s: unknown, where: string): void => {
    if (!s || typeof s !== 'object') return;
    const o = s as Record<string, unknown>;
    for (const [k, v] of Object.entries((o.properties ?? {}) as Record<string, JsonSchema>)) {
      if (typeof v.description !== 'string' || v.description === '') missing.push(`${where}.${k}`);
      walk(v, `${where}.${k}`);
    }
    for (const k of ['items', 'additionalProperties']) walk(o[k], `${where}[${k}]`);
    for (const x of (o.oneOf ?? []) as unknown[]) walk(x, where);
  };
  walk(schema, '');
  for (const [name, def] of Object.entries((schema.$defs ?? {}) as Record<string, JsonSchema>)) walk(def, name);
  return missing;
}
