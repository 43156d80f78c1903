import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { includeCandidates, loadImageConfig, type ReadFile, renderDiagnostics } from '../../../src/image/index.js';
import { assertCode } from '../../helpers/assert-code.js';

/** An in-memory filesystem: a fake of node:fs readFile, named as one. */
function fakeFs(files: Record<string, string>): ReadFile & { reads: string[] } {
  const reads: string[] = [];
  const fn = async (p: string) => {
    reads.push(p);
    const text = files[p];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT', syscall: 'open' });
    return text;
  };
  return Object.assign(fn, { reads });
}

describe('include resolution', () => {
  it('looks in the including file directory, then each parent, then the include paths', () => {
    assert.deepEqual(includeCandidates('/r/examples/include.yaml', 'examples/base.yaml', ['/inc']), [
      '/r/examples/examples/base.yaml',
      '/r/examples/base.yaml',
      '/examples/base.yaml',
      '/inc/examples/base.yaml',
    ]);
    assert.deepEqual(includeCandidates('/r/a.yaml', '/abs/base.yaml'), ['/abs/base.yaml']);
  });

  it('follows nested includes; the outermost file wins', async () => {
    const fs = fakeFs({
      '/w/top.yaml': 'include: mid.yaml\ncmd: top\ncontents: {packages: [top]}\n',
      '/w/mid.yaml': 'include: lib/base.yaml\ncmd: mid\ncontents: {packages: [mid]}\nwork-dir: /mid\n',
      '/w/lib/base.yaml': 'cmd: base\ncontents: {packages: [base]}\nwork-dir: /base\nstop-signal: SIGINT\n',
    });
    const r = await loadImageConfig('/w/top.yaml', { readFile: fs });
    assert.equal(renderDiagnostics(r.diagnostics), '');
    assert.ok(r.config);
    assert.deepEqual(
      r.config.contents.packages.map((p) => p.raw),
      ['base', 'mid', 'top'],
    );
    assert.equal(r.config.cmd, 'top');
    assert.equal(r.config.workDir, '/mid');
    assert.equal(r.config.stopSignal, 'SIGINT');
    assert.deepEqual(
      r.files.map((f) => f.path),
      ['/w/top.yaml', '/w/mid.yaml', '/w/lib/base.yaml'],
    );
  });

  it('uses the include paths when nothing is found beside the file', async () => {
    const fs = fakeFs({ '/w/a.yaml': 'include: base.yaml\n', '/shared/base.yaml': 'cmd: shared\n' });
    const r = await loadImageConfig('/w/a.yaml', { readFile: fs, includePaths: ['/shared'] });
    assert.equal(r.config?.cmd, 'shared');
  });

  it('reports a missing include at the include line', async () => {
    const fs = fakeFs({ '/w/a.yaml': 'cmd: x\ninclude: nope.yaml\n' });
    const r = await loadImageConfig('/w/a.yaml', { readFile: fs });
    assert.equal(r.config, undefined);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.file, d.line, d.col, d.code]),
      [['/w/a.yaml', 2, 10, 'IMAGE_CONFIG_INCLUDE']],
    );
    assert.match(r.diagnostics[0]?.message ?? '', /'nope.yaml' not found/);
  });

  it('reports an include cycle instead of looping', async () => {
    const fs = fakeFs({ '/w/a.yaml': 'include: b.yaml\n', '/w/b.yaml': 'include: a.yaml\n' });
    const r = await loadImageConfig('/w/a.yaml', { readFile: fs });
    assert.deepEqual(
      r.diagnostics.map((d) => [d.file, d.line, d.code]),
      [['/w/b.yaml', 1, 'IMAGE_CONFIG_INCLUDE']],
    );
    assert.match(r.diagnostics[0]?.message ?? '', /cycle/);
  });

  it("names the included file in its own diagnostics, all files' problems at once", async () => {
    const fs = fakeFs({
      '/w/a.yaml': 'include: b.yaml\npakages: [x]\n',
      '/w/b.yaml': 'archs: [amd46]\n',
    });
    const r = await loadImageConfig('/w/a.yaml', { readFile: fs });
    assert.deepEqual(
      r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`),
      ['/w/a.yaml:2:1 IMAGE_CONFIG_UNKNOWN_KEY', '/w/b.yaml:1:9 IMAGE_CONFIG_BAD_ARCH'],
    );
    assert.equal(r.config, undefined);
    assert.ok(r.merged, 'the merged config is still there for tools that want it');
  });

  it('a missing top-level file is an IO_ERROR, not a diagnostic', async () => {
    await assertCode(() => loadImageConfig('/nope.yaml', { readFile: fakeFs({}) }), 'IO_ERROR');
  });

  it('reads JSON configs (as Terraform emits them)', async () => {
    const fs = fakeFs({
      '/w/a.json': JSON.stringify({
        contents: { repositories: ['https://packages.wolfi.dev/os'], packages: ['wolfi-base'] },
        accounts: { users: [{ username: 'nonroot', uid: 65532 }], 'run-as': 65532 },
        paths: [{ path: '/w', type: 'directory', permissions: 493 }],
        archs: ['x86_64'],
      }),
    });
    const r = await loadImageConfig('/w/a.json', { readFile: fs });
    assert.equal(renderDiagnostics(r.diagnostics), '');
    assert.equal(r.config?.paths[0]?.permissions, 0o755);
    assert.equal(r.config?.accounts.runAs, '65532');
  });
});
