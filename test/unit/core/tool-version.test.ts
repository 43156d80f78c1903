import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { captureIo, main } from '../../../src/cli/index.js';
import { hasUrlScheme, isHttpUrl, TOOL_VERSION } from '../../../src/core/index.js';
import { repoRoot } from '../../helpers/paths.js';

test("the tool version is package.json's, and `lupine --version` prints it", async () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  assert.equal(TOOL_VERSION, pkg.version);
  const io = captureIo({}, repoRoot);
  assert.equal(await main(['--version'], io), 0);
  assert.equal(io.out(), `lupine ${pkg.version}\n`);
});

test('URL classification: a scheme versus a network fetch', () => {
  for (const [s, scheme, http] of [
    ['https://example.test/x', true, true],
    ['HTTP://example.test/x', true, true],
    ['file:///tmp/k.pub', true, false],
    ['oci://r/x', true, false],
    ['./keys/k.pub', false, false],
    ['/abs/k.pub', false, false],
    ['C:/x', false, false],
  ] as const) {
    assert.equal(hasUrlScheme(s), scheme, s);
    assert.equal(isHttpUrl(s), http, s);
  }
});
