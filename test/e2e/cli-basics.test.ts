import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { runCli, spawnCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';

test('lupine --help lists commands and exits 0', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: lupine <command>/);
});

test('an unknown command is a usage error with a hint', async () => {
  const r = await runCli(['no-such-command']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'no-such-command'/);
  assert.match(r.stderr, /hint:/);
});

test('bin/lupine runs as a process', () => {
  const r = spawnCli(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^lupine \d+\.\d+\.\d+\n$/);
});

test('every registered command loads, agrees with its registry row, and has --help', async () => {
  const { commands } = await import('../../src/cli/commands/index.js');
  assert.ok(commands.length >= 10);
  for (const entry of commands) {
    const c = await entry.load();
    assert.deepEqual(c.path, entry.path, `registry path of ${entry.path.join(' ')}`);
    assert.equal(c.summary, entry.summary, `registry summary of ${entry.path.join(' ')}`);
    const r = await runCli([...entry.path, '--help']);
    assert.equal(r.code, 0, `${entry.path.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, /usage/i, `${entry.path.join(' ')} --help prints a usage line`);
  }
});

test("the library entry point: `import { … } from 'lupine'` gives the public API", () => {
  const names = ['main', 'LupineError', 'readPackage', 'writePackage', 'solve', 'resolveAndInstall', 'buildImage'];
  const code = `const m = await import('lupine'); console.log(${JSON.stringify(names)}.map((n) => typeof m[n]).join(' '));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), names.map(() => 'function').join(' '));
});
