/** The pure pieces: `${{…}}` substitution, `if` expressions, Go regexp replacement, both phases. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  archFacts,
  compileLoadedRecipe,
  evaluateCondition,
  goRegExp,
  goReplaceAll,
  loadRecipe,
  parseDotenv,
  type ReadText,
  replaceKnown,
  stripComments,
  substitute,
} from '../../../src/pkg/index.js';

describe('substitution', () => {
  it('replaces names with optional spaces; unknown names are reported once each', () => {
    const r = substitute(`\${{a.b}}-\${{ a.b }}-\${{x}}-\${{x}}`, { 'a.b': '1' });
    assert.equal(r.value, '1-1--');
    assert.deepEqual(r.unknown, ['x']);
  });

  it('the parse phase leaves unknown names for the compile phase', () => {
    assert.equal(
      replaceKnown(`\${{package.name}}/\${{build.arch}}`, { 'package.name': 'zlib' }),
      `zlib/\${{build.arch}}`,
    );
  });
});

describe('if expressions', () => {
  const vars = { 'build.arch': 'aarch64', 'package.name': 'hello', 'options.x.enabled': 'true' };
  const cases: [string, boolean][] = [
    [`\${{build.arch}} == 'aarch64'`, true],
    [`\${{build.arch}} != 'aarch64'`, false],
    [`\${{build.arch}} == 'x86_64' || \${{package.name}} == 'hello'`, true],
    [`\${{build.arch}} == 'x86_64' || \${{package.name}} == 'hello' && \${{build.arch}} == 'x86_64'`, false],
    [`(\${{build.arch}} == 'x86_64' || \${{package.name}} == 'hello') && \${{build.arch}} == 'aarch64'`, true],
    [`\${{options.x.enabled}} == "true"`, true],
    [`\${{options.x.enabled}}`, true],
    ["'a' == 'a' && 'b' != 'b'", false],
  ];
  for (const [expr, want] of cases) {
    it(expr, () => assert.deepEqual(evaluateCondition(expr, vars), { ok: true, value: want }));
  }

  it('reports unknown variables and malformed expressions', () => {
    const unknown = evaluateCondition(`\${{build.arc}} == 'x'`, vars);
    assert.equal(unknown.ok, false);
    assert.deepEqual(!unknown.ok && unknown.unknown, ['build.arc']);
    for (const bad of [`\${{build.arch}} = 'x'`, "('a' == 'a'", "'a' ==", "'unterminated == 'x'", '']) {
      assert.equal(evaluateCondition(bad, vars).ok, false, bad);
    }
  });
});

describe('Go regexp replacement (var-transforms)', () => {
  it('expands $1, braced groups, named groups and $$ like ReplaceAllString', () => {
    assert.equal(goReplaceAll('8.21.0', goRegExp('\\.'), '_'), '8_21_0');
    assert.equal(goReplaceAll('1.2_rc3', goRegExp('^(.+)_rc(\\d+)$'), `\${1}-rc$2`), '1.2-rc3');
    assert.equal(goReplaceAll('2.1.0', goRegExp('^(?P<maj>\\d+)\\.(?P<min>\\d+).*'), '$min.$maj'), '1.2');
    assert.equal(goReplaceAll('abc', goRegExp('b'), '$$'), 'a$c');
    // Go reads `$1x` as a group named `1x` (empty), not group 1 followed by x
    assert.equal(goReplaceAll('ab', goRegExp('(a)'), '$1x'), 'b');
  });

  it('rejects what RE2 rejects', () => {
    assert.throws(() => goRegExp('(a)\\1'));
    assert.throws(() => goRegExp('a(?=b)'));
  });
});

describe('compile details', () => {
  it('strips whole-line comments from runs but keeps shebangs and inline #', () => {
    assert.equal(stripComments('#!/bin/sh\n# note\n  # indented\necho a # b\n'), '#!/bin/sh\necho a # b\n');
  });

  it('knows the triplets', () => {
    assert.deepEqual(archFacts('aarch64'), {
      arch: 'aarch64',
      goarch: 'arm64',
      gnu: 'aarch64-unknown-linux-gnu',
      rust: 'aarch64-unknown-linux-gnu',
      gnuMusl: 'aarch64-unknown-linux-musl',
      rustMusl: 'aarch64-unknown-linux-musl',
    });
    assert.equal(archFacts('x86_64')?.gnu, 'x86_64-pc-linux-gnu');
  });

  it('reads .env files like godotenv', () => {
    assert.deepEqual(parseDotenv('# c\nexport A=1\nB="two words"\nC=x # comment\n\nD=\'$raw\'\n'), {
      A: '1',
      B: 'two words',
      C: 'x',
      D: '$raw',
    });
  });
});

const RECIPE = `package:
  name: demo
  version: 1.2.3
  epoch: 4
environment:
  contents:
    packages: [busybox]
  environment:
    CFLAGS: -O2
    TARGET: \${{build.arch}}
    NAME: \${{package.name}}
vars:
  flavour: plain
var-transforms:
  - from: \${{package.version}}
    match: ^(\\d+)\\.(\\d+).*
    replace: $1$2
    to: short
pipeline:
  - working-directory: src
    environment:
      LEVEL: outer
    pipeline:
      - uses: wrap
        with:
          word: \${{vars.flavour}}-\${{vars.short}}
      - working-directory: sub
        runs: |
          # a comment melange strips
          echo \${{targets.contextdir}} \${{package.full-version}} \${{build.goarch}}
subpackages:
  - name: demo-\${{vars.flavour}}
    pipeline:
      - runs: echo \${{targets.subpkgdir}} \${{context.name}} \${{targets.package.demo}}
`;

const PIPELINES: Record<string, string> = {
  '/p/wrap.yaml': `name: wrap
needs:
  packages: [wrap-tool]
inputs:
  word:
    required: true
pipeline:
  - uses: inner
    with:
      text: "[\${{inputs.word}}]"
`,
  '/p/inner.yaml': `name: inner
needs:
  packages: [inner-tool]
inputs:
  text:
    required: true
  suffix:
    default: \${{context.name}}
pipeline:
  - environment:
      LEVEL: inner
    runs: echo \${{inputs.text}} \${{inputs.suffix}}
`,
};

function fs(extra: Record<string, string> = {}): ReadText {
  const all: Record<string, string> = { '/r/melange.yaml': RECIPE, ...PIPELINES, ...extra };
  return async (p) => {
    const t = all[p];
    if (t === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return t;
  };
}

describe('two-phase substitution on a whole recipe', () => {
  it('compiles nested pipelines with inputs, working directories, environments and needs', async () => {
    const loaded = await loadRecipe('/r/melange.yaml', {
      readFile: fs(),
      pipelineDirs: ['/p'],
      builtinPipelineDir: '/none',
    });
    const r = compileLoadedRecipe(loaded, 'aarch64');
    assert.deepEqual(
      r.diagnostics.map((d) => `${d.line}:${d.col} ${d.severity} ${d.message}`),
      [
        `10:13 warning environment.environment.TARGET keeps '\${{build.arch}}' literally: only package.* and vars.* are substituted there`,
      ],
    );
    const recipe = r.recipe;
    assert.ok(recipe);
    assert.equal(recipe.vars.short, '12');
    assert.equal(recipe.environment.environment.TARGET, `\${{build.arch}}`, 'melange issue #1958: left as written');
    assert.equal(recipe.environment.environment.NAME, 'demo', 'package.* is substituted at parse time');
    assert.equal(recipe.environment.environment.HOME, '/home/build');
    assert.deepEqual(recipe.environment.packages, ['busybox', 'wrap-tool', 'inner-tool']);
    const outer = recipe.packages[0]?.pipeline[0];
    assert.equal(outer?.workingDirectory, '/home/build/src');
    const wrap = outer?.pipeline?.[0];
    assert.deepEqual(wrap?.with, { word: 'plain-12' });
    const inner = wrap?.pipeline?.[0];
    assert.deepEqual(inner?.with, { text: '[plain-12]', suffix: 'demo' });
    const innerRun = inner?.pipeline?.[0];
    assert.equal(innerRun?.runs, 'echo [plain-12] demo');
    assert.deepEqual(innerRun?.environment, { LEVEL: 'inner' });
    assert.equal(innerRun?.workingDirectory, '/home/build/src');
    assert.equal(innerRun?.origin.file, '/p/inner.yaml');
    const sub = outer?.pipeline?.[1];
    assert.equal(sub?.workingDirectory, '/home/build/sub', 'relative to /home/build, as in melange');
    assert.deepEqual(sub?.environment, { LEVEL: 'outer' });
    assert.equal(sub?.runs, 'echo /home/build/melange-out/demo 1.2.3-r4 arm64\n');
    const subpkg = recipe.packages[1];
    assert.equal(subpkg?.name, 'demo-plain');
    assert.equal(
      subpkg?.pipeline[0]?.runs,
      'echo /home/build/melange-out/demo-plain demo-plain /home/build/melange-out/demo',
    );
  });

  it('--vars-file overrides vars and --env-file sits under the recipe environment', async () => {
    const loaded = await loadRecipe('/r/melange.yaml', {
      readFile: fs({ '/r/vars.yaml': 'flavour: spicy\n', '/r/build.env': 'CFLAGS=-O0\nEXTRA=1\n' }),
      pipelineDirs: ['/p'],
      builtinPipelineDir: '/none',
      varsFile: '/r/vars.yaml',
      envFile: '/r/build.env',
    });
    const recipe = compileLoadedRecipe(loaded, 'x86_64').recipe;
    assert.equal(recipe?.packages[1]?.name, 'demo-spicy');
    assert.equal(recipe?.environment.environment.CFLAGS, '-O2', 'the recipe wins');
    assert.equal(recipe?.environment.environment.EXTRA, '1');
  });
});

describe('inputs scoping', () => {
  const files: Record<string, string> = {
    '/r/melange.yaml': `package:
  name: scope
  version: 1.0.0
pipeline:
  - uses: outer
    with:
      mode: fast
  - uses: outer
    if: \${{inputs.mode}} != 'skip-me'
    with:
      mode: skip-me
`,
    '/p/outer.yaml': `name: outer
inputs:
  mode:
    description: mode
pipeline:
  - runs: echo outer \${{inputs.mode}}
  - uses: inner
`,
    '/p/inner.yaml': `name: inner
inputs:
  mode:
    description: mode
    default: slow
pipeline:
  - runs: echo inner \${{inputs.mode}}
`,
  };
  const read: ReadText = async (p) => {
    const t = files[p];
    if (t === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return t;
  };

  it("a nested pipeline's own default wins over the parent's input; if sees the step's inputs", async () => {
    const loaded = await loadRecipe('/r/melange.yaml', {
      readFile: read,
      pipelineDirs: ['/p'],
      builtinPipelineDir: '/none',
    });
    const r = compileLoadedRecipe(loaded, 'x86_64');
    assert.deepEqual(r.diagnostics, []);
    const steps = r.recipe?.packages[0]?.pipeline ?? [];
    assert.equal(steps.length, 1, 'the second step is skipped by its own input');
    assert.equal(steps[0]?.pipeline?.[0]?.runs, 'echo outer fast');
    assert.equal(steps[0]?.pipeline?.[1]?.pipeline?.[0]?.runs, 'echo inner slow');
  });
});
