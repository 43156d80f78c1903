import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyPackageInfo } from '../../../src/apk/index.js';
import { applyIndexField, parseApkIndexText } from '../../../src/repo/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';

test('numeric fields take ASCII digits only', () => {
  const rec = (s: string) => `P:a\nV:1\nS:${s}\n\n`;
  assert.equal(parseApkIndexText(rec('1234'))[0]?.size, 1234);
  for (const bad of ['', '12a', '-1', '1.5', ' 1', '\u0661']) {
    assertCodeSync(() => parseApkIndexText(rec(bad)), 'INDEX_MALFORMED');
  }
});

test('every index letter lands in its field; unknown letters mark or are ignored', () => {
  const text = [
    'C:Q1abc=',
    'P:foo',
    'V:1.0-r0',
    'A:aarch64',
    'S:10',
    'I:20',
    'T:desc',
    'U:https://x',
    'L:MIT',
    'o:origin',
    'm:me',
    't:99',
    'c:abc',
    'k:5',
    'D:a  b',
    'p:x=1 y',
    'i:z',
    'z:ignored',
    '',
    'P:bar',
    'V:2',
    'Z:unknown',
    '',
  ].join('\n');
  const [foo, bar] = parseApkIndexText(text);
  assert.deepEqual(
    [foo?.identity, foo?.name, foo?.version, foo?.arch, foo?.size, foo?.installedSize, foo?.description],
    ['Q1abc=', 'foo', '1.0-r0', 'aarch64', 10, 20, 'desc'],
  );
  assert.deepEqual(
    [foo?.url, foo?.license, foo?.origin, foo?.maintainer, foo?.buildTime, foo?.commit, foo?.providerPriority],
    ['https://x', 'MIT', 'origin', 'me', 99, 'abc', 5],
  );
  assert.deepEqual([foo?.depends, foo?.provides, foo?.installIf], [['a', 'b'], ['x=1', 'y'], ['z']]);
  assert.equal(foo?.uninstallable, undefined);
  assert.equal(bar?.uninstallable, true);
});

test('applyIndexField answers false for keys that are not one index letter', () => {
  const p = emptyPackageInfo();
  assert.equal(applyIndexField(p, 'PP', 'x', 1, 's'), false);
  assert.equal(applyIndexField(p, 'r', 'x', 1, 's'), false);
  assert.equal(applyIndexField(p, 'P', 'x', 1, 's'), true);
  assert.equal(p.name, 'x');
});
