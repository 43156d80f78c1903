import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { vector } from '../helpers/paths.js';

const cwd = vector('apk-solver');
const apk = (...args: string[]) => runCli(['apk', ...args], { cwd, env: { SOURCE_DATE_EPOCH: '1559567666' } });

test('apk version -t prints <, = or >', async () => {
  for (const [a, b, op] of [
    ['1.0', '1.1', '<'],
    ['2.0-r1', '2.0-r1', '='],
    ['1.0_p1', '1.0', '>'],
    ['8.2.0', '8.2.001', '>'],
  ] as const) {
    const r = await apk('version', '-t', a, b);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${op}\n`);
  }
});

test('apk version -c lists invalid versions and exits 1', async () => {
  const ok = await apk('version', '-c', '1.0', '2.3_rc1-r0');
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout, '');
  const bad = await apk('version', '-c', '1.0', 'foo', '1.0-x');
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, 'foo\n1.0-x\n');
});

test('global options are accepted before and after the applet', async () => {
  const a = await apk('--test-repo', 'basic.repo', 'add', 'a');
  const b = await apk('add', 'a', '--test-repo', 'basic.repo');
  assert.equal(a.stdout, b.stdout);
  assert.equal(a.stdout, '(1/2) Installing b (2)\n(2/2) Installing a (2)\nOK: 0 MiB in 2 packages\n');
  const quiet = await apk('-q', '--test-repo', 'basic.repo', 'add', 'a');
  assert.equal(quiet.stdout, '');
  const verbose = await apk('-v', '--test-repo', 'basic.repo', 'add', 'a');
  assert.match(verbose.stdout, /OK: 2 packages, 0 dirs, 0 files, 0 MiB\n$/);
});

test('a solver error exits with the number of errors, the report on stderr', async () => {
  const r = await apk('--test-repo', 'complicated1.repo', 'add', 'a', 'd>1.5');
  // apk exits with the solver's error count (d-2.0 and b-1, whose d<2.0 it breaks).
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^ERROR: unable to select packages:\n {2}d-2.0:\n {4}breaks: b-1\[d<2.0\]/);
});

test('a bad dependency argument is apk’s error, exit 250 (add_main returns -1)', async () => {
  const r = await apk('--test-repo', 'basic.repo', 'add', 'foo=');
  assert.equal(r.code, 250);
  assert.equal(r.stderr, "ERROR: 'foo=' is not a valid world dependency, format is name(@tag)([<>~=]version)\n");
});

test('an unknown applet is named as apk names it: the first word that is not an option', async () => {
  const r = await apk('--test-repo', 'basic.repo', '-q', 'frobnicate', 'a');
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, "ERROR: 'frobnicate' is not an apk command. See 'apk --help'.\n");
});

test('an unknown option is a usage error', async () => {
  const r = await apk('--test-repo', 'basic.repo', 'add', '--no-such-option', 'a');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unrecognized option '--no-such-option'/);
});

test('a world tag without a repository stops the commit, exit 250 (apk_solver_commit returns -1)', async () => {
  const r = await apk('--test-repo', 'basic.repo', 'add', 'a@nowhere');
  assert.equal(r.code, 250);
  assert.equal(
    r.stderr,
    "WARNING: The repository tag for world dependency 'a@nowhere' does not exist\n" +
      'ERROR: Not committing changes due to missing repository tags. Use --force-broken-world to override.\n',
  );
});

test('del tells which world entries keep a name installed', async () => {
  const r = await apk(
    '--test-repo',
    'basic.repo',
    '--test-instdb',
    'basic.installed',
    '--test-world',
    'a b',
    'del',
    'b',
  );
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    // As apk-tools 2.14 does (apk-tools-behaviour behav-del-needed): b stays at its installed version.
    'World updated, but the following packages are not removed due to:\n  b: a\n\nOK: 0 MiB in 2 packages\n',
  );
});

test('policy, search, info and list read index data', async () => {
  const repos = ['--test-repo', 'pinning-basic.repo', '--test-repo', 'testing:pinning-overlay1.repo'];
  const policy = await apk(...repos, '--test-instdb', 'pinning.installed', 'policy', 'a');
  assert.equal(
    policy.stdout,
    'a policy:\n  2:\n    pinning-basic.repo\n  3:\n    lib/apk/db/installed\n    @testing pinning-overlay1.repo\n',
  );
  const search = await apk(...repos, 'search', 'same');
  assert.equal(search.stdout, 'samever-10\n');
  const info = await apk('--test-instdb', 'basic.installed', 'info');
  assert.equal(info.stdout, 'a\nb\n');
  const list = await apk('--test-repo', 'basic.repo', '--test-instdb', 'basic.installed', 'list', '--installed');
  assert.equal(list.stdout, 'a-2  {a} () [upgradable from: a-1]\nb-2  {b} () [upgradable from: b-1]\n');
});

test('a real run whose package files are missing fails with REPO_NOT_FOUND and writes nothing', async () => {
  const index = vector('apk', 'alpine-v3.17-main-aarch64-APKINDEX.tar.gz');
  const root = mkdtempSync(join(tmpdir(), 'lupine-apk-cli-'));
  try {
    const args = ['--root', root, '--arch', 'aarch64', '--allow-untrusted', '-X', index, 'add', 'musl'];
    const sim = await runCli(['apk', '--simulate', ...args], { cwd });
    assert.equal(sim.code, 0, sim.stderr);
    assert.match(sim.stdout, /^\(1\/1\) Installing musl \(/);
    const r = await runCli(['apk', ...args], { cwd });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /error\[REPO_NOT_FOUND\]: .*musl-1\.2\.3-r5\.apk does not exist/);
    assert.deepEqual(readdirSync(root), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('apk --version and -V print the version line its --help starts with, exit 0', async () => {
  const help = await apk('add', '--help');
  assert.equal(help.code, 0);
  for (const flag of ['--version', '-V']) {
    const r = await apk(flag);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^lupine \S+ apk, apk-tools 2\.14 compatible\.\n$/);
    assert.ok(help.stdout.startsWith(`${r.stdout}\nusage: lupine apk add `));
  }
});
