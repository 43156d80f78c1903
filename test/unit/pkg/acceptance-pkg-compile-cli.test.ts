/**
 * Acceptance (issue 5, first item), through the command itself: every recipe in the melange vectors
 * compiles with `lupine pkg compile` for x86_64 and aarch64 (Wolfi's with `--pipeline-dir
 * wolfi/pipelines`), exit 0, with no `${{` left in what it prints. The only exceptions are named:
 * a recipe whose target-architecture leaves out aarch64 is refused for aarch64 (and only for it),
 * and melange's R-build example (version 0.4_27, which apk rejects) needs --lenient.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { vector } from '../../helpers/paths.js';

const melange = vector('melange');
const recipes = [
  ...readdirSync(vector('melange', 'examples'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ file: `examples/${f}`, extra: [] as string[] })),
  ...readdirSync(vector('melange', 'wolfi'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ file: `wolfi/${f}`, extra: ['--pipeline-dir', 'wolfi/pipelines'] })),
];

/** Recipes whose target-architecture names x86_64 only. */
const X86_ONLY = new Set(['examples/one-arch.yaml', 'examples/aws-sdk-core.yaml']);
// git-checkout's v0.0.1 passes only apk 2.14's lax tokenizer, not the apk grammar (issue 11 #14).
const LENIENT = new Set(['examples/R-build.yaml', 'examples/git-checkout.yaml']);

describe('lupine pkg compile: every vector recipe, both arches', () => {
  it('finds all 60 recipes', () => {
    assert.equal(recipes.length, 60);
  });

  for (const r of recipes) {
    for (const arch of ['x86_64', 'aarch64']) {
      it(`${r.file} (${arch})`, async () => {
        const argv = [
          'pkg',
          'compile',
          r.file,
          '--arch',
          arch,
          ...r.extra,
          ...(LENIENT.has(r.file) ? ['--lenient'] : []),
        ];
        const res = await runCli(argv, { cwd: melange });
        if (arch === 'aarch64' && X86_ONLY.has(r.file)) {
          assert.equal(res.code, 3, res.stderr);
          assert.match(res.stderr, /BUILD_CONFIG_ARCH_SKIPPED/);
          return;
        }
        assert.equal(res.code, 0, res.stderr);
        assert.ok(res.stdout.length > 0, 'prints the compiled recipe');
        assert.equal(res.stdout.includes('${{'), false, `a \${{ is left in ${r.file} (${arch})`);
        assert.match(res.stdout, new RegExp(`^arch: ${arch}$`, 'm'), 'the compiled arch is the one asked for');
      });
    }
  }
});
