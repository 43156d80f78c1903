/**
 * The source-built userland of distro/ run for real: busybox (dynamic, our config), tzdata compiled
 * by our zic, Mozilla's full CA bundle. Takes the run's shared build of distro/ and checks what the
 * `static` and `busybox` images need is built and tested (no node, no compression libraries), rebuilds the cheap from-source recipes in a second directory to
 * show byte-identical packages, then runs the images under runc: busybox reports its source-built
 * version, `TZ=America/New_York` and `TZ=Asia/Tokyo` resolve, the bundle holds Mozilla's roots and
 * busybox's wget fetches https:// from a TLS server this test starts on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { copySharedTree, sharedDistroTree } from '../helpers/distro-tree.js';
import { repoRoot } from '../helpers/paths.js';

const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
const canBuild = ok('bwrap', ['--version']) && ok('dpkg-query', ['-W', 'busybox-static', 'gcc-12', 'libc6-dev']);
const canRun =
  canBuild &&
  process.getuid?.() === 0 &&
  ok('runc', ['--version']) &&
  ok('umoci', ['--version']) &&
  ok('openssl', ['version']);

const env = { ...process.env, SOURCE_DATE_EPOCH: '0' };
const SOURCES = join(repoRoot, 'out', 'cache', 'sources');
/** What the static and busybox images need, and the recipes that build them. */
const NEEDED =
  'busybox-static,glibc-bootstrap,libgcc,build-base,bison,python3-bootstrap,gawk,glibc,busybox,tzutils,tzdata,ca-certificates-bundle,lupine-baselayout';
/** Cheap from-source recipes rebuilt in a second directory. */
const REBUILT = ['tzutils-2.43-r0.apk', 'tzdata-2026c-r0.apk', 'ca-certificates-bundle-20250419-r0.apk'];

/** A copy of the tree in a fresh directory, with the checkout's source store (./setup.sh fills it). */
function tree(prefix: string): string {
  assert.ok(existsSync(SOURCES), `${SOURCES} is missing: run ./setup.sh (lupine distro fetch distro)`);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(repoRoot, 'distro'), join(dir, 'distro'), { recursive: true });
  cpSync(join(repoRoot, 'images'), join(dir, 'images'), { recursive: true });
  cpSync(SOURCES, join(dir, 'out', 'cache', 'sources'), { recursive: true });
  return dir;
}

const build = (dir: string, only: string, ...more: string[]) =>
  runCli(['distro', 'build', 'distro', '-j', '2', '--signing-key', 'out/keys/demo.rsa', '--only', only, ...more], {
    cwd: dir,
    env,
  });

describe('the source-built userland: busybox, tzdata, CA bundle', {
  skip: !canBuild && 'needs bwrap and the Debian packages of distro/README.md',
}, () => {
  let work: string;
  const containers: string[] = [];
  before(async () => {
    work = tree('lupine-userland-');
    // the run's shared build (test/helpers/distro-tree.ts) holds these recipes' packages: glibc from
    // source is too long a build to repeat here; `build` below then only checks they are up to date
    copySharedTree(await sharedDistroTree(), work);
  });
  after(() => {
    for (const id of containers) spawnSync('runc', ['delete', '-f', id]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('builds and tests what the static and busybox images need', async () => {
    const r = await build(work, NEEDED);
    assert.equal(r.code, 0, r.stderr);
    for (const name of ['busybox', 'tzutils', 'tzdata', 'ca-certificates-bundle']) {
      const log = readFileSync(join(work, 'out/packages/logs', `${name}.log`), 'utf8');
      assert.match(log, /test block of .* passed/, `${name} was tested`);
    }
    const ca = readFileSync(join(work, 'out/packages/logs/ca-certificates-bundle.log'), 'utf8');
    assert.match(ca, /ca-certificates-bundle: 1[3-9]\d roots from certdata\.txt/);
  });

  test('reproducible: tzutils, tzdata and the CA bundle rebuilt in another directory are byte-identical', async () => {
    const other = tree('lupine-userland-b-');
    try {
      cpSync(join(work, 'out', 'keys'), join(other, 'out', 'keys'), { recursive: true });
      // what they build against (stage 0, busybox) from the first tree: only the three are rebuilt
      cpSync(join(work, 'out', 'packages'), join(other, 'out', 'packages'), { recursive: true });
      const r = await build(other, 'tzutils,tzdata,ca-certificates-bundle', '--force');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^distro: 3 built/m);
      for (const apk of REBUILT) {
        const a = readFileSync(join(work, 'out/packages/x86_64', apk));
        assert.ok(a.equals(readFileSync(join(other, 'out/packages/x86_64', apk))), `${apk} is byte-identical`);
      }
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  describe('the static and busybox images', () => {
    const budgets: Record<string, number> = { static: 2.5e6, busybox: 3e6 };

    test('build within budget; static has the full CA bundle and tzdata', async () => {
      for (const name of ['static', 'busybox']) {
        const r = await runCli(
          ['image', 'build', `images/${name}.yaml`, `${name}:latest`, `out/images/${name}`, '--json'],
          { cwd: work, env },
        );
        assert.equal(r.code, 0, `${name}: ${r.stderr}`);
        const image = (JSON.parse(r.stdout) as { images: { layers: { size: number }[]; packages: string[] }[] })
          .images[0];
        assert.ok(image);
        const size = image.layers.reduce((a, l) => a + l.size, 0);
        assert.ok(size <= (budgets[name] as number), `${name}: ${size} bytes compressed`);
        if (name === 'static') {
          // apko's install order: the config's packages as listed (none depends on another).
          assert.deepEqual(image.packages, [
            'lupine-baselayout=2026.11-r0',
            'ca-certificates-bundle=20250419-r0',
            'tzdata=2026c-r0',
          ]);
        } else {
          assert.ok(image.packages.includes('busybox=1.38.0-r0'), image.packages.join(' '));
          assert.ok(!image.packages.some((p) => p.startsWith('busybox-static=')), image.packages.join(' '));
        }
      }
    });

    /** The busybox image unpacked once; each run gets its own container id. */
    let bundle: string | undefined;
    function run(args: string[], hostNetwork = false): ChildProcess {
      if (!bundle) {
        bundle = join(work, 'out', 'bundles', 'busybox');
        execFileSync('umoci', ['unpack', '--image', `${join(work, 'out/images/busybox')}:latest`, bundle]);
      }
      const config = join(bundle, 'config.json');
      const spec = JSON.parse(readFileSync(config, 'utf8'));
      spec.process.terminal = false;
      spec.process.args = args;
      if (hostNetwork)
        spec.linux.namespaces = spec.linux.namespaces.filter((n: { type: string }) => n.type !== 'network');
      writeFileSync(config, JSON.stringify(spec));
      const id = `lupine-userland-${process.pid}-${containers.length}`;
      containers.push(id);
      return spawn('runc', ['run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    }
    async function output(args: string[], hostNetwork = false): Promise<string> {
      const child = run(args, hostNetwork);
      let out = '';
      let err = '';
      child.stdout?.on('data', (d) => {
        out += d;
      });
      child.stderr?.on('data', (d) => {
        err += d;
      });
      const code = await new Promise((resolve) => child.once('exit', resolve));
      assert.equal(code, 0, `${args.join(' ')}: ${err}`);
      return out;
    }

    test('busybox is the source-built one; time zones and the CA bundle are there', {
      skip: !canRun && 'needs root, runc, umoci and openssl',
    }, async () => {
      const out = await output([
        '/bin/sh',
        '-c',
        [
          'busybox 2>&1 | head -1',
          'TZ=America/New_York date -d @1750000000 "+%H %Z"',
          'TZ=Asia/Tokyo date -d @0 "+%H %Z"',
          "grep -c '^-----BEGIN CERTIFICATE-----$' /etc/ssl/certs/ca-certificates.crt",
          'id -u',
        ].join('; '),
      ]);
      const [banner, ny, tokyo, roots, uid] = out.trim().split('\n');
      assert.match(banner ?? '', /^BusyBox v1\.38\.0 /);
      assert.equal(ny, '11 EDT');
      assert.equal(tokyo, '09 JST');
      assert.ok(Number(roots) >= 130, `${roots} roots`);
      assert.equal(uid, '65532');
    });

    test("busybox's wget fetches https:// from a TLS server on 127.0.0.1", {
      skip: !canRun && 'needs root, runc, umoci and openssl',
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lupine-userland-tls-'));
      try {
        const req = 'req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1';
        const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
        execFileSync('openssl', [...req.split(' '), '-keyout', key, '-out', cert], { stdio: 'ignore' });
        const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) =>
          res.end('hello over TLS\n'),
        );
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        try {
          const port = (server.address() as AddressInfo).port;
          const out = await output(['/usr/bin/wget', '-q', '-O', '-', `https://127.0.0.1:${port}/`], true);
          assert.equal(out, 'hello over TLS\n');
        } finally {
          server.close();
          server.closeAllConnections();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
