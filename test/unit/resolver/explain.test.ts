import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainConflict, IndentedWriter } from '../../../src/resolver/index.js';

test('items wrap at 50 columns under their label, like apk_print_indented', () => {
  const text = explainConflict({
    errors: 1,
    stanzas: [
      {
        title: 'conflicted-provider (virtual)',
        lines: [
          {
            label: 'note:',
            items: "please select one of the 'provided by' packages explicitly".split(' '),
            words: true,
          },
          { label: 'provided by:', items: ['conflicted-provider-a', 'conflicted-provider-b'] },
          { label: 'required by:', items: ['world[conflicted-provider]'] },
        ],
      },
    ],
  });
  assert.equal(
    text,
    [
      'ERROR: unable to select packages:',
      '  conflicted-provider (virtual):',
      "    note: please select one of the 'provided by'",
      '          packages explicitly',
      '    provided by: conflicted-provider-a',
      '                 conflicted-provider-b',
      '    required by: world[conflicted-provider]',
      '',
    ].join('\n'),
  );
});

test('a wider terminal wraps later; an empty report says so', () => {
  const stanza = {
    title: 'x-1',
    lines: [{ label: 'satisfies:', items: ['a-1[x]', 'b-1[x]', 'c-1[x]', 'd-1[x]', 'e-1[x]'] }],
  };
  assert.equal(
    explainConflict({ errors: 1, stanzas: [stanza] }, 30)
      .split('\n')
      .slice(2)
      .join('\n'),
    '    satisfies: a-1[x] b-1[x]\n               c-1[x] d-1[x]\n               e-1[x]\n',
  );
  assert.equal(
    explainConflict({ errors: 1, stanzas: [] }),
    'ERROR: unable to select packages:\nHuh? Error reporter did not find the broken constraints.\n',
  );
});

test('IndentedWriter aligns the first item one column after the group text', () => {
  const w = new IndentedWriter();
  w.group('  name:');
  w.item('a');
  w.item('b');
  w.end();
  assert.equal(w.text(), '  name: a b\n');
});
