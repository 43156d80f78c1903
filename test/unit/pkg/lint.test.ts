import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  assertLintPassed,
  defaultLintSelection,
  type LintReport,
  linterNames,
  lintPackage,
  type PackageTree,
  type PackageTreeEntry,
  selectLinters,
} from '../../../src/pkg/index.js';
import { assertCode, assertCodeSync } from '../../helpers/assert-code.js';

const file = (path: string, data: Uint8Array | string = 'x', mode = 0o644): PackageTreeEntry => {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return { path, type: 'file', mode, size: bytes.length, content: () => bytes };
};
const tree = (name: string, ...entries: PackageTreeEntry[]): PackageTree => ({ name, version: '1.0-r0', entries });
const names = (r: LintReport, severity?: 'error' | 'warning') =>
  r.findings.filter((f) => severity === undefined || f.severity === severity).map((f) => f.linter);

const work = mkdtempSync(join(tmpdir(), 'lupine-lint-'));
after(() => rmSync(work, { recursive: true, force: true }));
let plainElf: Buffer;
let debugElf: Buffer;

before(() => {
  writeFileSync(join(work, 'm.c'), 'int main(void) { return 0; }\n');
  writeFileSync(join(work, 'notes'), 'debug info\n');
  execFileSync('gcc', ['-o', 'm', 'm.c'], { cwd: work });
  execFileSync('objcopy', ['--add-section', '.debug=notes', 'm', 'm-debug'], { cwd: work });
  plainElf = readFileSync(join(work, 'm'));
  debugElf = readFileSync(join(work, 'm-debug'));
});

describe('package linters', () => {
  it('has the default required and warning sets of the spec', () => {
    const d = defaultLintSelection();
    assert.deepEqual(d.require, [
      'dev',
      'infodir',
      'libtool',
      'setuidgid',
      'tempdir',
      'usrmerge',
      'varempty',
      'worldwrite',
    ]);
    assert.deepEqual(d.warn, [
      'binaryarch',
      'cudaruntimelib',
      'dll',
      'duplicate',
      'dylib',
      'lddcheck',
      'maninfo',
      'nonlinux',
      'object',
      'opt',
      'pkgconf',
      'python/docs',
      'python/multiple',
      'python/test',
      'sbom',
      'srv',
      'staticarchive',
      'strip',
      'unsupportedarch',
      'usrlocal',
    ]);
    assert.ok(linterNames().includes('empty') && linterNames().includes('documentation'));
  });

  it('fails a world-writable file, naming the linter and the path', async () => {
    const r = await lintPackage({
      tree: tree('foo', file('usr/bin/foo', '#!/bin/sh\n', 0o777), file('usr/share/foo/ok')),
    });
    assert.equal(r.failed, true);
    assert.deepEqual(r.findings, [
      {
        linter: 'worldwrite',
        severity: 'error',
        message: 'foo contains 1 world-writeable file',
        explain:
          'Change the permissions of any permissive files in the package, disable the linter, or make this a -compat package',
        paths: ['usr/bin/foo'],
      },
    ]);
    const err = assertCodeSync(() => assertLintPassed(r), 'BUILD_LINT_FAILED');
    assert.match(err.message, /linter "worldwrite" failed: foo contains 1 world-writeable file \(usr\/bin\/foo\)/);
  });

  it('checks.disabled downgrades a required linter to a warning', async () => {
    const r = await lintPackage({
      tree: tree('foo', file('usr/bin/foo', 'x', 0o666)),
      checks: { disabled: ['worldwrite'] },
    });
    assert.equal(r.failed, false);
    assert.deepEqual(names(r, 'warning'), ['worldwrite']);
    assertLintPassed(r);
  });

  it('/usr/local warns by default, fails when required, and is fine in a -compat package', async () => {
    const t = tree('foo', file('usr/local/bin/foo', 'x', 0o755));
    const warned = await lintPackage({ tree: t });
    assert.equal(warned.failed, false);
    assert.deepEqual(
      warned.findings.map((f) => [f.linter, f.severity, f.message, f.paths]),
      [['usrlocal', 'warning', 'foo contains /usr/local path in non-compat package', ['usr/local/bin/foo']]],
    );
    const required = await lintPackage({ tree: t, checks: { enabled: ['usrlocal'] } });
    assert.equal(required.failed, true);
    const err = assertCodeSync(() => assertLintPassed(required), 'BUILD_LINT_FAILED');
    assert.match(err.message, /"usrlocal".*usr\/local\/bin\/foo/);
    const off = await lintPackage({ tree: t, checks: { enabled: ['usrlocal'], disabled: ['usrlocal'] } });
    assert.equal(off.failed, false);
    const compat = await lintPackage({ tree: { ...t, name: 'foo-compat' } });
    assert.deepEqual(compat.findings, []);
  });

  it('each required linter catches its case and a clean tree passes', async () => {
    const cases: Array<[string, PackageTreeEntry]> = [
      ['dev', { path: 'dev/null', type: 'chardev', mode: 0o666, size: 0 }],
      ['infodir', file('usr/share/info/dir/x')],
      ['libtool', file('usr/lib/libfoo.la')],
      ['setuidgid', file('usr/bin/su', 'x', 0o4755)],
      ['tempdir', file('var/tmp/leftover')],
      ['usrmerge', file('sbin/init', 'x', 0o755)],
      ['varempty', file('var/empty/x')],
      ['worldwrite', file('etc/conf', 'x', 0o646)],
    ];
    for (const [linter, entry] of cases) {
      const r = await lintPackage({ tree: tree('p', entry) });
      assert.deepEqual(names(r, 'error'), [linter], `${linter} on ${entry.path}`);
    }
    const tempRun = await lintPackage({ tree: tree('p', { path: 'run/foo', type: 'dir', mode: 0o755, size: 0 }) });
    assert.deepEqual(names(tempRun, 'error'), ['tempdir']);
    const clean = await lintPackage({
      tree: tree('p', file('usr/bin/p', plainElf, 0o755), file('usr/share/p/data.txt'), file('etc/p.conf')),
    });
    assert.deepEqual(clean.findings, []);
  });

  it("usrmerge walks like melange's (a file's SkipDir skips the rest of its directory)", async () => {
    const lint = async (...entries: PackageTreeEntry[]) =>
      (await lintPackage({ tree: tree('p', ...entries) })).findings;
    const binLink: PackageTreeEntry = { path: 'bin', type: 'symlink', mode: 0o777, size: 0, linkname: 'usr/bin' };
    assert.deepEqual(
      (await lint(binLink, file('usr/sbin/tool', 'x', 0o755), file('usr/bin/ok', 'x', 0o755))).map((f) => f.paths),
      [['bin', 'usr/sbin', 'usr/sbin/tool']],
    );
    // usr/foo is a file: melange's SkipDir for it skips usr/sbin, which comes later in usr.
    assert.deepEqual(await lint(file('usr/foo'), file('usr/sbin/tool', 'x', 0o755)), []);
    // A top-level file skips the rest of the root.
    assert.deepEqual(await lint(file('README'), file('sbin/init', 'x', 0o755)), []);
  });

  it('warning linters report their messages', async () => {
    const kb = Buffer.alloc(2048, 7);
    const cases: Array<[string, PackageTreeEntry[], string]> = [
      ['opt', [file('opt/app/x')], 'p writes to /opt'],
      ['srv', [file('srv/www/index.html')], 'p writes to /srv'],
      [
        'object',
        [file('usr/lib/a.o'), file('usr/lib/b.o')],
        'p contains 2 intermediate object files. This is usually wrong. In most cases they should be removed',
      ],
      ['maninfo', [file('usr/share/man/man1/p.1')], 'p contains 1 man/info file but is not a documentation package'],
      ['sbom', [file('var/lib/db/sbom/extra.txt')], 'p writes to var/lib/db/sbom'],
      [
        'staticarchive',
        [file('usr/lib/libp.a')],
        'p contains 1 static archive. Static archives bloat packages and should typically be in -dev packages or removed',
      ],
      ['dll', [file('usr/lib/p.dll')], 'p contains 1 DLL file'],
      ['dylib', [file('usr/lib/p.dylib')], 'p contains 1 dylib file'],
      ['pkgconf', [file('usr/lib/pkgconfig/p.pc')], 'p contains pkgconfig files but missing .melange.yaml'],
      ['lddcheck', [file('usr/lib/libp.so.1')], 'p contains shared objects but missing .melange.yaml'],
      ['nonlinux', [file('usr/share/p/darwin/x')], 'p contains 1 non-Linux reference(s)'],
      ['unsupportedarch', [file('usr/lib/p/s390x/x')], 'p contains 1 unsupported architecture reference(s)'],
      ['strip', [file('usr/bin/m', debugElf, 0o755)], 'p contains 1 unstripped binary'],
      [
        'python/docs',
        [file('usr/lib/python3.12/site-packages/docs/x')],
        'docs directory encountered in Python site-packages directory',
      ],
      [
        'python/test',
        [file('usr/lib/python3.12/site-packages/tests/x')],
        'tests directory encountered in Python site-packages directory',
      ],
      ['cudaruntimelib', [file('usr/lib/libcuda.so.1')], 'p contains CUDA driver-specific libraries'],
      [
        'duplicate',
        [file('usr/share/a/blob.bin', kb), file('usr/share/b/blob.bin', kb)],
        "p contains 1 duplicate file(s) with same name in different directories (wasting 2.0 kB total):\n  2 copies of 'blob.bin' (2.0 kB each, wasting 2.0 kB):\n    usr/share/a/blob.bin\n    usr/share/b/blob.bin",
      ],
    ];
    for (const [linter, entries, message] of cases) {
      const r = await lintPackage({ tree: tree('p', ...entries) });
      const f = r.findings.find((x) => x.linter === linter);
      assert.ok(
        f,
        `${linter} found nothing in ${entries.map((e) => e.path).join(', ')}: ${JSON.stringify(r.findings)}`,
      );
      assert.equal(f.severity, 'warning');
      assert.equal(f.message, message);
      assert.equal(r.failed, false, linter);
    }
    const configured = await lintPackage({
      tree: tree('p', file('usr/lib/pkgconfig/p.pc')),
      testUses: ['test/pkgconf'],
    });
    assert.deepEqual(configured.findings, []);
    const unconfigured = await lintPackage({ tree: tree('p', file('usr/lib/pkgconfig/p.pc')), testUses: [] });
    assert.equal(unconfigured.findings[0]?.message, 'p contains pkgconfig files but test/pkgconf is not configured');
    const notStripped = await lintPackage({ tree: tree('p', file('usr/bin/m', plainElf, 0o755)) });
    assert.deepEqual(notStripped.findings, []);
  });

  it('off-by-default linters run when enabled', async () => {
    const r = await lintPackage({
      tree: tree('p', { path: 'usr', type: 'dir', mode: 0o755, size: 0 }),
      checks: { enabled: ['empty'] },
    });
    assert.deepEqual(
      r.findings.map((f) => [f.linter, f.severity, f.message]),
      [['empty', 'error', 'package is empty but no-provides is not set']],
    );
    const plain = await lintPackage({ tree: tree('p') });
    assert.deepEqual(plain.findings, []);
  });

  it('refuses unknown linter names', async () => {
    assertCodeSync(() => selectLinters({ disabled: ['worldwritable'] }), 'BUILD_LINT_UNKNOWN');
    await assertCode(() => lintPackage({ tree: tree('p'), checks: { enabled: ['nope'] } }), 'BUILD_LINT_UNKNOWN');
  });
});
