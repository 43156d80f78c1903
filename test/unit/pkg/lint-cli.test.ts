import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, spawnCli } from '../../helpers/cli.js';
import { assertGolden } from '../../helpers/golden.js';
import { vectorsDir } from '../../helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'lupine-pkg-lint-'));
after(() => rmSync(work, { recursive: true, force: true }));
const pkgDir = join(work, 'melange-out', 'foo');

before(() => {
  mkdirSync(join(pkgDir, 'usr/bin'), { recursive: true });
  mkdirSync(join(pkgDir, 'usr/local/share'), { recursive: true });
  writeFileSync(join(pkgDir, 'usr/bin/foo'), '#!/bin/sh\necho foo\n');
  chmodSync(join(pkgDir, 'usr/bin/foo'), 0o777);
  writeFileSync(join(pkgDir, 'usr/local/share/data'), 'x');
});

describe('lupine pkg lint', () => {
  it('fails a directory with a world-writable file (exit 1), naming linter and path', async () => {
    const r = await runCli(['pkg', 'lint', 'melange-out/foo'], { cwd: work });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, '');
    assert.equal(
      r.stdout,
      [
        'melange-out/foo (foo):',
        'warning: [usrlocal] foo contains /usr/local path in non-compat package',
        '  usr/local/share/data',
        '  → This package should be a -compat package',
        'error: [worldwrite] foo contains 1 world-writeable file',
        '  usr/bin/foo',
        '  → Change the permissions of any permissive files in the package, disable the linter, or make this a -compat package',
        'foo: 1 error, 1 warning',
        '',
      ].join('\n'),
    );
  });

  it('--disable downgrades to a warning (exit 0); --enable makes a warning fail', async () => {
    const off = await runCli(['pkg', 'lint', '--disable', 'worldwrite', pkgDir]);
    assert.equal(off.code, 0);
    assert.match(off.stdout, /warning: \[worldwrite\]/);
    const on = await runCli(['pkg', 'lint', '--disable', 'worldwrite', '--enable', 'usrlocal', pkgDir]);
    assert.equal(on.code, 1);
    assert.match(on.stdout, /error: \[usrlocal\]/);
  });

  it('--json', async () => {
    const r = await runCli(['pkg', 'lint', '--json', '--name', 'bar', pkgDir]);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout) as {
      results: { package: string; failed: boolean; findings: { linter: string; paths: string[] }[] }[];
    };
    assert.equal(doc.results[0]?.package, 'bar');
    assert.equal(doc.results[0]?.failed, true);
    assert.deepEqual(
      doc.results[0]?.findings.map((f) => [f.linter, f.paths]),
      [
        ['usrlocal', ['usr/local/share/data']],
        ['worldwrite', ['usr/bin/foo']],
      ],
    );
  });

  it('lints the real .apk vectors', async () => {
    const r = await runCli(
      [
        'pkg',
        'lint',
        'apk/alpine-baselayout-3.2.0-r23.apk',
        'apk/hello-0.1.0-r0.apk',
        'apk/pretend-baselayout-1.0.0-r0.apk',
      ],
      { cwd: vectorsDir },
    );
    assert.equal(r.code, 1); // alpine-baselayout predates usrmerge
    assertGolden('build/pkg-lint-vectors.txt', r.stdout);
  });

  it('usage and unknown linters', async () => {
    const none = await runCli(['pkg', 'lint']);
    assert.equal(none.code, 2);
    const unknown = await runCli(['pkg', 'lint', '--disable', 'nope', pkgDir]);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /BUILD_LINT_UNKNOWN/);
    const spawned = spawnCli(['pkg', 'lint', pkgDir]);
    assert.equal(spawned.code, 1);
    assert.match(spawned.stdout, /\[worldwrite\]/);
  });
});
