/**
 * bin/lupine runs the packed CLI (dist/lupine-cli.js, from scripts/bundle.mjs) and must behave exactly
 * like the ES modules it packs: same bytes out, same exit code. And it must never run a stale pack:
 * the fallback rules are shown on a fake layout in a temp dir (dist/ is left alone).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { binLupine, repoRoot, vector } from '../helpers/paths.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(bin: string, argv: string[], env: Record<string, string> = {}, cwd = repoRoot): Run {
  const r = spawnSync(process.execPath, [bin, ...argv], {
    cwd,
    env: { ...process.env, LUPINE_NO_PACK: '', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.error, undefined);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The run with the pack and with LUPINE_NO_PACK=1 must be the same, byte for byte. */
function samePackedAndUnpacked(argv: string[], cwd = repoRoot): Run {
  const packed = run(binLupine, argv, {}, cwd);
  const unpacked = run(binLupine, argv, { LUPINE_NO_PACK: '1' }, cwd);
  assert.deepEqual(packed, unpacked, `lupine ${argv.join(' ')}: pack and ES modules differ`);
  return packed;
}

const temps: string[] = [];
function temp(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `lupine-${name}-`));
  temps.push(d);
  return d;
}
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('the real pack', () => {
  before(() => {
    // Idempotent and quick when the pack is up to date (npm test ran it already).
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'bundle.mjs')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '', 'the packer is quiet');
  });

  test('the pack is fresh (so bin/lupine uses it), pure ASCII, and its cache matches it', () => {
    const dist = join(repoRoot, 'dist');
    const pack = statSync(join(dist, 'lupine-cli.js'));
    assert.ok(statSync(join(dist, '.tsbuildinfo')).mtimeMs <= pack.mtimeMs, 'dist/.tsbuildinfo is newer than the pack');
    const text = readFileSync(join(dist, 'lupine-cli.js'));
    assert.equal(
      text.findIndex((b) => b > 0x7f),
      -1,
      'a non-ASCII byte in the pack',
    );
    const header = text.subarray(0, 200).toString('latin1');
    const digest = /^\/\/ lupine-cli pack sha256:([0-9a-f]{64})\n/.exec(header)?.[1];
    assert.ok(digest !== undefined, 'the pack starts with its digest');
    const cache = readFileSync(join(dist, 'lupine-cli.cache'));
    assert.equal(cache.subarray(0, 64).toString('latin1'), digest);
    assert.ok(cache.length > 1024, 'the cache holds compiled code');
  });

  test('every command’s --help is the same with the pack and without', async () => {
    const { commands } = await import('../../src/cli/commands/index.js');
    assert.ok(commands.length >= 10);
    for (const entry of commands) {
      const r = samePackedAndUnpacked([...entry.path, '--help']);
      assert.equal(r.code, 0, `${entry.path.join(' ')} --help: ${r.stderr}`);
      assert.match(r.stdout, /usage/i);
    }
    for (const argv of [['--help'], ['--version'], ['no-such-command'], ['apk', '--no-such-option']]) {
      samePackedAndUnpacked(argv);
    }
  });

  test('apk runs that do real work, and apk’s solver error, are the same with the pack and without', () => {
    const dir = temp('bundle-apk');
    mkdirSync(join(dir, 'root'));
    for (const [repo, arch, index] of [
      ['melange', 'x86_64', 'melange-x86_64-APKINDEX.tar.gz'],
      ['alpine', 'aarch64', 'alpine-v3.17-main-aarch64-APKINDEX.tar.gz'],
    ] as const) {
      mkdirSync(join(dir, repo, arch), { recursive: true });
      symlinkSync(vector('apk', index), join(dir, repo, arch, 'APKINDEX.tar.gz'));
    }
    const apk = (arch: string, repo: string, ...rest: string[]) => [
      'apk',
      '--simulate',
      '--root',
      join(dir, 'root'),
      '--arch',
      arch,
      '--allow-untrusted',
      '-X',
      join(dir, repo),
      ...rest,
    ];

    const ok = samePackedAndUnpacked(apk('x86_64', 'melange', 'add', 'replayout'), dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Installing replayout \(1\.0\.0-r0\)/);

    const big = samePackedAndUnpacked(apk('aarch64', 'alpine', 'add', 'alpine-base', 'python3', 'gcc'), dir);
    assert.equal(big.code, 0, big.stderr);
    assert.match(big.stdout, /Installing python3 /);

    const bad = samePackedAndUnpacked(apk('x86_64', 'melange', 'add', 'replayout', 'no-such-package'), dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^ERROR: unable to select packages:\n {2}no-such-package \(no such package\):/);
  });
});

describe('which code bin/lupine runs (a fake layout in a temp dir)', () => {
  const digest = 'ab'.repeat(32);
  const fakePack =
    `// lupine-cli pack sha256:${digest}\n` +
    '(function (nodeRequire, distUrl, loadAll) {\n' +
    '  return { main: async (argv, io) => { io.stdout.write("pack " + JSON.stringify(argv) + " " + distUrl + "\\n");' +
    ' return 7; } };\n})\n';
  const fakeEsm = 'process.stdout.write("esm " + JSON.stringify(process.argv.slice(2)) + "\\n");\n';

  /** tmp/{bin/lupine, bin/package.json, package.json, dist/{lupine-cli.js, .tsbuildinfo, src/cli/run.js}}. */
  function layout(): { bin: string; dist: string } {
    const root = temp('bundle-fake');
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'dist', 'src', 'cli'), { recursive: true });
    copyFileSync(binLupine, join(root, 'bin', 'lupine'));
    copyFileSync(join(repoRoot, 'bin', 'package.json'), join(root, 'bin', 'package.json'));
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
    const dist = join(root, 'dist');
    writeFileSync(join(dist, 'src', 'cli', 'run.js'), fakeEsm);
    writeFileSync(join(dist, '.tsbuildinfo'), '{}');
    writeFileSync(join(dist, 'lupine-cli.js'), fakePack);
    utimesSync(join(dist, '.tsbuildinfo'), 1000, 1000);
    utimesSync(join(dist, 'lupine-cli.js'), 2000, 2000);
    return { bin: join(root, 'bin', 'lupine'), dist };
  }
  const packed = (dist: string) => `pack ["x","--y"] ${pathToFileURL(join(dist, '/')).href}\n`;

  test('a pack newer than the last build runs, with main’s code as the exit code', () => {
    const { bin, dist } = layout();
    assert.deepEqual(run(bin, ['x', '--y']), { code: 7, stdout: packed(dist), stderr: '' });
  });

  test('a pack older than dist/.tsbuildinfo never runs: the ES modules do', () => {
    const { bin, dist } = layout();
    utimesSync(join(dist, '.tsbuildinfo'), 3000, 3000);
    assert.deepEqual(run(bin, ['x', '--y']), { code: 0, stdout: 'esm ["x","--y"]\n', stderr: '' });
  });

  test('no pack, or LUPINE_NO_PACK=1: the ES modules run', () => {
    const a = layout();
    assert.equal(run(a.bin, ['x'], { LUPINE_NO_PACK: '1' }).stdout, 'esm ["x"]\n');
    rmSync(join(a.dist, 'lupine-cli.js'));
    assert.equal(run(a.bin, ['x']).stdout, 'esm ["x"]\n');
  });

  test('an installed copy with no .tsbuildinfo runs the pack', () => {
    const { bin, dist } = layout();
    rmSync(join(dist, '.tsbuildinfo'));
    assert.equal(run(bin, ['x', '--y']).stdout, packed(dist));
  });

  test('a foreign or broken code cache only costs speed', () => {
    const { bin, dist } = layout();
    const cache = join(dist, 'lupine-cli.cache');
    writeFileSync(cache, Buffer.concat([Buffer.from(digest), Buffer.alloc(4096, 0x5a)]));
    assert.deepEqual(run(bin, ['x', '--y']), { code: 7, stdout: packed(dist), stderr: '' });
    writeFileSync(cache, Buffer.concat([Buffer.from('cd'.repeat(32)), Buffer.alloc(4096, 0x5a)]));
    assert.deepEqual(run(bin, ['x', '--y']), { code: 7, stdout: packed(dist), stderr: '' });
  });

  test('through a symlink (npm install -g links bin/lupine), the pack beside the real file runs', () => {
    const { bin, dist } = layout();
    const elsewhere = temp('bundle-link');
    symlinkSync(bin, join(elsewhere, 'lupine'));
    assert.deepEqual(run(join(elsewhere, 'lupine'), ['x', '--y'], {}, elsewhere), {
      code: 7,
      stdout: packed(dist),
      stderr: '',
    });
  });
});
