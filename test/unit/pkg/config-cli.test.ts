import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { bumpRecipeText } from '../../../src/pkg/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { runCli, spawnCli } from '../../helpers/cli.js';
import { assertGolden } from '../../helpers/golden.js';
import { vector } from '../../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'lupine-pkg-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const melange = vector('melange');

describe('lupine pkg compile', () => {
  it('prints JSON for a Wolfi recipe with its pipeline dir', async () => {
    const r = await runCli(
      ['pkg', 'compile', 'wolfi/zlib.yaml', '--arch', 'arm64', '--pipeline-dir', 'wolfi/pipelines', '--json'],
      { cwd: melange },
    );
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const doc = JSON.parse(r.stdout) as {
      arch: string;
      subpackages: { name: string }[];
      pipeline: { origin: string }[];
    };
    assert.equal(doc.arch, 'aarch64');
    assert.deepEqual(
      doc.subpackages.map((s) => s.name),
      ['zlib-static', 'zlib-dev', 'minizip', 'zlib-doc'],
    );
    assert.equal(doc.pipeline[0]?.origin, 'wolfi/zlib.yaml:34:5');
  });

  it('prints every problem relative to the working directory and exits 3', async () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      `package:\n  name: bad\n  version: 1.0-beta\n  epooch: 1\npipeline:\n  - uses: autoconf/confgure\n  - runs: make \${{vars.jobs}}\n`,
    );
    const r = await runCli(['pkg', 'compile', 'bad.yaml', '--arch', 'x86_64'], { cwd: dir });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assertGolden('build/bad.diagnostics.txt', r.stderr);
  });

  it('refuses an architecture the recipe does not build for', async () => {
    const r = await runCli(['pkg', 'compile', 'examples/one-arch.yaml', '--arch', 'aarch64'], { cwd: melange });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /BUILD_CONFIG_ARCH_SKIPPED/);
    assert.match(r.stderr, /target-architecture is x86_64/);
  });

  it('rejects an unknown architecture as a usage error', async () => {
    const r = await runCli(['pkg', 'compile', 'examples/minimal.yaml', '--arch', 'sparc'], { cwd: melange });
    assert.equal(r.code, 2);
  });

  it('runs from bin/lupine with a build option', () => {
    const r = spawnCli(['pkg', 'compile', 'examples/options.yaml', '--arch', 'x86_64', '--build-option', 'rustls'], {
      cwd: melange,
    });
    assert.equal(r.code, 0, r.stderr);
    const doc = parseYaml(r.stdout) as { 'build-options': string[]; subpackages: { name: string }[] };
    assert.deepEqual(doc['build-options'], ['rustls']);
    assert.ok(doc.subpackages.some((s) => s.name === 'libcurl-rustls4'));
  });
});

describe('lupine pkg package-version', () => {
  it('prints name-version-rN', async () => {
    const r = await runCli(['pkg', 'package-version', 'wolfi/curl.yaml'], { cwd: melange });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'curl-8.21.0-r2\n');
    const z = await runCli(['pkg', 'package-version', 'examples/minimal.yaml'], { cwd: melange });
    assert.match(z.stdout, /^minimal-[0-9.]+-r0\n$/);
  });

  // Issue 11 finding 14: versions apk-tools 2.14's lax tokenizer lets through but the apk grammar
  // (digits{.digits}[a-z]{_suffix[digits]}[~hash]) does not, are refused for a recipe.
  it('refuses a version outside the apk grammar', async () => {
    for (const bad of ['.5', '0x10', '1e3', '0o17', '1.x2', '1.0a1', '1..2']) {
      writeFileSync(join(dir, 'v.yaml'), `package:\n  name: v\n  version: "${bad}"\n  epoch: 0\n`);
      const r = await runCli(['pkg', 'package-version', 'v.yaml'], { cwd: dir });
      assert.notEqual(r.code, 0, `${bad} accepted: ${r.stdout}`);
      assert.match(r.stderr, /BUILD_CONFIG_BAD_VERSION/, bad);
      assertCodeSync(() => bumpRecipeText('package:\n  name: a\n  version: 1\n', bad), 'BUILD_CONFIG_BAD_VERSION');
    }
    for (const good of ['1', '1.2.3', '1.2a', '1.2_rc1', '1.2_p20240101_git3', '2.0~abc123']) {
      writeFileSync(join(dir, 'v.yaml'), `package:\n  name: v\n  version: "${good}"\n  epoch: 0\n`);
      const r = await runCli(['pkg', 'package-version', 'v.yaml'], { cwd: dir });
      assert.equal(r.stdout, `v-${good}-r0\n`, `${good}: ${r.stderr}`);
    }
  });
});

describe('lupine pkg bump', () => {
  it('sets the version, resets the epoch, and keeps everything else byte for byte', async () => {
    const file = join(dir, 'curl.yaml');
    copyFileSync(vector('melange', 'wolfi', 'curl.yaml'), file);
    const before = readFileSync(file, 'utf8');
    const r = await runCli(['pkg', 'bump', 'curl.yaml', '8.22.1'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const after = readFileSync(file, 'utf8');
    const changed = before
      .split('\n')
      .map((l, i) => [l, after.split('\n')[i]] as const)
      .filter(([a, b]) => a !== b);
    assert.deepEqual(changed, [
      ['  version: "8.21.0"', '  version: "8.22.1"'],
      ['  epoch: 2', '  epoch: 0'],
    ]);
    assert.match(
      r.stderr,
      /line 53: git-checkout expected-commit still pins the old version's commit; rerun with --expected-commit/,
    );
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.tmp')),
      [],
      'no temp file left behind',
    );
    const pv = await runCli(['pkg', 'package-version', 'curl.yaml'], { cwd: dir });
    assert.equal(pv.stdout, 'curl-8.22.1-r0\n');
  });

  it('updates expected-commit and checksums only when told', () => {
    const text = readFileSync(vector('melange', 'examples', 'options.yaml'), 'utf8');
    const sha = 'a'.repeat(64);
    const r = bumpRecipeText(text, '7.88.0', { expectedSha256: sha });
    assert.match(r.text, new RegExp(`expected-sha256: ${sha}\\n`));
    assert.match(r.text, /\n {2}version: 7\.88\.0\n {2}epoch: 0\n/);
    assert.equal(r.oldVersion, '7.87.0');
    assert.equal(r.oldEpoch, 3);
    const commit = 'b'.repeat(40);
    const git = bumpRecipeText(readFileSync(vector('melange', 'wolfi', 'zlib.yaml'), 'utf8'), '1.3.3', {
      expectedCommit: commit,
    });
    assert.match(git.text, new RegExp(`expected-commit: ${commit}`));
    assert.ok(git.notes.some((n) => n.includes(`expected-commit → ${commit}`)));
  });

  it('refuses versions apk cannot parse', () => {
    assertCodeSync(() => bumpRecipeText('package:\n  name: a\n  version: 1\n', '1.2-rc1'), 'BUILD_CONFIG_BAD_VERSION');
    assertCodeSync(
      () => bumpRecipeText('package:\n  name: a\n  version: 1\n', '1.2', { expectedCommit: 'nope' }),
      'BUILD_BUMP_FAILED',
    );
  });
});
