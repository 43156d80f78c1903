/**
 * The source-built userland of distro/ run for real: busybox (dynamic, our config), tzdata compiled
 * by our zic, Mozilla's full CA bundle. Uses the test run's shared build of distro/
 * (test/helpers/distro-tree.ts), copied: it builds nothing of its own (the byte-identical rebuild of
 * tzutils, tzdata and the CA bundle is distro-build.test's, which rebuilds them from empty caches).
 * Runs the images under runc: busybox reports its source-built version, `TZ=America/New_York` and
 * `TZ=Asia/Tokyo` resolve, the bundle holds Mozilla's roots, and busybox's wget fetches https:// from
 * a TLS server this test starts on 127.0.0.1 — without checking its certificate (busybox's own TLS
 * does not verify: distro/README.md).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { copySharedTree, type SharedTree, sharedDistroTree, TREE_ENV } from '../helpers/distro-tree.js';

const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
const canBuild = ok('bwrap', ['--version']) && ok('dpkg-query', ['-W', 'busybox-static', 'gcc-12', 'libc6-dev']);
const canRun =
  canBuild &&
  process.getuid?.() === 0 &&
  ok('runc', ['--version']) &&
  ok('umoci', ['--version']) &&
  ok('openssl', ['version']);

describe('the source-built userland: busybox, tzdata, CA bundle', {
  skip: !canBuild && 'needs bwrap and the Debian packages of distro/README.md',
}, () => {
  let tree: SharedTree;
  let work: string;
  const containers: string[] = [];
  before(async () => {
    tree = await sharedDistroTree();
    work = mkdtempSync(join(tmpdir(), 'lupine-userland-'));
    copySharedTree(tree, work);
  });
  after(() => {
    for (const id of containers) spawnSync('runc', ['delete', '-f', id]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the tree built and tested busybox, tzutils, tzdata and the CA bundle (from certdata)', () => {
    assert.equal(tree.build.code, 0, tree.build.stderr);
    for (const name of ['busybox', 'tzutils', 'tzdata', 'ca-certificates-bundle']) {
      const log = readFileSync(join(tree.dir, 'out/packages/logs', `${name}.log`), 'utf8');
      assert.match(log, /test block of .* passed/, `${name} was tested`);
    }
    const ca = readFileSync(join(tree.dir, 'out/packages/logs/ca-certificates-bundle.log'), 'utf8');
    assert.match(ca, /ca-certificates-bundle: 1[3-9]\d roots from certdata\.txt/);
  });

  describe('the static and busybox images', () => {
    const budgets: Record<string, number> = { static: 2.5e6, busybox: 3e6 };

    test('build within budget; static has the full CA bundle and tzdata', async () => {
      for (const name of ['static', 'busybox']) {
        const r = await runCli(
          ['image', 'build', `images/${name}.yaml`, `${name}:latest`, `out/images/${name}`, '--json'],
          { cwd: work, env: TREE_ENV },
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
          assert.ok(image.packages.includes('busybox=1.38.0-r1'), image.packages.join(' '));
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
    async function result(args: string[], hostNetwork = false): Promise<{ code: unknown; out: string; err: string }> {
      const child = run(args, hostNetwork);
      let out = '';
      let err = '';
      child.stdout?.on('data', (d) => {
        out += d;
      });
      child.stderr?.on('data', (d) => {
        err += d;
      });
      const code = await new Promise((resolve) => child.once('close', resolve));
      return { code, out, err };
    }
    async function output(args: string[], hostNetwork = false): Promise<string> {
      const r = await result(args, hostNetwork);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
      return r.out;
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

    // busybox 1.38's wget with its own TLS (FEATURE_WGET_HTTPS, no FEATURE_WGET_OPENSSL) does not
    // verify the server: tls.c never checks the chain or the name, and wget says so on stderr
    // (networking/wget.c, spawn_ssl_client). So the server's certificate here is self-signed, for
    // another name, and trusted by nothing in the image: the fetch still succeeds.
    test("busybox's wget fetches https:// from 127.0.0.1 without verifying the certificate (and says so)", {
      skip: !canRun && 'needs root, runc, umoci and openssl',
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lupine-userland-tls-'));
      try {
        const req =
          'req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=not-this-host.invalid -addext subjectAltName=DNS:not-this-host.invalid';
        const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
        execFileSync('openssl', [...req.split(' '), '-keyout', key, '-out', cert], { stdio: 'ignore' });
        const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) =>
          res.end('hello over TLS\n'),
        );
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        try {
          const port = (server.address() as AddressInfo).port;
          const r = await result(['/usr/bin/wget', '-O', '-', `https://127.0.0.1:${port}/`], true);
          assert.equal(r.code, 0, r.err);
          assert.equal(r.out, 'hello over TLS\n');
          assert.match(r.err, /note: TLS certificate validation not implemented/);
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
