/**
 * Every command given a missing input file (as each positional and as each file-valued option a
 * command takes) fails with a clean error, never "internal error" (exit 70). The missing path lies
 * under a regular file, so nothing can be created there either.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { commands } from '../../src/cli/commands/index.js';
import { runCli } from '../helpers/cli.js';
import { baseEnv, makeRepo, standardConfig, standardPackages } from './image-build-repo.js';

let work: string;
let missing: string;
let cfg: string;
let recipe: string;
let apk: string;
let recipes: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lupine-missing-'));
  writeFileSync(join(work, 'afile'), 'x');
  missing = join(work, 'afile', 'missing');
  const repo = join(work, 'repo');
  const key = await makeRepo(repo, 'x86_64', standardPackages('1.0.0-r0'));
  cfg = join(work, 'cfg.yaml');
  writeFileSync(cfg, standardConfig(key, repo));
  recipe = join(work, 'hello.yaml');
  writeFileSync(recipe, 'package:\n  name: hello\n  version: 1.0.0\n  epoch: 0\npipeline:\n  - runs: echo hi\n');
  recipes = join(work, 'recipes');
  mkdirSync(recipes);
  writeFileSync(join(recipes, 'hello.yaml'), readFileSync(recipe));
  apk = join(repo, 'x86_64', readdirSync(join(repo, 'x86_64')).find((n) => n.endsWith('.apk')) as string);
});
after(() => rmSync(work, { recursive: true, force: true }));

/** File-valued options, with a valid rest of the command line where one is needed to reach them. */
const optionCases = (): string[][] => [
  ['image', 'build', cfg, 'a:1', join(work, 'o1'), '--lockfile', missing],
  ['image', 'build', cfg, 'a:1', join(work, 'o2'), '--keyring-append', missing],
  ['image', 'build', cfg, 'a:1', join(work, 'o3'), '--repository-append', missing],
  ['image', 'publish', cfg, '127.0.0.1:1/a/b:1', '--lockfile', missing],
  ['image', 'lock', cfg, '--output', missing],
  ['image', 'show-packages', cfg, '--keyring-append', missing],
  ['image', 'build-minirootfs', cfg, join(work, 'r.tar'), '--keyring-append', missing],
  ['image', 'sign', '127.0.0.1:1/a/b:1', '--key', missing],
  ['image', 'verify', '127.0.0.1:1/a/b:1', '--key', missing],
  ['image', 'attest', '127.0.0.1:1/a/b:1', '--key', missing, '--predicate', missing],
  ['scan', missing, '--db', missing],
  ['sbom', missing, '-o', join(work, 'x.json')],
  ['report', missing, '-o', join(work, 'r.html')],
  ['apk', '--root', join(work, 'root'), '--initdb', '--repositories-file', missing, 'add', 'app'],
  ['apk', '--root', join(work, 'root2'), '--initdb', '--keys-dir', missing, '-X', missing, 'add', 'app'],
  ['apk', '--root', join(work, 'root3'), '--initdb', '--allow-untrusted', 'add', missing],
  ['apk', '--test-instdb', missing, 'info'],
  ['apk', '--test-repo', missing, 'add', 'app'],
  ['pkg', 'build', missing],
  ['pkg', 'build', cfg, '--signing-key', missing],
  ['pkg', 'lint', missing],
  ['pkg', 'compile', missing, '--vars-file', missing],
  ['pkg', 'bump', missing, '1.2.3'],
  ['distro', 'build', missing, '--signing-key', missing, '--dry-run'],
  ['sign', missing, '--key', missing],
  ['index', missing, '-o', join(work, 'APKINDEX.tar.gz')],
];

/**
 * Every input-file option of every command, the rest of the command line valid: the missing file
 * is the first thing wrong, so the answer must be IO_ERROR naming it, exit 3.
 */
const inputCases = (): string[][] => [
  ['image', 'build', cfg, 'a:1', join(work, 'o1'), '--lockfile', missing],
  ['image', 'build', cfg, 'a:1', join(work, 'o2'), '--keyring-append', missing],
  ['image', 'build', missing, 'a:1', join(work, 'o4')],
  ['image', 'publish', cfg, '127.0.0.1:1/a/b:1', '--lockfile', missing],
  ['image', 'lock', missing],
  ['image', 'lock', cfg, '--keyring-append', missing],
  ['image', 'show-config', missing],
  ['image', 'show-packages', cfg, '--keyring-append', missing],
  ['image', 'dot', missing],
  ['image', 'build-minirootfs', cfg, join(work, 'r.tar'), '--keyring-append', missing],
  ['image', 'push', missing, '127.0.0.1:1/a/b:1'],
  ['image', 'sign', '127.0.0.1:1/a/b:1', '--key', missing],
  ['image', 'verify', '127.0.0.1:1/a/b:1', '--key', missing],
  ['image', 'verify-attestation', '127.0.0.1:1/a/b:1', '--key', missing],
  ['image', 'attest', '127.0.0.1:1/a/b:1', '--key', cfg, '--predicate', missing],
  ['scan', apk, '--db', missing],
  ['report', apk, '--db', missing, '-o', join(work, 'r2.html')],
  ['apk', '--root', join(work, 'root'), '--initdb', '--repositories-file', missing, 'add', 'app'],
  ['apk', '--root', join(work, 'root3'), '--initdb', '--allow-untrusted', 'add', `${missing}.apk`],
  ['apk', '--test-instdb', missing, 'info'],
  ['apk', '--test-repo', missing, 'add', 'app'],
  ['pkg', 'build', missing],
  ['pkg', 'build', recipe, '--signing-key', missing],
  ['pkg', 'build', recipe, '--vars-file', missing],
  ['pkg', 'build', recipe, '--env-file', missing],
  ['pkg', 'build', recipe, '--keyring-append', missing],
  ['pkg', 'test', missing],
  ['pkg', 'lint', missing],
  ['pkg', 'compile', missing],
  ['pkg', 'compile', recipe, '--vars-file', missing],
  ['pkg', 'compile', recipe, '--env-file', missing],
  ['pkg', 'bump', missing, '1.2.3'],
  ['pkg', 'package-version', missing],
  ['distro', 'build', missing, '--dry-run'],
  ['distro', 'build', recipes, '--signing-key', missing],
  ['distro', 'graph', missing],
  ['distro', 'outdated', missing],
  ['distro', 'fetch', missing],
  ['sign', missing, '--signing-key', missing],
  ['sign', apk, '--signing-key', missing],
  ['inspect', missing],
  ['index', missing, '-o', join(work, 'APKINDEX.tar.gz')],
  ['index', apk, '-o', join(work, 'APKINDEX2.tar.gz'), '--signing-key', missing],
];

/**
 * Targets that may also be an image reference: a missing path is not a target (the command's own
 * code, exit 3, naming it); `verify` reports each file on its own line and counts the failures.
 */
const targetCases = (): [string[], RegExp, number][] => [
  [['scan', missing], /error\[SCAN_BAD_TARGET\]/, 3],
  [['sbom', missing, '-o', join(work, 'x.json')], /error\[SCAN_BAD_TARGET\]/, 3],
  [['report', missing, '-o', join(work, 'r.html')], /error\[REPORT_BAD_IMAGE\]/, 3],
  [['verify', missing], /\[IO_ERROR\]/, 1],
];

describe('a missing input file', () => {
  test('is an IO_ERROR naming the file, exit 3, for every input-file option of every command', async () => {
    const env = { ...baseEnv(), HOME: join(work, 'home'), SOURCE_DATE_EPOCH: '0' };
    const bad: string[] = [];
    for (const argv of inputCases()) {
      const r = await runCli(argv, { cwd: work, env });
      if (r.code !== 3 || !/error\[IO_ERROR\]/.test(r.stderr) || !r.stderr.includes(missing)) {
        bad.push(`lupine ${argv.join(' ')} → ${r.code}: ${r.stderr.split('\n').slice(0, 2).join(' / ')}`);
      }
    }
    for (const [argv, says, code] of targetCases()) {
      const r = await runCli(argv, { cwd: work, env });
      const out = r.stderr + r.stdout;
      if (r.code !== code || !says.test(out) || !out.includes(missing)) {
        bad.push(`lupine ${argv.join(' ')} → ${r.code}: ${out.split('\n').slice(0, 2).join(' / ')}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('never ends in "internal error", for any command', async () => {
    const env = { ...baseEnv(), HOME: join(work, 'home'), SOURCE_DATE_EPOCH: '0' };
    const argvs: string[][] = [];
    for (const c of commands) {
      argvs.push([...c.path, missing], [...c.path, missing, missing], [...c.path, missing, 'a:1', join(work, 'o')]);
    }
    argvs.push(...optionCases());
    const bad: string[] = [];
    for (const argv of argvs) {
      const r = await runCli(argv, { cwd: work, env });
      if (r.code === 70 || /internal error/.test(r.stderr + r.stdout)) {
        bad.push(`lupine ${argv.join(' ')} → ${r.code}: ${r.stderr.split('\n').slice(0, 2).join(' / ')}`);
        continue;
      }
      if (r.code === 0) continue;
      assert.ok(r.code === 2 || r.code === 3 || r.code === 1, `${argv.join(' ')}: exit ${r.code}`);
    }
    assert.deepEqual(bad, []);
  });

  test('image build --lockfile /missing is an IO_ERROR naming the file, exit 3', async () => {
    const r = await runCli(['image', 'build', cfg, 'a:1', join(work, 'out'), '--lockfile', missing], {
      cwd: work,
      env: baseEnv(),
    });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /error\[IO_ERROR\]/);
    assert.ok(r.stderr.includes(missing), r.stderr);
  });
});
