import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { compareVersions, isValidVersion, versionMatches } from '../../../src/apk/index.js';
import { vector } from '../../helpers/paths.js';

interface Case {
  line: number;
  text: string;
  check: () => void;
}

/** Every data line of apk-tools 2.14's test/version.data: `A op B`, `A !op B`, `V` or `!V`. */
function loadCases(): Case[] {
  const lines = readFileSync(vector('apk-version.data'), 'utf8').split('\n');
  const cases: Case[] = [];
  lines.forEach((raw, i) => {
    const text = raw.replace(/#.*$/, '').trim();
    if (text === '') return;
    const parts = text.split(/\s+/);
    if (parts.length === 1) {
      const v = parts[0] as string;
      const want = !v.startsWith('!');
      const ver = want ? v : v.slice(1);
      cases.push({ line: i + 1, text, check: () => assert.equal(isValidVersion(ver), want, `${text}`) });
      return;
    }
    const [a, op, b] = parts as [string, string, string];
    const negate = op.startsWith('!');
    const o = negate ? op.slice(1) : op;
    cases.push({
      line: i + 1,
      text,
      check: () => {
        if (o === '<' || o === '=' || o === '>') {
          const got = compareVersions(a, b);
          const want = o === '<' ? -1 : o === '=' ? 0 : 1;
          if (negate) assert.notEqual(got, want, text);
          else assert.equal(got, want, text);
        } else {
          assert.equal(versionMatches(a, o, b), !negate, text);
        }
      },
    });
  });
  return cases;
}

const cases = loadCases();

test('apk-version.data has 733 cases', () => {
  assert.equal(cases.length, 733);
});

test('every apk-version.data line holds under 2.14 rules', () => {
  const failed: string[] = [];
  for (const c of cases) {
    try {
      c.check();
    } catch {
      failed.push(`line ${c.line}: ${c.text}`);
    }
  }
  assert.deepEqual(failed, [], `${cases.length - failed.length}/${cases.length} pass`);
});

test('2.x specifics: leading zeros, fuzzy prefix, lenient validity', () => {
  assert.equal(compareVersions('8.2.0', '8.2.001'), 1);
  assert.equal(compareVersions('1.0_alpha', '1.0'), -1);
  assert.equal(compareVersions('1.0', '1.0_p1'), -1);
  assert.equal(compareVersions('0.1.0_alpha_pre2', '0.1.0_alpha'), -1);
  assert.equal(compareVersions('1.0_foo', '1.0'), -1);
  assert.equal(versionMatches('3.6.9', '~', '3.6'), true);
  assert.equal(versionMatches('3.8', '~', '3.8.1'), true);
  assert.equal(versionMatches('1', '~', '1.2'), true);
  assert.equal(versionMatches('3.7', '~', '3.6'), false);
  assert.equal(versionMatches('2', '>=', '2'), true);
  assert.equal(versionMatches('2', '<', '2'), false);
  assert.equal(isValidVersion(''), true);
  assert.equal(isValidVersion('1.2.3-r4'), true);
  assert.equal(isValidVersion('1.2_rc1'), true);
  assert.equal(isValidVersion('invalid'), false);
  assert.equal(isValidVersion('1.0-x'), false);
});
