import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from './paths.js';

/**
 * Compares `actual` with test/golden/<name>. With UPDATE_GOLDEN=1 the file is rewritten instead;
 * read the diff before committing.
 */
export function assertGolden(name: string, actual: string): void {
  const file = join(repoRoot, 'test', 'golden', name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(file, 'utf8');
  } catch {
    assert.fail(`golden file test/golden/${name} is missing; run UPDATE_GOLDEN=1 npm test and review it`);
  }
  assert.equal(actual, expected, `output differs from test/golden/${name} (UPDATE_GOLDEN=1 rewrites it)`);
}
