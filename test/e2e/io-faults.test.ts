/**
 * Every output-writing command against a read-only directory and a full disk (a 1 MB tmpfs filled
 * to the last byte): a clean error code (IO_ERROR, exit 3), never "internal error", and no partial
 * output left in either place. When the image goes to a healthy disk but its SBOMs to the full one,
 * neither appears (outputs are published together). Needs root's mount; skips with a message
 * where mounting a tmpfs is not allowed.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { type GuestRepo, makeGuestRepo } from '../unit/pkg/run-guest-repo.js';
import { baseEnv, makeRepo, standardConfig, standardPackages } from './image-build-repo.js';

let work: string;
let ro = '';
let full = '';
let mounted: string[] = [];
let skip: string | undefined;
let cfg: string;
let repo: string;
let key: string;
let layout: string;
let guest: GuestRepo | undefined;

function mountTmpfs(dir: string, opts: string): boolean {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    skip = `cannot mount a tmpfs here (${(r.stderr || r.error?.message || '').trim()})`;
    return false;
  }
  mounted.push(dir);
  return true;
}

/** Fills `dir`'s file system to the last byte. */
function fill(dir: string): void {
  const chunk = Buffer.alloc(64 * 1024, 1);
  let i = 0;
  for (;;) {
    try {
      writeFileSync(join(dir, `filler-${i++}`), chunk);
    } catch {
      break;
    }
  }
  // Small files too, until not even one more block fits.
  for (let j = 0; j < 64; j++) {
    try {
      writeFileSync(join(dir, `crumb-${j}`), Buffer.alloc(4096, 1));
    } catch {
      break;
    }
  }
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lupine-io-faults-'));
  repo = join(work, 'repo');
  key = await makeRepo(repo, 'x86_64', standardPackages('1.0.0-r0'));
  cfg = join(work, 'cfg.yaml');
  writeFileSync(cfg, standardConfig(key, repo));
  layout = join(work, 'layout');
  const built = await runCli(['image', 'build', cfg, 'a:1', layout], { cwd: work, env: env() });
  assert.equal(built.code, 0, built.stderr);
  if (mountTmpfs(join(work, 'ro'), 'ro,size=1m') && mountTmpfs(join(work, 'full'), 'size=1m')) {
    ro = join(work, 'ro');
    full = join(work, 'full');
    fill(full);
  }
});
after(() => {
  for (const m of mounted.reverse()) spawnSync('umount', [m]);
  mounted = [];
  if (guest) rmSync(guest.base, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

function env(): Record<string, string | undefined> {
  return { ...baseEnv(), HOME: join(work, 'home'), SOURCE_DATE_EPOCH: '1710000000' };
}

/** The commands, each writing under `dir`. */
const commands = (dir: string): string[][] => [
  ['image', 'build', cfg, 'a:1', join(dir, 'out.tar')],
  ['image', 'build', cfg, 'a:1', join(dir, 'layout')],
  ['image', 'build', cfg, 'a:1', join(dir, 'docker.tar'), '--format', 'docker'],
  ['image', 'lock', cfg, '--output', join(dir, 'cfg.lock.json')],
  ['image', 'build-minirootfs', cfg, join(dir, 'rootfs.tar')],
  ['sbom', layout, '-o', join(dir, 'sbom.json')],
  ['report', layout, '-o', join(dir, 'report.html')],
  ['scan', layout, '--db', join(work, 'no-advisories.json'), '-o', join(dir, 'scan.json')],
  ['keygen', 'k', '--out', dir],
  [
    'index',
    '--keys-dir',
    join(work, 'keys'),
    '-o',
    join(dir, 'APKINDEX.tar.gz'),
    ...readdirSync(join(repo, 'x86_64'))
      .filter((f) => f.endsWith('.apk'))
      .map((f) => join(repo, 'x86_64', f)),
  ],
  ['apk', '--root', dir, '--initdb', '-X', repo, '--keys-dir', join(work, 'keys'), 'add', 'app'],
];

describe('I/O faults on output', () => {
  before(() => {
    writeFileSync(
      join(work, 'no-advisories.json'),
      JSON.stringify({
        apkurl: '{{urlprefix}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk',
        archs: ['x86_64'],
        reponame: 'main',
        urlprefix: 'https://example.invalid',
        packages: [{ pkg: { name: 'app', secfixes: { '0.9.0-r0': ['CVE-2000-0001'] } } }],
      }),
    );
    mkdirSync(join(work, 'keys'), { recursive: true });
    execFileSync('cp', [key, join(work, 'keys')]);
  });

  for (const where of ['read-only', 'full'] as const) {
    test(`every output-writing command on a ${where} disk: IO_ERROR, no partial output`, async (t) => {
      if (skip) {
        t.skip(skip);
        return;
      }
      const dir = where === 'read-only' ? ro : full;
      const before = readdirSync(dir).sort();
      const bad: string[] = [];
      for (const argv of commands(dir)) {
        const r = await runCli(argv, { cwd: work, env: env() });
        const shown = `lupine ${argv.join(' ')} → ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`;
        if (r.code !== 3 || !/error\[IO_ERROR\]/.test(r.stderr) || /internal error/.test(r.stderr)) bad.push(shown);
        // Nothing claims to be installed into a root that cannot be written.
        if (where === 'read-only' && /Installing/.test(r.stdout)) bad.push(`${shown}: printed ${r.stdout.trim()}`);
        const now = readdirSync(dir).sort();
        if (JSON.stringify(now) !== JSON.stringify(before))
          bad.push(`${shown}: left ${now.filter((n) => !before.includes(n))}`);
      }
      assert.deepEqual(bad, []);
    });
  }

  test('image on a healthy disk, SBOMs on a full one: neither appears', async (t) => {
    if (skip) {
      t.skip(skip);
      return;
    }
    const out = join(work, 'healthy-layout');
    const r = await runCli(['image', 'build', cfg, 'a:1', out, '--sbom-path', join(full, 'sboms')], {
      cwd: work,
      env: env(),
    });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /error\[IO_ERROR\]/);
    assert.equal(existsSync(out), false);
    assert.equal(existsSync(join(full, 'sboms')), false);
  });

  test('pkg build --out-dir on a read-only and a full disk: IO_ERROR, nothing left', async (t) => {
    if (skip) {
      t.skip(skip);
      return;
    }
    guest = await makeGuestRepo('io-faults-pkg');
    const recipe = join(guest.base, 'melange.yaml');
    writeFileSync(
      recipe,
      `package:
  name: tiny
  version: 1.0.0
  epoch: 0
  description: tiny
  copyright:
    - license: MIT
environment:
  contents:
    packages:
      - busybox
pipeline:
  - runs: |
      mkdir -p "\${{targets.destdir}}/usr/share/tiny"
      echo tiny > "\${{targets.destdir}}/usr/share/tiny/README"
`,
    );
    for (const dir of [ro, full]) {
      const before = readdirSync(dir).sort();
      const r = await runCli(
        [
          'pkg',
          'build',
          recipe,
          '--signing-key',
          guest.keyFile,
          '--out-dir',
          join(dir, 'packages'),
          '-r',
          guest.dir,
          '-k',
          guest.keysDir,
          '--package-cache-dir',
          guest.packageCacheDir,
        ],
        { cwd: guest.base, env: { PATH: process.env.PATH, HOME: join(guest.base, 'home'), SOURCE_DATE_EPOCH: '0' } },
      );
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /error\[IO_ERROR\]/);
      assert.doesNotMatch(r.stderr, /internal error/);
      assert.deepEqual(readdirSync(dir).sort(), before);
    }
  });
});
