import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import type { JsonSchema } from '../../../src/core/index.js';
import { melangeConfigJsonSchema, parseRecipe } from '../../../src/pkg/index.js';
import { repoRoot, vector } from '../../helpers/paths.js';
import { undescribedProperties } from '../../helpers/schema-descriptions.js';

const schemaFile = join(repoRoot, 'schemas', 'melange-config.schema.json');
const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as JsonSchema;

const recipeFiles = ['examples', 'wolfi'].flatMap((d) =>
  readdirSync(vector('melange', d))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => vector('melange', d, f)),
);

/** An independent check of the schema itself: ajv's draft 2020-12 implementation, strict mode. */
const ajvValidate = new Ajv2020({ strict: true, allErrors: true, strictTypes: false }).compile(schema);

describe('schemas/melange-config.schema.json', () => {
  it('is exactly what the parser shape generates (they cannot drift apart)', () => {
    assert.deepEqual(schema, melangeConfigJsonSchema(), 'regenerate it from melangeConfigJsonSchema()');
  });

  it('describes every property', () => {
    assert.deepEqual(undescribedProperties(schema), []);
    assert.equal(schema.title, 'melange build recipe');
    for (const name of ['Package', 'Pipeline', 'Subpackage', 'Update', 'Test', 'ImageConfiguration']) {
      assert.ok((schema.$defs as Record<string, unknown>)[name], `$defs.${name}`);
    }
  });

  for (const file of recipeFiles) {
    it(`validates ${file.split('/vectors/')[1]}`, () => {
      const doc = parseYaml(readFileSync(file, 'utf8')) as unknown;
      // yaml.v3 reads numbers into string fields; JSON Schema sees the YAML numbers as numbers,
      // which the schema accepts wherever the shape does (anyScalar).
      assert.equal(ajvValidate(doc), true, JSON.stringify(ajvValidate.errors));
    });
  }

  it('rejects what the parser rejects: an unknown key and a wrong type', () => {
    const doc = { package: { name: 'x', version: '1', colour: 'red' }, pipeline: { runs: 'make' } };
    assert.equal(ajvValidate(doc), false);
    assert.deepEqual([...new Set((ajvValidate.errors ?? []).map((e) => e.instancePath))].sort(), [
      '/package',
      '/pipeline',
    ]);
    const parsed = parseRecipe('package:\n  name: x\n  version: "1"\n  colour: red\npipeline:\n  runs: make\n');
    assert.deepEqual(
      parsed.diagnostics.map((d) => d.code),
      ['BUILD_CONFIG_UNKNOWN_KEY', 'BUILD_CONFIG_TYPE'],
    );
  });
});
