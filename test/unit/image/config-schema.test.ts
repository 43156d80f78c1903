import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import {
  apkoConfigJsonSchema,
  type JsonSchema,
  parseImageConfig,
  renderDiagnostics,
} from '../../../src/image/index.js';
import { repoRoot, vector } from '../../helpers/paths.js';
import { undescribedProperties } from '../../helpers/schema-descriptions.js';

const schemaFile = join(repoRoot, 'schemas', 'apko-config.schema.json');
const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as JsonSchema;

const vectorFiles = [
  ...readdirSync(vector('apko', 'examples'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => vector('apko', 'examples', f)),
  ...['apko.yaml', 'layering.yaml', 'apko-certs.yaml'].map((f) => vector('apko', 'golden-testdata', f)),
];

/** An independent check of the schema itself: ajv's draft 2020-12 implementation, strict mode. */
const ajvValidate = new Ajv2020({ strict: true, allErrors: true, strictTypes: false }).compile(schema);

describe('schemas/apko-config.schema.json', () => {
  it('is exactly what the parser shape generates (they cannot drift apart)', () => {
    assert.deepEqual(schema, apkoConfigJsonSchema(), 'regenerate it from apkoConfigJsonSchema()');
  });

  it('describes every property', () => {
    assert.deepEqual(undescribedProperties(schema), []);
    assert.ok(Object.keys(schema.$defs as object).length >= 15);
  });

  for (const file of vectorFiles) {
    it(`validates ${file.split('/vectors/')[1]}`, () => {
      const doc = parseYaml(readFileSync(file, 'utf8')) as unknown;
      assert.equal(ajvValidate(doc), true, JSON.stringify(ajvValidate.errors));
    });
  }
});

describe('the parser and the schema agree', () => {
  const bad = [
    'pakages: [a]',
    'contents: {pakages: [a]}',
    'cmd: [a]',
    'cmd: 42',
    'contents: {packages: busybox}',
    'contents: {packages: [[a]]}',
    'contents: {keyring: [{name: k}]}',
    'contents: {keyring: [42]}',
    'contents: {runtime_keyring: [https://x/k.pub]}',
    'contents: {baseimage: {image: ./base}}',
    'accounts: {users: [{username: a, uid: "1"}]}',
    'accounts: {users: [{username: a}]}',
    'accounts: {users: [{username: a, uid: -1}]}',
    'accounts: {recursive: true}',
    'accounts: {groups: [{gid: 1}]}',
    'archs: [amd46]',
    'archs: x86_64',
    'environment: [A=1]',
    'environment: {A: [1]}',
    'paths: [{path: /a}]',
    'paths: [{path: /a, type: dir}]',
    'paths: [{path: /a, type: directory, permissions: 0o17777}]',
    'paths: [{path: /a, type: directory, recursive: {}}]',
    'entrypoint: {type: service}',
    'entrypoint: /bin/sh',
    'layering: {strategy: orign}',
    'layering: {strategy: origin, budget: 0}',
    'certificates: {additional: [{content: x}]}',
    'volumes: /data',
    'include: [a.yaml]',
  ];
  const good = [
    '{}',
    'archs: [386, amd64, arm/v7, x86_64, all]',
    'environment: {PORT: 8080, DEBUG: true, EMPTY: ""}',
    'accounts: {run-as: 65532}',
    'contents: {keyring: [k.pub, {name: m.pub, content: "-----BEGIN PUBLIC KEY-----\\nAA\\n-----END PUBLIC KEY-----"}]}',
    'paths: [{path: /a, type: directory, permissions: 0o755, uid: 1, gid: 2, recursive: true}]',
    'layering: {}',
    'stop-signal: 15',
  ];
  for (const yaml of bad) {
    it(`both reject: ${yaml}`, () => {
      const errors = parseImageConfig(yaml).diagnostics.filter((d) => d.severity === 'error');
      assert.ok(errors.length > 0, 'parser accepted it');
      const doc = parseYaml(yaml) as unknown;
      assert.equal(ajvValidate(doc), false, 'ajv accepted it');
    });
  }
  for (const yaml of good) {
    it(`both accept: ${yaml}`, () => {
      const r = parseImageConfig(yaml);
      assert.equal(renderDiagnostics(r.diagnostics.filter((d) => d.severity === 'error')), '');
      const doc = parseYaml(yaml) as unknown;
      assert.equal(ajvValidate(doc), true, JSON.stringify(ajvValidate.errors));
    });
  }
});
