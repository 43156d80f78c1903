import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEPMASK_ANY,
  DEPMASK_CHECKSUM,
  dependencyMatches,
  formatDependency,
  makeDependency,
  parseDependency,
  parseDependencyList,
  tryParseDependency,
  VERSION_EQUAL,
  VERSION_FUZZY,
  VERSION_GREATER,
  VERSION_LESS,
} from '../../../src/apk/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';

test('parses name, conflict, tag, operator and version', () => {
  assert.deepEqual(parseDependency('foo'), {
    name: 'foo',
    conflict: false,
    tag: '',
    mask: DEPMASK_ANY,
    version: null,
    broken: false,
  });
  const d = parseDependency('!bar@edge>=1.2-r3');
  assert.equal(d.name, 'bar');
  assert.equal(d.conflict, true);
  assert.equal(d.tag, 'edge');
  assert.equal(d.mask, VERSION_GREATER | VERSION_EQUAL);
  assert.equal(d.version, '1.2-r3');
  assert.equal(parseDependency('a<2').mask, VERSION_LESS);
  assert.equal(parseDependency('a~2').mask, VERSION_EQUAL | VERSION_FUZZY);
  assert.equal(parseDependency('so:libc.musl-x86_64.so.1').name, 'so:libc.musl-x86_64.so.1');
  assert.equal(parseDependency('pc:zlib>=1.2').name, 'pc:zlib');
  assert.equal(parseDependency('/bin/sh').name, '/bin/sh');
});

test('identity pins name><Q1… match by C: only', () => {
  const d = parseDependency('foo><Q1LLq2qDNrS/qRnhxQ3hsY/sHbQnc=');
  assert.equal(d.mask, DEPMASK_CHECKSUM);
  assert.equal(formatDependency(d), 'foo><Q1LLq2qDNrS/qRnhxQ3hsY/sHbQnc=');
  assert.equal(dependencyMatches(d, true, '1.0', 'Q1LLq2qDNrS/qRnhxQ3hsY/sHbQnc='), true);
  assert.equal(dependencyMatches(d, true, '1.0', 'Q1other'), false);
});

test('bad world dependencies fail with apk’s message', () => {
  for (const bad of ['foo=', 'foo=invalid', '=1', '', '!']) {
    const err = assertCodeSync(() => parseDependency(bad), 'APK_BAD_DEPENDENCY');
    assert.equal(err.message, `'${bad}' is not a valid world dependency, format is name(@tag)([<>~=]version)`);
  }
  const child = assertCodeSync(() => parseDependency('foo@edge', 'child'), 'APK_BAD_DEPENDENCY');
  assert.match(child.message, /not a valid child dependency, format is name\(\[<>~=\]version\)/);
});

test('an invalid version in a list is kept as a broken dependency', () => {
  const deps = parseDependencyList('a b=invalid\nc>=1  d');
  assert.deepEqual(
    deps.map((d) => [d.name, d.broken]),
    [
      ['a', false],
      ['b', true],
      ['c', false],
      ['d', false],
    ],
  );
  assert.equal(tryParseDependency('x='), undefined);
  assertCodeSync(() => parseDependencyList('a x= b'), 'APK_BAD_DEPENDENCY');
});

test('formats back to apk text', () => {
  for (const s of ['foo', '!foo', 'foo@edge', 'foo>=1.2', 'foo<2', 'foo~1.2', 'foo=1-r0', 'foo@t>1']) {
    assert.equal(formatDependency(parseDependency(s)), s);
  }
  assert.equal(formatDependency(makeDependency('x', { op: '>=', version: '3' })), 'x>=3');
});

test('matching: unversioned provides never satisfy versioned deps; conflicts invert', () => {
  const any = parseDependency('foo');
  const ge2 = parseDependency('foo>=2');
  const not2 = parseDependency('!foo>=2');
  const notAny = parseDependency('!foo');
  assert.equal(dependencyMatches(any, true, null), true);
  assert.equal(dependencyMatches(ge2, true, null), false);
  assert.equal(dependencyMatches(ge2, true, '2'), true);
  assert.equal(dependencyMatches(ge2, true, '1.9'), false);
  assert.equal(dependencyMatches(ge2, false, null), false);
  assert.equal(dependencyMatches(not2, true, '1'), true);
  assert.equal(dependencyMatches(not2, true, '3'), false);
  assert.equal(dependencyMatches(notAny, false, null), true);
  assert.equal(dependencyMatches(notAny, true, '1'), false);
  assert.equal(dependencyMatches(parseDependency('foo~1.2'), true, '1.2.9'), true);
  assert.equal(dependencyMatches(parseDependency('foo~1.2'), true, '1.3'), false);
});
