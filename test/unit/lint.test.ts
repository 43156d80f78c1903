import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';

// The lint and format checks run with the tests so that CI enforces them (`npm run check` runs them too).
const biome = join(repoRoot, 'node_modules', '.bin', 'biome');

function run(cmd: string, args: string[]) {
  return spawnSync(cmd, args, { cwd: repoRoot, encoding: 'utf8' });
}

test('biome lint finds nothing', () => {
  const r = run(biome, ['lint', '--colors=off', 'src', 'test', 'bench', 'scripts']);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});

test('biome format finds nothing to change', () => {
  const r = run(biome, ['format', '--colors=off', 'src', 'test', 'bench', 'scripts']);
  assert.equal(r.status, 0, `run 'npm run format'\n${r.stdout}\n${r.stderr}`);
});

test('module boundaries hold: process/console only in src/cli, no deep imports', () => {
  const r = run(process.execPath, [join(repoRoot, 'scripts', 'check-boundaries.mjs')]);
  assert.equal(r.status, 0, r.stderr);
});

test('no function in src/ is over 80 lines without a `// long: <reason>` comment above it', () => {
  const r = run(process.execPath, [join(repoRoot, 'scripts', 'check-function-length.mjs')]);
  assert.equal(r.status, 0, r.stderr);
});

test('the function-length check flags a long function, accepts a reasoned marker, refuses a bare one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lupine-fnlen-'));
  try {
    const body = Array.from({ length: 85 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const fn = (name: string) => `function ${name}(): void {\n${body}\n}\n`;
    const arrow = (name: string) => `const ${name} = (): void => {\n${body}\n};\n`;
    const method = (name: string) => `class C${name} {\n  ${name}(): void {\n${body}\n  }\n}\n`;
    writeFileSync(
      join(dir, 'a.ts'),
      [
        fn('plain'),
        arrow('arrowed'),
        method('methodical'),
        `// long: one case per header type, kept as one table\n${fn('reasoned')}`,
        `/** Doc. */\n// long:\n${fn('bare')}`,
        'function short(): void {\n  return;\n}\n',
      ].join('\n'),
    );
    const r = run(process.execPath, [join(repoRoot, 'scripts', 'check-function-length.mjs'), dir]);
    assert.equal(r.status, 1);
    const flagged = [...r.stderr.matchAll(/a\.ts:\d+: (\w+) is/g)].map((m) => m[1]);
    assert.deepEqual(flagged, ['plain', 'arrowed', 'methodical', 'bare']);
    assert.match(r.stderr, /bare is 87 lines and its '\/\/ long:' comment gives no reason/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
