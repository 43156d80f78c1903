/**
 * Each kind of bad recipe gives one clear diagnostic at the right line:col (file:line:col as the
 * yaml parser counts, 1-based), with a hint where one helps; all problems are reported at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Diagnostic, renderDiagnostics } from '../../../src/core/index.js';
import { compileLoadedRecipe, loadRecipe, type ReadText } from '../../../src/pkg/index.js';

const HEAD = `package:
  name: hello
  version: 1.2.3
  epoch: 0
`;

/** A fake file system: the recipe at /r/melange.yaml plus a local pipeline. */
function files(recipe: string, extra: Record<string, string> = {}): ReadText {
  const all: Record<string, string> = {
    '/r/melange.yaml': recipe,
    '/r/pipelines/greet.yaml': `name: greet
inputs:
  who:
    description: who to greet
    required: true
  punctuation:
    default: "!"
  expected-commit:
    description: a commit
pipeline:
  - runs: echo "hello \${{inputs.who}}\${{inputs.punctuation}}"
`,
    ...extra,
  };
  return async (p) => {
    const t = all[p];
    if (t === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return t;
  };
}

async function diagnose(
  recipe: string,
  options: { lenient?: boolean; buildOptions?: string[] } = {},
): Promise<Diagnostic[]> {
  const loaded = await loadRecipe('/r/melange.yaml', {
    readFile: files(recipe),
    pipelineDirs: ['/r/pipelines'],
    builtinPipelineDir: '/nonexistent',
    ...options,
  });
  return [...compileLoadedRecipe(loaded, 'x86_64').diagnostics];
}

const brief = (ds: readonly Diagnostic[]) => ds.map((d) => `${d.line}:${d.col} ${d.severity} ${d.code}`);

interface Case {
  readonly name: string;
  readonly recipe: string;
  readonly expect: string;
  readonly message: RegExp;
  readonly hint?: RegExp;
}

const cases: Case[] = [
  {
    name: 'YAML syntax error',
    recipe: `${HEAD}pipeline:\n  - runs: [unclosed\n`,
    expect: '7:1 error BUILD_CONFIG_SYNTAX',
    message: /flow sequence|Missing|Unexpected|end/i,
  },
  {
    name: 'unknown top-level key, with did-you-mean',
    recipe: `${HEAD}pipline:\n  - runs: true\n`,
    expect: '5:1 error BUILD_CONFIG_UNKNOWN_KEY',
    message: /unknown key 'pipline' at the top level/,
    hint: /did you mean 'pipeline'\?/,
  },
  {
    name: 'unknown step key',
    recipe: `${HEAD}pipeline:\n  - runs: make\n    workdir: src\n`,
    expect: '7:5 error BUILD_CONFIG_UNKNOWN_KEY',
    message: /unknown key 'workdir' in pipeline\[0\]/,
  },
  {
    name: 'wrong type',
    recipe: `${HEAD}pipeline:\n  runs: make\n`,
    expect: '6:3 error BUILD_CONFIG_TYPE',
    message: /pipeline: expected a list, got a mapping/,
  },
  {
    name: 'missing package name',
    recipe: 'package:\n  version: 1.0.0\n',
    expect: '2:3 error BUILD_CONFIG_MISSING',
    message: /missing required key 'name'/,
  },
  {
    name: 'invalid package name',
    recipe: 'package:\n  name: -hello\n  version: 1.0.0\n',
    expect: '2:9 error BUILD_CONFIG_BAD_NAME',
    message: /'-hello' is not a valid package name/,
  },
  {
    name: 'version with a hyphen',
    recipe: 'package:\n  name: hello\n  version: 1.2-rc1\n',
    expect: '3:12 error BUILD_CONFIG_BAD_VERSION',
    message: /'1.2-rc1' is not an apk version/,
    hint: /write '1.2_rc1'/,
  },
  {
    name: 'uses and runs in one step',
    recipe: `${HEAD}pipeline:\n  - uses: greet\n    with:\n      who: you\n    runs: echo\n`,
    expect: '9:5 error BUILD_CONFIG_VALUE',
    message: /both 'uses' and 'runs'/,
  },
  {
    name: 'unknown variable in a runs block, on its own line',
    recipe: `${HEAD}pipeline:\n  - runs: |\n      echo start\n      echo \${{package.verison}}\n`,
    expect: '8:12 error BUILD_CONFIG_UNKNOWN_VAR',
    message: /unknown variable \$\{\{package.verison\}\}/,
    hint: /did you mean \$\{\{package.version\}\}\?/,
  },
  {
    name: 'unknown variable in a with value',
    recipe: `${HEAD}pipeline:\n  - uses: greet\n    with:\n      who: \${{vars.name}}\n`,
    expect: '8:12 error BUILD_CONFIG_UNKNOWN_VAR',
    message: /unknown variable \$\{\{vars.name\}\}/,
  },
  {
    name: 'malformed if condition',
    recipe: `${HEAD}pipeline:\n  - if: \${{build.arch}} = 'x86_64'\n    runs: echo\n`,
    expect: '6:9 error BUILD_CONFIG_BAD_CONDITION',
    message: /^if: /,
    hint: /==/,
  },
  {
    name: 'pipeline not found, with did-you-mean',
    recipe: `${HEAD}pipeline:\n  - uses: gret\n`,
    expect: '6:11 error BUILD_CONFIG_PIPELINE_NOT_FOUND',
    message: /pipeline 'gret' not found/,
  },
  {
    name: 'uses with ..',
    recipe: `${HEAD}pipeline:\n  - uses: ../evil\n`,
    expect: '6:11 error BUILD_CONFIG_PIPELINE_NOT_FOUND',
    message: /relative pipeline name without '\.\.'/,
  },
  {
    name: 'undefined input, with did-you-mean',
    recipe: `${HEAD}pipeline:\n  - uses: greet\n    with:\n      who: you\n      punctation: "?"\n`,
    expect: '9:7 error BUILD_CONFIG_BAD_INPUT',
    message: /undefined input 'punctation' to pipeline 'greet'/,
    hint: /did you mean 'punctuation'\?/,
  },
  {
    name: 'required input missing',
    recipe: `${HEAD}pipeline:\n  - uses: greet\n`,
    expect: '6:11 error BUILD_CONFIG_BAD_INPUT',
    message: /required input 'who' for pipeline 'greet' is missing/,
  },
  {
    name: 'a digest input that is not a digest',
    recipe: `${HEAD}pipeline:\n  - uses: greet\n    with:\n      who: you\n      expected-commit: abc123\n`,
    expect: '9:24 error BUILD_CONFIG_BAD_INPUT',
    message: /expected-commit: 'abc123' is not 40 lowercase hex characters/,
  },
  {
    name: 'range over unknown data',
    recipe: `${HEAD}data:\n  - name: versions\n    items:\n      a: b\nsubpackages:\n  - range: version\n    name: x-\${{range.key}}\n`,
    expect: '10:12 error BUILD_CONFIG_VALUE',
    message: /range: no data entry named 'version'/,
    hint: /did you mean 'versions'\?/,
  },
  {
    name: 'duplicate subpackage',
    recipe: `${HEAD}subpackages:\n  - name: hello-dev\n  - name: hello-dev\n`,
    expect: '7:11 error BUILD_CONFIG_VALUE',
    message: /'hello-dev' is already defined at line 6/,
  },
  {
    name: 'invalid var-transform pattern',
    recipe: `${HEAD}var-transforms:\n  - from: \${{package.version}}\n    match: "(["\n    replace: x\n    to: y\n`,
    expect: '7:12 error BUILD_CONFIG_BAD_TRANSFORM',
    message: /is not a valid regular expression/,
  },
  {
    name: 'priority that is not an integer',
    recipe: 'package:\n  name: hello\n  version: 1.0.0\n  dependencies:\n    provider-priority: high\n',
    expect: '5:24 error BUILD_CONFIG_VALUE',
    message: /'high' is not an integer/,
  },
  {
    name: 'assertion that cannot hold on this arch',
    recipe: `${HEAD}pipeline:\n  - assertions:\n      required-steps: 1\n    pipeline:\n      - if: \${{build.arch}} == 'aarch64'\n        runs: echo\n`,
    expect: '7:23 error BUILD_CONFIG_ASSERTION',
    message: /1 nested step\(s\) must run, but only 0 do/,
  },
];

describe('one clear diagnostic per kind of bad recipe', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const ds = await diagnose(c.recipe);
      assert.deepEqual(brief(ds), [c.expect], renderDiagnostics(ds));
      const d = ds[0] as Diagnostic;
      assert.equal(d.file, '/r/melange.yaml');
      assert.match(d.message, c.message);
      if (c.hint) assert.match(d.hint ?? '', c.hint);
    });
  }

  it('an unknown build option', async () => {
    const ds = await diagnose(`${HEAD}options:\n  rustls:\n    vars:\n      a: b\n`, { buildOptions: ['rusttls'] });
    assert.deepEqual(brief(ds), ['5:1 error BUILD_CONFIG_BAD_OPTION']);
    assert.match(ds[0]?.hint ?? '', /did you mean 'rustls'\?/);
  });

  it('a problem inside a pipeline file is reported at its own file and line', async () => {
    const loaded = await loadRecipe('/r/melange.yaml', {
      readFile: files(`${HEAD}pipeline:\n  - uses: bad\n`, {
        '/r/pipelines/bad.yaml': `name: bad\npipeline:\n  - runs: echo \${{inputs.missing}}\n`,
      }),
      pipelineDirs: ['/r/pipelines'],
      builtinPipelineDir: '/nonexistent',
    });
    const ds = compileLoadedRecipe(loaded, 'x86_64').diagnostics;
    assert.deepEqual(
      ds.map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`),
      ['/r/pipelines/bad.yaml:3:16 BUILD_CONFIG_UNKNOWN_VAR'],
    );
    assert.match(ds[0]?.hint ?? '', /inputs\.\* names are only defined inside a pipeline file that declares them/);
  });

  it('reports every problem at once, sorted by position', async () => {
    const ds = await diagnose(
      `package:\n  name: hello\n  version: 1-2\n  colour: red\npipeline:\n  - uses: nope\n  - runs: echo \${{foo.bar}}\n`,
    );
    assert.deepEqual(brief(ds), [
      '3:12 error BUILD_CONFIG_BAD_VERSION',
      '4:3 error BUILD_CONFIG_UNKNOWN_KEY',
      '6:11 error BUILD_CONFIG_PIPELINE_NOT_FOUND',
      '7:16 error BUILD_CONFIG_UNKNOWN_VAR',
    ]);
  });

  it('--lenient turns unknown keys and bad versions into warnings', async () => {
    const ds = await diagnose('package:\n  name: hello\n  version: 1-2\n  colour: red\n', { lenient: true });
    assert.deepEqual(brief(ds), ['3:12 warning BUILD_CONFIG_BAD_VERSION', '4:3 warning BUILD_CONFIG_UNKNOWN_KEY']);
  });
});
