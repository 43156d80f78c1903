/**
 * Issue 13: scalars are decoded as melange's Go YAML decoder (yaml.v3) does: a number or boolean
 * where a string is expected is its source text (`tag-filter: 1.` is "1.", `version: 1.10` is
 * "1.10", `jobs: 2` is "2"), never a type error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile, flatten } from './compile-text.js';

const header = (name: string, version: string) => `package:
  name: ${name}
  version: ${version}
  epoch: 0
  description: test
  copyright:
    - license: MIT
`;

describe('YAML scalars where melange expects strings (issue 13)', () => {
  it('reads unquoted numbers and booleans where melange expects strings as their source text', async () => {
    const recipe = await compile(`${header('numbers', '1.10')}  url: 2.0
pipeline:
  - name: 3.14
    runs: echo \${{package.version}}
update:
  enabled: true
  git:
    tag-filter: 1.
    strip-prefix: 0.
  ignore-regex-patterns:
    - 1.5
`);
    assert.equal(recipe.version, '1.10');
    assert.equal(recipe.fullVersion, '1.10-r0');
    assert.equal(recipe.packages[0]?.url, '2.0');
    const step = flatten(recipe.packages[0]?.pipeline ?? [])[0];
    assert.equal(step?.name, '3.14');
    assert.match(step?.runs ?? '', /echo 1\.10/);
    const git = (recipe.update as { git?: Record<string, unknown> }).git;
    assert.equal(git?.['tag-filter'], '1.');
    assert.equal(git?.['strip-prefix'], '0.');
    assert.deepEqual((recipe.update as Record<string, unknown>)['ignore-regex-patterns'], ['1.5']);
  });
});
