/**
 * Issue 13, melange compatibility: built-in pipelines take the inputs melange documents
 * (`ruby/install` gem-file, `cargo/build` prefix/install-dir/output-dir, `pecl/phpize` and
 * `pecl/install`), and scalars are decoded as melange's Go YAML decoder does: a number or boolean
 * where a string is expected is read as its source text (test/unit/pkg/config-go-scalars.test.ts).
 *
 * The pipelines' scripts are run with the real /bin/sh in a temporary workspace. ruby, gem, phpize
 * and cargo-auditable are not installed here (and there is no PECL extension to make), so small
 * stand-ins on PATH record their arguments and create what the real tool would (the gem's files,
 * target/release/<bin>, a Makefile's install).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { renderDiagnostics } from '../../../src/core/index.js';
import { type CompiledRecipe, compileLoadedRecipe, loadRecipe } from '../../../src/pkg/index.js';
import { compile, flatten } from './compile-text.js';

const header = (name: string, version = '"1.2.3"') => `package:
  name: ${name}
  version: ${version}
  epoch: 0
  description: test
  copyright:
    - license: MIT
`;

describe('melange pipeline inputs and scalars (issue 13)', () => {
  let root = '';
  let tools = '';
  const workspace = (name: string) => {
    const ws = join(root, name);
    mkdirSync(join(ws, 'melange-out', name), { recursive: true });
    return ws;
  };
  const tool = (name: string, body: string) => {
    writeFileSync(join(tools, name), `#!/bin/sh\necho "${name} $*" >> "$TOOL_LOG"\n${body}\n`);
    chmodSync(join(tools, name), 0o755);
  };
  /** Runs every script of the main package's pipeline in `ws` (as /home/build); returns the tool log. */
  const run = (recipe: CompiledRecipe, ws: string, expectStatus = 0): string => {
    const log = join(ws, 'tools.log');
    writeFileSync(log, '');
    for (const step of flatten(recipe.packages[0]?.pipeline ?? [])) {
      if (step.runs === undefined) continue;
      const script = step.runs.replaceAll('/home/build', ws);
      const cwd = step.workingDirectory.replace('/home/build', ws);
      mkdirSync(cwd, { recursive: true });
      const r = spawnSync('/bin/sh', ['-e', '-c', script], {
        cwd,
        encoding: 'utf8',
        env: { PATH: `${tools}:/usr/bin:/bin`, TOOL_LOG: log },
      });
      if (r.status !== 0) {
        assert.equal(r.status, expectStatus, `${step.uses ?? step.name}: ${r.stdout}${r.stderr}`);
        return readFileSync(log, 'utf8') + r.stdout + r.stderr;
      }
    }
    assert.equal(expectStatus, 0, 'every step succeeded');
    return readFileSync(log, 'utf8');
  };

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'lupine-melange-compat-'));
    tools = join(root, 'bin');
    mkdirSync(tools);
    tool('ruby', 'echo /usr/lib/ruby/gems/3.3.0');
    // gem install FILE --install-dir D --bindir B ...: unpacks "FILE" as D/gems/FILE and B/FILE
    tool(
      'gem',
      `file="$2"; shift 2
while [ $# -gt 0 ]; do case "$1" in --install-dir) d="$2"; shift;; --bindir) b="$2"; shift;; esac; shift; done
test -f "$file"
mkdir -p "$d/gems" "$b"; cp "$file" "$d/gems/"; echo '#!/bin/sh' > "$b/\${file%.gem}"`,
    );
    // cargo auditable build ...: a binary under --target-dir (default target)/release
    tool(
      'cargo',
      `t=target; while [ $# -gt 0 ]; do [ "$1" = --target-dir ] && t="$2"; shift; done
mkdir -p "$t/release"; printf '\\177ELF' > "$t/release/hello"; chmod 755 "$t/release/hello"; mkdir -p "$t/release/deps"`,
    );
    tool(
      'npm',
      `case "$1" in pack) echo tgz > pkg-1.0.tgz;; install) for a in "$@"; do case "$a" in --prefix=*) p="\${a#--prefix=}";; esac; done; mkdir -p "$p/bin"; echo '#!/bin/sh' > "$p/bin/tool";; esac`,
    );
    tool('pypy9', 'exit 0');
    tool('pombump', 'cat "$1"; echo "<!-- $* -->"');
    tool('phpize', `printf '#!/bin/sh\\necho "configure $*" >> "$TOOL_LOG"\\n' > configure; chmod 755 configure`);
    tool(
      'make',
      `for a in "$@"; do case "$a" in INSTALL_ROOT=*) r="\${a#INSTALL_ROOT=}";; esac; done
mkdir -p "$r/usr/lib/php/modules"; echo so > "$r/usr/lib/php/modules/demo.so"`,
    );
  });
  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('ruby/install installs a gem-file (no gem name needed)', async () => {
    const recipe = await compile(`${header('rubyfile')}pipeline:
  - uses: ruby/install
    with:
      gem-file: webrick-1.2.3.gem
      version: \${{package.version}}
`);
    const step = flatten(recipe.packages[0]?.pipeline ?? []).find((s) => s.uses === 'ruby/install');
    assert.equal(step?.with?.['gem-file'], 'webrick-1.2.3.gem');
    const ws = workspace('rubyfile');
    writeFileSync(join(ws, 'webrick-1.2.3.gem'), 'gem bytes');
    const log = run(recipe, ws);
    assert.match(log, /^gem install webrick-1\.2\.3\.gem .*--version 1\.2\.3/m);
    const out = join(ws, 'melange-out', 'rubyfile');
    assert.equal(readFileSync(join(out, 'usr/lib/ruby/gems/3.3.0/gems/webrick-1.2.3.gem'), 'utf8'), 'gem bytes');
    assert.ok(existsSync(join(out, 'usr/bin/webrick-1.2.3')));
  });

  it('ruby/install still takes gem + version, and fails clearly with neither gem nor gem-file', async () => {
    const named = await compile(`${header('rubyname')}pipeline:
  - uses: ruby/install
    with:
      gem: webrick
      version: \${{package.version}}
`);
    const ws = workspace('rubyname');
    writeFileSync(join(ws, 'webrick-1.2.3.gem'), 'named');
    assert.match(run(named, ws), /^gem install webrick-1\.2\.3\.gem /m);
    const neither = await compile(`${header('rubynone')}pipeline:
  - uses: ruby/install
    with:
      version: \${{package.version}}
`);
    assert.match(run(neither, workspace('rubynone'), 1), /specify gem or gem-file/);
  });

  it('cargo/build installs into prefix/install-dir from output-dir', async () => {
    const recipe = await compile(`${header('rusty')}pipeline:
  - uses: cargo/build
    with:
      output: hello
      install-dir: libexec
      jobs: 2
`);
    const step = flatten(recipe.packages[0]?.pipeline ?? []).find((s) => s.uses === 'cargo/build');
    assert.equal(step?.with?.['install-dir'], 'libexec');
    assert.equal(step?.with?.prefix, 'usr');
    assert.equal(step?.with?.['output-dir'], 'target/release');
    assert.equal(step?.with?.jobs, '2', 'an unquoted number is its source text');
    const ws = workspace('rusty');
    const log = run(recipe, ws);
    assert.match(log, /^cargo auditable build --target-dir target --release --jobs 2$/m);
    assert.ok(existsSync(join(ws, 'melange-out/rusty/usr/libexec/hello')));
    assert.ok(!existsSync(join(ws, 'melange-out/rusty/usr/bin')));

    // Every executable of output-dir when no output is named; prefix moves the whole tree.
    const all = await compile(`${header('rustall')}pipeline:
  - uses: cargo/build
    with:
      prefix: opt/rust
`);
    const ws2 = workspace('rustall');
    run(all, ws2);
    assert.ok(existsSync(join(ws2, 'melange-out/rustall/opt/rust/bin/hello')));
    assert.ok(!existsSync(join(ws2, 'melange-out/rustall/opt/rust/bin/deps')), 'directories are not installed');
  });

  it('pecl/phpize configures and pecl/install installs and enables the extension', async () => {
    const recipe = await compile(`${header('php-demo')}pipeline:
  - uses: pecl/phpize
    with:
      php-config: php-config83
  - uses: pecl/install
    with:
      extension: demo
`);
    const ws = workspace('php-demo');
    const log = run(recipe, ws);
    assert.match(log, /^phpize $/m);
    assert.match(log, /^configure --prefix=\/usr --with-php-config=php-config83$/m);
    assert.match(log, /^make INSTALL_ROOT=\S+melange-out\/php-demo install$/m);
    const out = join(ws, 'melange-out', 'php-demo');
    assert.equal(readFileSync(join(out, 'etc/php/conf.d/demo.ini'), 'utf8'), 'extension=demo\n');
    assert.ok(existsSync(join(out, 'usr/lib/php/modules/demo.so')));
  });

  it('pecl/install requires the extension name', async () => {
    const loaded = await loadRecipe('/virtual/melange.yaml', {
      readFile: async (p) =>
        p === '/virtual/melange.yaml'
          ? `${header('php-none')}pipeline:\n  - uses: pecl/install\n`
          : readFileSync(p, 'utf8'),
    });
    const r = compileLoadedRecipe(loaded, 'x86_64');
    assert.match(renderDiagnostics(r.diagnostics), /required input 'extension' for pipeline 'pecl\/install'/);
  });
  it('npm/install takes melange prefix (the package directory included) and command', async () => {
    const recipe = await compile(`${header('terse')}vars:
  prefix: /usr/local
pipeline:
  - uses: npm/install
    with:
      package: terser
      prefix: \${{targets.contextdir}}/\${{vars.prefix}}
      version: \${{package.version}}
`);
    const ws = workspace('terse');
    const log = run(recipe, ws);
    assert.match(log, /^npm pack terser@1\.2\.3$/m);
    assert.ok(existsSync(join(ws, 'melange-out/terse/usr/local/bin/tool')), log);
    const dflt = await compile(`${header('npmdefault')}pipeline:
  - uses: npm/install
    with:
      package: terser
      version: \${{package.version}}
      command: npm
`);
    const ws2 = workspace('npmdefault');
    run(dflt, ws2);
    assert.ok(existsSync(join(ws2, 'melange-out/npmdefault/usr/bin/tool')));
  });

  it('python/import runs each imports line as a statement; python/test runs its command', async () => {
    const recipe = await compile(`${header('pyimp')}pipeline:
  - uses: python/import
    with:
      python: pypy9
      imports: |
        from libfoo import bar
        # a comment
        import bark # inline comment
  - uses: python/test
    with:
      command: pypy9 -m pytest
`);
    const log = run(recipe, workspace('pyimp'));
    assert.match(log, /^pypy9 -c from libfoo import bar$/m);
    assert.match(log, /^pypy9 -c import bark\s*$/m);
    assert.doesNotMatch(log, /import from|comment/);
    assert.match(log, /^pypy9 -m pytest$/m);
  });
  it('maven/pombump passes the files that exist and the given flags, and rewrites the POM', async () => {
    const recipe = await compile(`${header('pommy')}pipeline:
  - uses: maven/pombump
    with:
      properties: netty.version=4.1.118
`);
    const ws = workspace('pommy');
    writeFileSync(join(ws, 'pom.xml'), '<project/>\n');
    writeFileSync(join(ws, 'pombump-deps.yaml'), 'patches: []\n');
    const log = run(recipe, ws);
    assert.match(log, /^pombump pom\.xml --patch-file \.\/pombump-deps\.yaml --properties netty\.version=4\.1\.118$/m);
    assert.equal(
      readFileSync(join(ws, 'pom.xml'), 'utf8'),
      '<project/>\n<!-- pom.xml --patch-file ./pombump-deps.yaml --properties netty.version=4.1.118 -->\n',
    );
  });
});
