import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compareDpkgVersions, dpkgVersionProblem, parseDebianTracker, parseOsv } from '../../../src/scan/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';

const CASES = vector('advisories', 'dpkg-versions', 'cases.txt');

function cases(): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (const line of readFileSync(CASES, 'utf8').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = /^(\S+) ([<=>]) (\S+)$/.exec(line.trim());
    assert.ok(m, `unreadable case line: ${line}`);
    out.push([m[1] as string, m[2] as string, m[3] as string]);
  }
  return out;
}

const sign = (n: number) => (n < 0 ? '<' : n > 0 ? '>' : '=');

/** mulberry32: a small seeded generator, so the sample is the same every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomVersion(rnd: () => number): string {
  const pick = (s: string) => s[Math.floor(rnd() * s.length)] as string;
  const run = (alphabet: string, max: number) =>
    Array.from({ length: 1 + Math.floor(rnd() * max) }, () => pick(alphabet)).join('');
  const epoch = rnd() < 0.2 ? `${Math.floor(rnd() * 3)}:` : '';
  const upstream = `${pick('0123456789')}${run('0123456789.ab+~z', 6)}`;
  const revision = rnd() < 0.7 ? `-${run('0123456789.+~bdeu', 5)}` : '';
  return `${epoch}${upstream}${revision}`;
}

function dpkgSays(a: string, b: string): string {
  const rel = (op: string) => spawnSync('dpkg', ['--compare-versions', a, op, b]).status === 0;
  return rel('lt') ? '<' : rel('eq') ? '=' : '>';
}

describe('Debian version ordering (dpkg --compare-versions)', () => {
  it('all 329 cases of vectors/advisories/dpkg-versions/cases.txt', () => {
    const all = cases();
    assert.equal(all.length, 329);
    const wrong = all.filter(([a, op, b]) => sign(compareDpkgVersions(a, b)) !== op).map((c) => c.join(' '));
    assert.deepEqual(wrong, []);
    // Antisymmetry on the same cases.
    for (const [a, , b] of all) assert.equal(sign(compareDpkgVersions(a, b)), sign(-compareDpkgVersions(b, a)));
  });

  const dpkg = spawnSync('dpkg', ['--version']).status === 0;
  it('a seeded random sample agrees with the real dpkg --compare-versions', {
    skip: !dpkg && 'dpkg is not installed',
  }, () => {
    const rnd = prng(20261207);
    const pool = cases()
      .flatMap(([a, , b]) => [a, b])
      .filter((v) => /^(\d+:)?\d/.test(v));
    const wrong: string[] = [];
    for (let i = 0; i < 150; i++) {
      const a = rnd() < 0.3 ? (pool[Math.floor(rnd() * pool.length)] as string) : randomVersion(rnd);
      const b = rnd() < 0.3 ? (pool[Math.floor(rnd() * pool.length)] as string) : randomVersion(rnd);
      const want = dpkgSays(a, b);
      if (sign(compareDpkgVersions(a, b)) !== want) wrong.push(`${a} ${want} ${b}`);
    }
    assert.deepEqual(wrong, []);
  });
});

describe('invalid Debian versions are refused as dpkg refuses them (review item 10)', () => {
  // [version, what dpkg says]: an error (dpkg --compare-versions exits 2), or a bad-syntax warning.
  const BAD: ReadonlyArray<readonly [string, 'error' | 'warning', string]> = [
    ['', 'error', 'version string is empty'],
    ['1.0 2', 'error', 'version string has embedded spaces'],
    [':1.0', 'error', 'epoch in version is empty'],
    ['a:1.0', 'error', 'epoch in version is empty'],
    ['1a:1.0', 'error', 'epoch in version is not number'],
    ['-1:1.0', 'error', 'epoch in version is negative'],
    ['99999999999:1.0', 'error', 'epoch in version is too big'],
    ['1:', 'error', 'nothing after colon in version number'],
    ['1.0-', 'error', 'revision number is empty'],
    ['-1', 'error', 'version number is empty'],
    ['abc', 'warning', 'version number does not start with digit'],
    ['1.0_2', 'warning', 'invalid character in version number'],
    ['1.0-1:2', 'error', 'epoch in version is not number'],
    ['1.0-1_2', 'warning', 'invalid character in revision number'],
  ];
  it('errors throw SCAN_BAD_VERSION from the comparator; warnings compare, and are named', () => {
    for (const [v, kind, message] of BAD) {
      const p = dpkgVersionProblem(v);
      assert.equal(kind === 'error' ? p.error : p.warning, message, `'${v}'`);
      if (kind === 'error') {
        const e = assertCodeSync(() => compareDpkgVersions(v, '1.0'), 'SCAN_BAD_VERSION');
        assert.match(e.message, new RegExp(`has bad syntax: ${message}`));
      } else assert.equal(typeof compareDpkgVersions(v, '1.0'), 'number');
    }
    assert.deepEqual(dpkgVersionProblem('1:2.3~rc1-4+deb12u1'), { error: '', warning: '' });
  });

  const dpkg = spawnSync('dpkg', ['--version']).status === 0;
  it('the same verdicts as the real dpkg --compare-versions', { skip: !dpkg && 'dpkg is not installed' }, () => {
    // dpkg compares an empty version as "none", and reads a leading '-' as an option.
    for (const [v, kind, message] of BAD.filter(([x]) => x !== '' && !x.startsWith('-'))) {
      const r = spawnSync('dpkg', ['--compare-versions', v, 'lt', '1.0'], { encoding: 'utf8' });
      assert.equal(r.status === 2, kind === 'error', `'${v}': ${r.stderr}`);
      assert.ok(r.stderr.includes(message), `'${v}': ${r.stderr}`);
    }
  });
});

describe('Debian advisory versions dpkg refuses are skipped with a warning, not compared', () => {
  it('tracker fixed_version and OSV Debian ranges', () => {
    const tracker = parseDebianTracker(
      {
        curl: {
          'CVE-1': { releases: { bookworm: { status: 'resolved', fixed_version: '1:', urgency: 'low' } } },
          'CVE-2': { releases: { bookworm: { status: 'resolved', fixed_version: '7.88.1-10', urgency: 'low' } } },
        },
      },
      't.json',
    );
    assert.deepEqual(
      tracker.entries.map((e) => e.id),
      ['CVE-2'],
    );
    assert.deepEqual(tracker.warnings, [
      "t.json: curl CVE-1 bookworm: version '1:' has bad syntax: nothing after colon in version number; skipped",
    ]);
    const osv = parseOsv(
      {
        id: 'DSA-1',
        modified: 'x',
        affected: [
          {
            package: { ecosystem: 'Debian:12', name: 'curl' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: 'x:1.0' }] }],
          },
        ],
      },
      'o.json',
    );
    assert.equal(osv.entries.length, 0);
    assert.match(osv.warnings[0] ?? '', /o\.json: DSA-1: affected\[0\] curl: version 'x:1\.0' has bad syntax/);
  });
});
