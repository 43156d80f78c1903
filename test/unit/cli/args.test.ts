import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandHelp, parse, withHelp } from '../../../src/cli/args.js';
import { setOnly, setPaths } from '../../../src/cli/commands/common/set-only.js';

const spec = {
  output: { type: 'string', short: 'o', arg: 'FILE', help: 'where to write\n(default: stdout)' },
  'mirror-repository-append': {
    type: 'string',
    short: 'm',
    multiple: true,
    arg: 'URL',
    help: 'a mirror to try first',
  },
  json: { type: 'boolean', help: 'print JSON' },
} as const;

test('the options table: spec order, a column three past the widest short name, continuation lines under it', () => {
  assert.equal(
    commandHelp('Usage: lupine x [options]\n\nDoes x.\n', spec, 'Examples:\n  lupine x -o f\n'),
    `Usage: lupine x [options]

Does x.

Options:
  -o, --output FILE   where to write
                      (default: stdout)
  -m, --mirror-repository-append URL  a mirror to try first
  --json              print JSON
  -h, --help          show this help

Examples:
  lupine x -o f
`,
  );
});

test('parse ignores the help fields; withHelp replaces one description and keeps the rest', () => {
  const r = parse(['-o', 'f', '--json', '-m', 'r1', 'pos'], spec, 'x');
  assert.deepEqual({ ...r.values }, { output: 'f', json: true, 'mirror-repository-append': ['r1'] });
  assert.deepEqual(r.positionals, ['pos']);
  const other = withHelp(spec, { json: 'print one JSON object' });
  assert.equal(other.json.help, 'print one JSON object');
  assert.equal(other.output.help, spec.output.help);
  assert.equal(spec.json.help, 'print JSON');
});

test('setOnly keeps the set values (0 and false included), setPaths resolves them against the cwd', () => {
  assert.deepEqual(setOnly({ a: 'x', b: undefined, c: '', d: 0, e: false }), { a: 'x', d: 0, e: false });
  assert.deepEqual(setPaths('/w', { key: 'k.rsa', log: undefined, abs: '/etc/x', none: '' }), {
    key: '/w/k.rsa',
    abs: '/etc/x',
  });
});
