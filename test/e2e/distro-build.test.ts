/**
 * The undistro end to end: `lupine distro build` makes the real distro/ (stage 0 from this
 * machine's Debian packages, stage 1 in bubblewrap) into a signed repository, a rerun builds
 * nothing, an epoch bump rebuilds exactly what changed; every image in images/ builds from it,
 * stays within its size budget and runs under runc as it should.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildRecipe } from '../../src/build/index.js';
import { assertCode } from '../helpers/assert-code.js';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';

const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
const dpkgOk = ok('dpkg-query', ['-W', 'busybox-static', 'gcc-12', 'libc6-dev', 'nodejs']);
const canBuild = ok('bwrap', ['--version']) && dpkgOk;
const canRun = canBuild && process.getuid?.() === 0 && ok('runc', ['--version']) && ok('umoci', ['--version']);

const env = { ...process.env, SOURCE_DATE_EPOCH: '0' };
let work: string;
const containers: string[] = [];

async function lupine(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(argv, { cwd: work, env });
}

async function distroBuild(): Promise<{ code: number; stdout: string; stderr: string }> {
  return lupine([
    'distro',
    'build',
    'distro',
    '-j',
    '2',
    '--out-dir',
    'out/packages',
    '--signing-key',
    'out/keys/demo.rsa',
    '--cache-dir',
    'out/cache',
  ]);
}

/**
 * The source store the from-source recipes build from: the checkout's, filled by ./setup.sh
 * (`lupine distro fetch distro --cache-dir out/cache`); tests never reach Debian's archive.
 */
const SOURCES = join(repoRoot, 'out', 'cache', 'sources');
const withSources = (dir: string) => {
  assert.ok(
    existsSync(SOURCES),
    `${SOURCES} is missing: run ./setup.sh (lupine distro fetch distro --cache-dir out/cache)`,
  );
  cpSync(SOURCES, join(dir, 'out', 'cache', 'sources'), { recursive: true });
};

/** Recipes in distro/, and the packages they make. */
const RECIPES = 14;
const PACKAGES = 19;

const outcome = (stderr: string, verb: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith(`${verb} `))
    .map((l) => (l.slice(verb.length).trim().split(/[: ]/)[0] ?? '').trim())
    .sort();

describe('lupine distro build: the real distro', {
  skip: !canBuild && 'needs bwrap and the Debian packages of distro/README.md',
}, () => {
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lupine-distro-e2e-'));
    cpSync(join(repoRoot, 'distro'), join(work, 'distro'), { recursive: true });
    cpSync(join(repoRoot, 'images'), join(work, 'images'), { recursive: true });
    mkdirSync(join(work, 'out', 'keys'), { recursive: true });
    withSources(work);
    const k = await lupine(['keygen', 'demo', '--out', 'out/keys']);
    assert.equal(k.code, 0, k.stderr);
  });
  after(() => {
    for (const id of containers) spawnSync('runc', ['delete', '-f', id]);
    rmSync(work, { recursive: true, force: true });
  });

  test('builds all recipes (stage 0 imports, the rest from source), tested, into a signed repository', async () => {
    const r = await distroBuild();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^distro: ${RECIPES} built, 0 skipped, 0 failed in `));
    assert.equal(outcome(r.stderr, 'built').length, RECIPES);
    assert.ok(existsSync(join(work, 'out/packages/x86_64/APKINDEX.tar.gz')));
    for (const name of ['glibc', 'hello-server', 'node-app']) {
      const log = readFileSync(join(work, 'out/packages/logs', `${name}.log`), 'utf8');
      assert.match(log, /test block of .* passed/, `${name} was tested`);
    }
    assert.match(readFileSync(join(work, 'out/packages/logs/glibc.log'), 'utf8'), /unhermetic/);
  });

  test('a second run with no change builds nothing', async () => {
    const r = await distroBuild();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^distro: 0 built, ${RECIPES} skipped, 0 failed in .*\\(nothing to do\\)$`, 'm'));
  });

  test('reproducible: a second tree from empty caches gives the same identities and image digests', async () => {
    const other = mkdtempSync(join(tmpdir(), 'lupine-distro-e2e-b-'));
    try {
      cpSync(join(repoRoot, 'distro'), join(other, 'distro'), { recursive: true });
      cpSync(join(repoRoot, 'images'), join(other, 'images'), { recursive: true });
      cpSync(join(work, 'out', 'keys'), join(other, 'out', 'keys'), { recursive: true });
      withSources(other);
      const here = work;
      const digests = async (dir: string) => {
        work = dir;
        const out: string[] = [];
        for (const name of ['static', 'hello', 'node']) {
          const r = await lupine(['image', 'build', `images/${name}.yaml`, `${name}:latest`, `out/repro/${name}`]);
          assert.equal(r.code, 0, r.stderr);
          out.push(`${name} ${r.stdout.trim()}`);
        }
        return out;
      };
      try {
        work = other;
        const r = await distroBuild();
        assert.equal(r.code, 0, r.stderr);
        const a = identities(join(here, 'out/packages/x86_64/APKINDEX.tar.gz'));
        const b = identities(join(other, 'out/packages/x86_64/APKINDEX.tar.gz'));
        assert.equal(a.length, PACKAGES);
        assert.deepEqual(b, a);
        // the from-source packages, byte for byte (signed .apk files included)
        for (const apk of ['zlib-1.3.2-r0.apk', 'bzip2-1.0.8-r0.apk', 'libbz2-1-1.0.8-r0.apk', 'zstd-1.5.7-r0.apk']) {
          const x = readFileSync(join(here, 'out/packages/x86_64', apk));
          assert.ok(x.equals(readFileSync(join(other, 'out/packages/x86_64', apk))), `${apk} is byte-identical`);
        }
        assert.deepEqual(await digests(other), await digests(here));
      } finally {
        work = here;
      }
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test('bumping one recipe rebuilds it and the dependents whose inputs changed, no more', async () => {
    const file = join(work, 'distro', 'libstdc++.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  epoch: 0\n', '  epoch: 1\n'));
    const r = await distroBuild();
    assert.equal(r.code, 0, r.stderr);
    // nodejs builds against libstdc++ (its test guest); node-app builds against nodejs, whose
    // rebuild is byte-identical (same identity), so node-app is up to date.
    assert.deepEqual(outcome(r.stderr, 'built'), ['libstdc++', 'nodejs']);
    assert.match(r.stderr, /^build {2}libstdc\+\+: version changed \(12\.2\.0-r0 → 12\.2\.0-r1\)/m);
    assert.match(r.stderr, /^build {2}nodejs: dependency libstdc\+\+-12\.2\.0-r1 changed identity/m);
    assert.match(r.stderr, /^skip {3}node-app: up to date$/m);
  });

  test('a stage-1 build cannot read the host', async () => {
    const dir = join(work, 'probe');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'probe.yaml'),
      `package:
  name: probe
  version: 1.0.0
  epoch: 0
  description: reads a host-only file
  copyright:
    - license: MIT
environment:
  contents:
    packages: [busybox]
pipeline:
  - runs: |
      cat /etc/debian_version
      mkdir -p "\${{targets.destdir}}"
`,
    );
    assert.ok(existsSync('/etc/debian_version'), 'the host has the file');
    const logs: string[] = [];
    await assertCode(
      () =>
        buildRecipe(join(dir, 'probe.yaml'), {
          arch: 'x86_64',
          outDir: join(dir, 'out'),
          runner: 'bubblewrap',
          repositories: [join(work, 'out/packages')],
          keys: [join(work, 'out/keys/demo.rsa.pub')],
          sourceDir: dir,
          packageCacheDir: join(work, 'out/cache/packages'),
          logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), debug() {} },
        }),
      'BUILD_STEP_FAILED',
    );
    assert.ok(
      logs.some((l) => /debian_version'?: No such file/.test(l)),
      logs.join('\n'),
    );
  });

  describe('the images/ catalog', () => {
    const budgets: Record<string, number> = { static: 2.5e6, hello: 3e6, node: 45e6 };
    const built = new Map<string, { size: number; packages: string[] }>();

    test('every image builds from the distro, within its size budget', async () => {
      for (const name of ['static', 'busybox', 'node', 'node-dev', 'hello', 'node-app']) {
        const r = await lupine([
          'image',
          'build',
          `images/${name}.yaml`,
          `${name}:latest`,
          `out/images/${name}`,
          '--json',
        ]);
        assert.equal(r.code, 0, `${name}: ${r.stderr}`);
        const image = (JSON.parse(r.stdout) as { images: { layers: { size: number }[]; packages: string[] }[] })
          .images[0];
        assert.ok(image);
        const size = image.layers.reduce((a, l) => a + l.size, 0);
        built.set(name, { size, packages: image.packages });
        const budget = budgets[name];
        if (budget !== undefined) assert.ok(size <= budget, `${name}: ${size} bytes compressed > ${budget}`);
      }
      // apko's install order: the config's packages as listed (none of them depends on another).
      assert.deepEqual(built.get('static')?.packages, [
        'lupine-baselayout=2026.11-r0',
        'ca-certificates-bundle=20230311-r0',
        'tzdata=2025b-r0',
      ]);
      assert.ok(built.get('node')?.packages.includes('libstdc++=12.2.0-r1'));
    });

    const bundles = new Map<string, string>();
    function bundle(name: string): { dir: string; spec: Spec } {
      let dir = bundles.get(name);
      if (!dir) {
        dir = join(work, 'out', 'bundles', name);
        const r = spawnSync('umoci', ['unpack', '--image', `${join(work, 'out/images', name)}:latest`, dir], {
          encoding: 'utf8',
        });
        assert.equal(r.status, 0, r.stderr);
        bundles.set(name, dir);
      }
      return { dir, spec: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Spec };
    }

    test('a shell only in busybox and node-dev; uid 65532 in all but node-dev', {
      skip: !canRun && 'needs root, runc and umoci',
    }, () => {
      for (const name of ['static', 'busybox', 'node', 'node-dev', 'hello', 'node-app']) {
        const { dir, spec } = bundle(name);
        const hasShell = (() => {
          try {
            lstatSync(join(dir, 'rootfs/bin/sh'));
            return true;
          } catch {
            return false;
          }
        })();
        assert.equal(hasShell, name === 'busybox' || name === 'node-dev', `${name}: /bin/sh`);
        assert.equal(spec.process.user.uid, name === 'node-dev' ? 0 : 65532, `${name}: uid`);
      }
    });

    test('busybox runs a shell command as nonroot', { skip: !canRun && 'needs root, runc and umoci' }, () => {
      const out = runOnce('busybox', ['/bin/sh', '-c', 'echo "uid=$(id -u)"; grep ^ID= /etc/os-release']);
      assert.equal(out, 'uid=65532\nID=lupine\n');
    });

    test('node runs node -e', { skip: !canRun && 'needs root, runc and umoci' }, () => {
      const out = runOnce('node', ['/usr/bin/node', '-e', 'console.log(6 * 7, process.getuid())']);
      assert.equal(out, '42 65532\n');
    });

    test('hello answers HTTP on loopback', { skip: !canRun && 'needs root, runc and umoci' }, async () => {
      const body = await serveOnce('hello', (port) => ({ PORT: String(port) }), '/');
      assert.equal(body, 'Hello from lupine!\n');
    });

    test('node-app serves its page', { skip: !canRun && 'needs root, runc and umoci' }, async () => {
      const body = await serveOnce('node-app', (port) => ({ PORT: String(port) }), '/');
      assert.match(body, /Hello from lupine node-app/);
    });

    interface Spec {
      process: { terminal: boolean; args: string[]; env: string[]; user: { uid: number } };
      linux: { namespaces: { type: string }[] };
    }

    function prepare(name: string, edit: (spec: Spec) => void): string {
      const { dir, spec } = bundle(name);
      spec.process.terminal = false;
      edit(spec);
      writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
      const id = `lupine-distro-${name}-${process.pid}-${containers.length}`;
      containers.push(id);
      return id;
    }

    function runOnce(name: string, args: string[]): string {
      const id = prepare(name, (s) => {
        s.process.args = args;
      });
      const r = spawnSync('runc', ['run', '--bundle', bundle(name).dir, id], { encoding: 'utf8', input: '' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    }

    async function serveOnce(
      name: string,
      vars: (port: number) => Record<string, string>,
      path: string,
    ): Promise<string> {
      const port = await freePort();
      const id = prepare(name, (s) => {
        s.process.env = [
          ...s.process.env.filter((e) => !e.startsWith('PORT=')),
          ...Object.entries(vars(port)).map(([k, v]) => `${k}=${v}`),
        ];
        s.linux.namespaces = s.linux.namespaces.filter((n) => n.type !== 'network'); // reachable from the host
      });
      const child: ChildProcess = spawn('runc', ['run', '--bundle', bundle(name).dir, id], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        for (let i = 0; i < 100; i++) {
          try {
            const res = await fetch(`http://127.0.0.1:${port}${path}`);
            return await res.text();
          } catch {
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        assert.fail(`${name} never answered on port ${port}`);
      } finally {
        spawnSync('runc', ['kill', id, 'KILL']);
        await exited;
        spawnSync('runc', ['delete', '-f', id]);
      }
    }
  });
});

/** `name-version identity` of every package in an index, sorted. */
function identities(index: string): string[] {
  const text = spawnSync('tar', ['-xzOf', index, 'APKINDEX'], { encoding: 'utf8' }).stdout;
  return text
    .split('\n\n')
    .map((block) => {
      const field = (k: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${k}:`))
          ?.slice(2) ?? '';
      return `${field('P')}-${field('V')} ${field('C')}`;
    })
    .filter((l) => l.trim() !== '-')
    .sort();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}
