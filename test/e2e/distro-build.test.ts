/**
 * The undistro end to end: `lupine distro build` makes the real distro/ (stage 0 from this
 * machine's Debian packages, stage 1 in bubblewrap) into a signed repository, a rerun builds
 * nothing, an epoch bump rebuilds exactly what changed; every image in images/ builds from it,
 * stays within its size budget and runs under runc as it should.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDistroTree } from '../../src/distro/index.js';
import { buildRecipe } from '../../src/pkg/index.js';
import { assertCode } from '../helpers/assert-code.js';
import { runCli } from '../helpers/cli.js';
import {
  copySharedTree,
  distroBuildArgs,
  type SharedTree,
  sharedDistroTree,
  TREE_ENV,
} from '../helpers/distro-tree.js';
import { imageBundles } from '../helpers/image-bundles.js';
import { repoRoot } from '../helpers/paths.js';

const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
const dpkgOk = ok('dpkg-query', ['-W', 'busybox-static', 'gcc-12', 'libc6-dev', 'nodejs']);
const canBuild = ok('bwrap', ['--version']) && dpkgOk;
const canRun = canBuild && process.getuid?.() === 0 && ok('runc', ['--version']) && ok('umoci', ['--version']);

let work: string;
let tree: SharedTree;
const containers: string[] = [];

async function lupine(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(argv, { cwd: work, env: TREE_ENV });
}

async function distroBuild(): Promise<{ code: number; stdout: string; stderr: string }> {
  return lupine(distroBuildArgs());
}

/** Recipes in distro/ (every one is built); the packages they make are counted from the repository. */
const RECIPES = readdirSync(join(repoRoot, 'distro')).filter((f) => f.endsWith('.yaml')).length;
const apkCount = (dir: string) =>
  readdirSync(join(dir, 'out/packages/x86_64')).filter((f) => f.endsWith('.apk')).length;

/**
 * The recipes the reproducibility check builds a second time, from empty package caches in another
 * directory: the from-source packages the acceptance names (zlib, busybox, openssl) and those of the
 * static image (its base layout, CA bundle and tzdata, with tzutils, whose zic compiles tzdata).
 * What they build against (stage 0, xz, perl, …) comes from the shared tree's repository, as built:
 * rebuilding the whole closure would double the suite's build time for no more evidence.
 */
const REBUILT = ['busybox', 'ca-certificates-bundle', 'lupine-baselayout', 'openssl', 'tzdata', 'tzutils', 'zlib'];

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
    // The run's shared build (test/helpers/distro-tree.ts), copied: these tests rebuild and edit.
    tree = await sharedDistroTree();
    work = mkdtempSync(join(tmpdir(), 'lupine-distro-e2e-'));
    copySharedTree(tree, work);
  });
  after(() => {
    for (const id of containers) spawnSync('runc', ['delete', '-f', id]);
    rmSync(work, { recursive: true, force: true });
  });

  test('builds all recipes (stage 0 imports, the rest from source), tested, into a signed repository', () => {
    const r = tree.build;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^distro: ${RECIPES} built, 0 skipped, 0 failed in `));
    assert.equal(outcome(r.stderr, 'built').length, RECIPES);
    assert.equal(identities(join(tree.dir, 'out/packages/x86_64/APKINDEX.tar.gz')).length, apkCount(tree.dir));
    for (const name of ['glibc', 'hello-server', 'node-app']) {
      const log = readFileSync(join(work, 'out/packages/logs', `${name}.log`), 'utf8');
      assert.match(log, /test block of .* passed/, `${name} was tested`);
    }
    assert.match(readFileSync(join(work, 'out/packages/logs/glibc-bootstrap.log'), 'utf8'), /unhermetic/);
  });

  test('the C library: apk picks the source-built glibc, glibc-bootstrap only where named, never both', async () => {
    const add = async (...packages: string[]) => {
      const root = mkdtempSync(join(tmpdir(), 'lupine-libc-'));
      try {
        const r = await lupine([
          'apk',
          '--root',
          root,
          '--initdb',
          '-s',
          '-X',
          'out/packages',
          '--allow-untrusted',
          'add',
          ...packages,
        ]);
        const installed = [...r.stdout.matchAll(/Installing (\S+) \(/g)].map((m) => m[1]);
        return { ...r, installed };
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    };
    // what every stage-1 guest and image holds: the libc comes in through so: dependencies
    for (const world of [['busybox'], ['build-base', 'busybox'], ['nodejs']]) {
      const r = await add(...world);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.installed.includes('glibc'), `${world}: ${r.installed}`);
      assert.ok(!r.installed.includes('glibc-bootstrap'), `${world}: ${r.installed}`);
    }
    // glibc's own guest names the stage-0 libc, which then provides every so: name alone
    const boot = await add('build-base', 'busybox-static', 'glibc-bootstrap', 'gawk', 'bison', 'python3-bootstrap');
    assert.equal(boot.code, 0, boot.stderr);
    assert.ok(boot.installed.includes('glibc-bootstrap') && !boot.installed.includes('glibc'), `${boot.installed}`);
    // both at once: the versioned so: provides conflict
    const both = await add('glibc', 'glibc-bootstrap');
    assert.notEqual(both.code, 0, both.stdout);
    assert.match(both.stderr, /conflicts|unable to select/);
  });

  test('a second run with no change builds nothing', async () => {
    const r = await distroBuild();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^distro: 0 built, ${RECIPES} skipped, 0 failed in .*\\(nothing to do\\)$`, 'm'));
  });

  test('reproducible: zlib, busybox, openssl and the static image rebuilt in another directory from empty package caches are byte-identical', async () => {
    const other = mkdtempSync(join(tmpdir(), 'lupine-distro-e2e-b-'));
    try {
      // The shared tree's recipes, key and repository (what the rebuilt ones build against); no
      // out/cache: every guest package is fetched again from the repository.
      copySharedTree(tree, other);
      assert.ok(!existsSync(join(other, 'out/cache')), 'empty package caches');
      const here = work;
      const digest = async (dir: string) => {
        work = dir;
        const r = await lupine(['image', 'build', 'images/static.yaml', 'static:latest', 'out/repro/static']);
        assert.equal(r.code, 0, r.stderr);
        return r.stdout.trim();
      };
      try {
        work = other;
        const r = await lupine([...distroBuildArgs(), '--only', REBUILT.join(','), '--force']);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(outcome(r.stderr, 'built'), REBUILT);
        // every package of the rebuilt recipes, signed .apk file included, byte for byte
        const graph = await loadDistroTree(join(repoRoot, 'distro'), { arch: 'x86_64' });
        const apks = graph.nodes
          .filter((n) => REBUILT.includes(n.name))
          .flatMap((n) => n.packages.map((p) => `${p}-${n.fullVersion}.apk`));
        for (const apk of [
          'zlib-1.3.2-r1.apk',
          'busybox-1.38.0-r1.apk',
          'openssl-3.6.3-r0.apk',
          'libcrypto3-3.6.3-r0.apk',
        ]) {
          assert.ok(apks.includes(apk), apk);
        }
        for (const apk of apks) {
          const x = readFileSync(join(tree.dir, 'out/packages/x86_64', apk));
          assert.ok(x.equals(readFileSync(join(other, 'out/packages/x86_64', apk))), `${apk} is byte-identical`);
        }
        assert.equal(await digest(other), await digest(here));
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
    const budgets: Record<string, number> = { static: 2.5e6, hello: 3e6, curl: 8e6, node: 45e6 };
    const catalog = ['static', 'busybox', 'curl', 'node', 'node-dev', 'hello', 'node-app'];
    const built = new Map<string, { size: number; packages: string[] }>();

    test('every image builds from the distro, within its size budget', async () => {
      for (const name of catalog) {
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
        'ca-certificates-bundle=20250419-r0',
        'tzdata=2026c-r0',
      ]);
      assert.ok(built.get('node')?.packages.includes('libstdc++=12.2.0-r1'));
      // the C library of every image is the source-built glibc, never the stage-0 one
      for (const [name, image] of built) {
        assert.ok(!image.packages.some((p) => p.startsWith('glibc-bootstrap=')), `${name}: ${image.packages}`);
        if (name !== 'static') assert.ok(image.packages.includes('glibc=2.43-r0'), `${name}: ${image.packages}`);
      }
    });

    const unpacked = imageBundles(() => work);
    function bundle(name: string): { dir: string; spec: Spec } {
      const dir = unpacked(name);
      return { dir, spec: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Spec };
    }

    test('a shell only in busybox and node-dev; uid 65532 in all but node-dev, owning its home; no host paths in apk data', {
      skip: !canRun && 'needs root, runc and umoci',
    }, () => {
      for (const name of catalog) {
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
        if (name !== 'node-dev') {
          assert.equal(lstatSync(join(dir, 'rootfs/home/nonroot')).uid, 65532, `${name}: /home/nonroot is nonroot's`);
        }
        // apk's repositories, where an image has them (node-dev): URLs only, never the building machine's paths
        const repos = join(dir, 'rootfs/etc/apk/repositories');
        if (existsSync(repos)) {
          assert.deepEqual(
            readFileSync(repos, 'utf8')
              .split('\n')
              .filter((l) => l.trim() !== '' && !/^https?:\/\//.test(l)),
            [],
            `${name}: /etc/apk/repositories`,
          );
        }
      }
    });

    test('busybox runs a shell command as nonroot, in its home, which it can write', {
      skip: !canRun && 'needs root, runc and umoci',
    }, () => {
      const out = runOnce('busybox', [
        '/bin/sh',
        '-c',
        'echo "uid=$(id -u)"; grep ^ID= /etc/os-release; touch /home/nonroot/written && pwd',
      ]);
      assert.equal(out, 'uid=65532\nID=lupine\n/home/nonroot\n');
    });

    test('curl names our OpenSSL and zlib, and fetches https:// from a loopback TLS server', {
      skip: !canRun && 'needs root, runc and umoci',
    }, async () => {
      const version = runOnce('curl', ['/usr/bin/curl', '--version']);
      assert.match(version, /^curl 8\.21\.0 .* OpenSSL\/3\.6\.3 zlib\/1\.3\.2 zstd\/1\.5\.7/);
      const tls = testTls(join(work, 'tls'));
      const server = createHttpsServer({ key: tls.key, cert: tls.cert }, (_req, res) => res.end('hello over TLS\n'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const port = (server.address() as AddressInfo).port;
        writeFileSync(join(bundle('curl').dir, 'rootfs/home/nonroot/test-ca.pem'), tls.ca);
        const r = await runAsync('curl', [
          '/usr/bin/curl',
          '-sS',
          '--cacert',
          '/home/nonroot/test-ca.pem',
          `https://127.0.0.1:${port}/`,
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'hello over TLS\n');
        // without the test CA (only the image's bundle) the server is not trusted
        const untrusted = await runAsync('curl', ['/usr/bin/curl', '-sS', `https://127.0.0.1:${port}/`]);
        assert.equal(untrusted.code, 60, untrusted.stderr);
        // nonroot writes its working directory, its home
        const saved = await runAsync('curl', ['/usr/bin/curl', '-sSO', 'file:///etc/os-release']);
        assert.equal(saved.code, 0, saved.stderr);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
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

    /** Runs a command in the image on the host's network, without blocking this process's servers. */
    async function runAsync(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
      const id = prepare(name, (s) => {
        s.process.args = args;
        s.linux.namespaces = s.linux.namespaces.filter((n) => n.type !== 'network');
      });
      const child = spawn('runc', ['run', '--bundle', bundle(name).dir, id], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
      });
      const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? -1)));
      spawnSync('runc', ['delete', '-f', id]);
      return { code, stdout, stderr };
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

/**
 * A test CA and a server certificate it signed for 127.0.0.1 (made with the host's openssl, in
 * `dir`): PEM texts.
 */
function testTls(dir: string): { ca: string; key: string; cert: string } {
  mkdirSync(dir, { recursive: true });
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(['req', '-x509', ...ec, '-subj', '/CN=lupine test CA', '-days', '2', '-keyout', 'ca.key', '-out', 'ca.pem']);
  run(['req', '-new', ...ec, '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  const sign = ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'];
  run([...sign, '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.pem']);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { ca: read('ca.pem'), key: read('server.key'), cert: read('server.pem') };
}

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
