import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { assertGolden } from '../helpers/golden.js';
import { repoRoot } from '../helpers/paths.js';

/** melange's `targets.destdir` variable, as a recipe writes it. */
const DEST = '$' + '{{targets.destdir}}';
const hasBwrap = spawnSync('bwrap', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'lupine-distro-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function recipe(name: string, needs: string[]): string {
  return `package:
  name: ${name}
  version: 1.0.0
  epoch: 0
  description: test recipe
  copyright:
    - license: MIT
environment:
  contents:
    packages: [${needs.join(', ')}]
pipeline:
  - runs: echo ${name}
`;
}

describe('lupine distro graph', () => {
  it('prints the real build order of distro/', async () => {
    const r = await runCli(['distro', 'graph', 'distro', '--arch', 'x86_64'], { cwd: repoRoot });
    assert.equal(r.code, 0, r.stderr);
    assertGolden('distro/graph.txt', r.stdout);
  });

  it('prints graphviz', async () => {
    const r = await runCli(['distro', 'graph', 'distro', '--dot', '--arch', 'x86_64'], { cwd: repoRoot });
    assert.equal(r.code, 0, r.stderr);
    assertGolden('distro/graph.dot', r.stdout);
  });

  it('names a cycle and exits 3', async () => {
    const tree = join(dir, 'cycle');
    mkdirSync(tree);
    writeFileSync(join(tree, 'a.yaml'), recipe('a', ['b']));
    writeFileSync(join(tree, 'b.yaml'), recipe('b', ['c']));
    writeFileSync(join(tree, 'c.yaml'), recipe('c', ['a']));
    const r = await runCli(['distro', 'graph', tree]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /error\[DISTRO_CYCLE\]: dependency cycle: a → b → c → a/);
    const b = await runCli(['distro', 'build', tree, '--dry-run', '--out-dir', join(dir, 'out-cycle')]);
    assert.equal(b.code, 3);
    assert.match(b.stderr, /DISTRO_CYCLE/);
  });

  it('reports every recipe problem at once', async () => {
    const tree = join(dir, 'bad');
    mkdirSync(tree);
    writeFileSync(join(tree, 'a.yaml'), recipe('a', []).replace('version: 1.0.0', 'version: 1-0'));
    writeFileSync(join(tree, 'b.yaml'), `${recipe('b', [])}bogus: 1\n`);
    const r = await runCli(['distro', 'graph', tree]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /DISTRO_RECIPE_INVALID/);
    assert.match(r.stderr, /a\.yaml:\d+:\d+/);
    assert.match(r.stderr, /b\.yaml:\d+:\d+/);
  });
});

describe('lupine distro build', () => {
  it('--dry-run plans the whole distro from scratch and writes nothing', async () => {
    const out = join(dir, 'out-dry');
    const r = await runCli(['distro', 'build', 'distro', '--dry-run', '--arch', 'x86_64', '--out-dir', out], {
      cwd: repoRoot,
    });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const recipes = readdirSync(join(repoRoot, 'distro')).filter((f) => f.endsWith('.yaml')).length;
    assert.equal(lines.filter((l) => /^would build \S+: never built$/.test(l)).length, recipes);
    assert.equal(lines.at(-1), `distro: ${recipes} to build, 0 up to date (dry run)`);
    assert.equal(lines[0], 'would build busybox-static: never built');
  });

  it('builds, logs, keeps state, blocks dependents of a failure and exits 3', {
    skip: !hasBwrap && 'needs bwrap',
  }, async () => {
    const tree = join(dir, 'small');
    mkdirSync(tree);
    const host = (name: string, script: string, needs: string[] = []) =>
      recipe(name, needs)
        .replace('description: test recipe', 'description: test recipe\n  annotations:\n    dev.lupine.runner: host')
        .replace(`  - runs: echo ${name}\n`, `  - runs: |\n      ${script}\n`);
    writeFileSync(
      join(tree, 'good.yaml'),
      host('good', `mkdir -p "${DEST}/usr/share/good" && echo hi > "${DEST}/usr/share/good/hi"`),
    );
    writeFileSync(join(tree, 'bad.yaml'), host('bad', 'echo about to fail; exit 7'));
    writeFileSync(join(tree, 'after.yaml'), host('after', `mkdir -p "${DEST}"`, ['bad']));
    const out = join(dir, 'small-out');
    const args = ['distro', 'build', tree, '-j', '2', '--out-dir', out, '--cache-dir', join(dir, 'small-cache')];
    const r = await runCli(args, { env: { ...process.env, SOURCE_DATE_EPOCH: '0' } });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout.replace(/ in [\d.]+ s/, ''), 'distro: 1 built, 0 skipped, 1 failed, 1 blocked\n');
    assert.match(r.stderr, /^built {2}good in [\d.]+ s: good-1\.0\.0-r0$/m);
    assert.match(r.stderr, /^FAILED bad after [\d.]+ s: BUILD_STEP_FAILED: /m);
    assert.match(r.stderr, /^blocked after: dependency bad failed$/m);
    assert.match(readFileSync(join(out, 'logs', 'bad.log'), 'utf8'), /about to fail/);
    assert.ok(existsSync(join(out, 'x86_64', 'good-1.0.0-r0.apk')));
    const state = JSON.parse(readFileSync(join(out, '.lupine-distro-state.json'), 'utf8'));
    assert.deepEqual(Object.keys(state.arches.x86_64), ['good']);

    writeFileSync(join(tree, 'bad.yaml'), host('bad', `mkdir -p "${DEST}"`));
    const again = await runCli(args, { env: { ...process.env, SOURCE_DATE_EPOCH: '0' } });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /^skip {3}good: up to date$/m);
    assert.match(again.stderr, /^build {2}bad: never built/m);
    assert.match(again.stderr, /^build {2}after: never built/m);
    assert.equal(again.stdout.replace(/ in [\d.]+ s/, ''), 'distro: 2 built, 1 skipped, 0 failed\n');
  });

  it('rejects a bad -j and an unknown --only', async () => {
    const j = await runCli(['distro', 'build', 'distro', '-j', '0', '--dry-run'], { cwd: repoRoot });
    assert.equal(j.code, 2);
    const o = await runCli(['distro', 'build', 'distro', '--only', 'nope', '--dry-run', '--out-dir', join(dir, 'o')], {
      cwd: repoRoot,
    });
    assert.equal(o.code, 3);
    assert.match(o.stderr, /DISTRO_UNKNOWN_PACKAGE.*nope/);
  });
});
