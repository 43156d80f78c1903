/**
 * lupine's built-in pipelines (`pipelines/`): each file parses strictly, declares what it uses,
 * and every script it produces for the vector recipes is valid shell (`sh -n`, the real shell).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import {
  BUILTIN_PIPELINE_DIR,
  type CompiledStep,
  compileLoadedRecipe,
  loadRecipe,
  parsePipelineFile,
} from '../../../src/pkg/index.js';
import { vector } from '../../helpers/paths.js';

const builtin = readdirSync(BUILTIN_PIPELINE_DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const REQUIRED = [
  'fetch',
  'git-checkout',
  'patch',
  'strip',
  'autoconf/configure',
  'autoconf/make',
  'autoconf/make-install',
  'cmake/configure',
  'cmake/build',
  'cmake/install',
  'meson/configure',
  'meson/compile',
  'meson/install',
  'go/build',
  'go/install',
  'cargo/build',
  'npm/install',
  'python/build',
  'python/install',
  'python/build-wheel',
  'split/dev',
  'split/static',
  'split/manpages',
  'split/locales',
  'split/infodir',
  'split/lib',
  'split/bin',
  'split/alldocs',
  'split/debug',
];

describe('built-in pipelines', () => {
  it('include every pipeline melange builds in that recipes use', () => {
    const names = builtin.map((f) => f.slice(0, -'.yaml'.length));
    assert.deepEqual(
      REQUIRED.filter((n) => !names.includes(n)),
      [],
    );
  });

  for (const f of builtin) {
    it(`${f} parses cleanly and describes its inputs`, () => {
      const file = join(BUILTIN_PIPELINE_DIR, f);
      const r = parsePipelineFile(readFileSync(file, 'utf8'), f.slice(0, -5), file);
      assert.deepEqual(r.diagnostics, []);
      const doc = r.pipeline?.doc ?? {};
      assert.equal(typeof doc.name, 'string');
      for (const [k, v] of Object.entries((doc.inputs ?? {}) as Record<string, { description?: unknown }>)) {
        assert.equal(typeof v.description, 'string', `input ${k} has a description`);
      }
    });
  }

  it('produce valid shell for every vector recipe on both architectures', async () => {
    const scripts = new Map<string, string>();
    const collect = (steps: readonly CompiledStep[]) => {
      for (const s of steps) {
        if (s.runs && s.origin.file.startsWith(BUILTIN_PIPELINE_DIR)) {
          scripts.set(s.runs, `${relative(BUILTIN_PIPELINE_DIR, s.origin.file)}:${s.origin.line}`);
        }
        collect(s.pipeline ?? []);
      }
    };
    for (const dir of ['examples', 'wolfi']) {
      for (const f of readdirSync(vector('melange', dir)).filter((x) => x.endsWith('.yaml'))) {
        const loaded = await loadRecipe(vector('melange', dir, f), {
          pipelineDirs: dir === 'wolfi' ? [vector('melange', 'wolfi', 'pipelines')] : [],
          lenient: true,
        });
        for (const arch of ['x86_64', 'aarch64']) {
          for (const p of compileLoadedRecipe(loaded, arch).recipe?.packages ?? []) {
            collect(p.pipeline);
            collect(p.test?.pipeline ?? []);
          }
        }
      }
    }
    const used = new Set([...scripts.values()].map((w) => w.split(':')[0]));
    assert.ok(used.size >= 30, `scripts from ${used.size} built-in pipelines`);
    const bad: string[] = [];
    for (const [script, where] of scripts) {
      const r = spawnSync('/bin/sh', ['-n'], { input: script, encoding: 'utf8' });
      if (r.status !== 0) bad.push(`${where}: ${r.stderr.trim()}`);
    }
    assert.deepEqual(bad, []);
  });
});

describe('split pipelines move the right files (run with /bin/sh in a temporary tree)', () => {
  const RECIPE = `package:
  name: demo
  version: 1.0.0
subpackages:
  - name: demo-dev
    pipeline:
      - uses: split/dev
  - name: demo-static
    pipeline:
      - uses: split/static
  - name: demo-doc
    pipeline:
      - uses: split/manpages
  - name: libdemo
    pipeline:
      - uses: split/lib
`;

  it('dev, static, manpages and lib', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const root = mkdtempSync(join(tmpdir(), 'lupine-split-'));
    try {
      const out = join(root, 'melange-out');
      const main = join(out, 'demo');
      const files = [
        'usr/include/demo.h',
        'usr/lib/pkgconfig/demo.pc',
        'usr/lib/libdemo.a',
        'usr/lib/libdemo.so.1.2',
        'usr/share/man/man1/demo.1',
        'usr/bin/demo',
        'usr/bin/demo-config',
      ];
      for (const f of files) {
        mkdirSync(join(main, f, '..'), { recursive: true });
        writeFileSync(join(main, f), f);
      }
      symlinkSync('libdemo.so.1.2', join(main, 'usr/lib/libdemo.so'));
      const loaded = await loadRecipe('/virtual/melange.yaml', {
        readFile: async (p) => {
          if (p === '/virtual/melange.yaml') return RECIPE;
          return readFileSync(p, 'utf8');
        },
      });
      const recipe = compileLoadedRecipe(loaded, 'x86_64').recipe;
      assert.ok(recipe);
      for (const pkg of recipe.packages.slice(1)) {
        for (const step of pkg.pipeline.flatMap((s) => s.pipeline ?? [])) {
          const script = (step.runs ?? '').replaceAll('/home/build/melange-out', out);
          const r = spawnSync('/bin/sh', ['-e', '-c', script], { encoding: 'utf8' });
          assert.equal(r.status, 0, `${pkg.name}: ${r.stderr}`);
        }
      }
      const listing = (dir: string) =>
        readdirSync(join(out, dir), { recursive: true, withFileTypes: true })
          .filter((e) => !e.isDirectory())
          .map((e) => relative(join(out, dir), join(e.parentPath, e.name)))
          .sort();
      assert.deepEqual(listing('demo'), ['usr/bin/demo']);
      assert.deepEqual(listing('demo-dev'), [
        'usr/bin/demo-config',
        'usr/include/demo.h',
        'usr/lib/libdemo.a',
        'usr/lib/libdemo.so',
        'usr/lib/pkgconfig/demo.pc',
      ]);
      assert.deepEqual(listing('demo-doc'), ['usr/share/man/man1/demo.1']);
      assert.deepEqual(listing('libdemo'), ['usr/lib/libdemo.so.1.2']);
      assert.deepEqual(readdirSync(out).sort(), ['demo', 'demo-dev', 'demo-doc', 'libdemo']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
