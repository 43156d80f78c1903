/**
 * Issue 11 finding 14: a killed `lupine image build` leaves its root (~100 MB for a real image) in
 * the temporary directory; the next build sweeps the ones whose owner process is gone and never
 * touches the root of a build still running.
 *
 * Real processes against the golden packages served on 127.0.0.1: under `/slow/` the server never
 * answers a package request, so a build using it is caught after its root exists (installing); one
 * is SIGKILLed there, one is left running, then a third build (normal answers) runs to the end.
 * All three share a TMPDIR under the test's directory, so nothing else on the machine is looked at.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OWNER_FILE, sweepStaleDirs } from '../../../src/core/index.js';
import { buildImage, loadImageConfig } from '../../../src/image/index.js';
import { killChildren, startLupine, userTempParent } from '../../helpers/lupine-child.js';
import { vector } from '../../helpers/paths.js';

const golden = vector('apko', 'golden-testdata');

describe('image build sweeps the roots killed builds left (issue 11 #14)', () => {
  let work = '';
  let tmp = '';
  let server: http.Server | undefined;
  let base = '';
  const held: http.ServerResponse[] = [];
  let heldCount = 0;
  const children: ChildProcess[] = [];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lupine-image-stale-'));
    tmp = join(work, 'tmp');
    mkdirSync(tmp);
    server = http.createServer((req, res) => {
      const raw = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const slow = raw.startsWith('/slow/');
      const path = normalize(slow ? raw.slice('/slow'.length) : raw);
      if (slow && path.endsWith('.apk')) {
        held.push(res);
        heldCount++;
        return;
      }
      try {
        const body = readFileSync(join(golden, path));
        res.writeHead(200, { 'content-length': body.length });
        res.end(body);
      } catch {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const [name, prefix] of [
      ['slow.yaml', '/slow'],
      ['fast.yaml', ''],
    ] as const) {
      writeFileSync(
        join(work, name),
        `contents:\n  keyring: [${base}/packages/melange.rsa.pub]\n  repositories: [${base}${prefix}/packages/]\n  packages: [replayout]\narchs: [x86_64]\n`,
      );
    }
  });
  after(async () => {
    killChildren(children);
    await sleep(200);
    for (const r of held) r.destroy();
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const start = (config: string, out: string, verb = 'build') => {
    const args = verb === 'build' ? ['image', 'build', config, 'test:latest', out] : ['image', verb, config, out];
    return startLupine(args, {
      cwd: work,
      env: { PATH: process.env.PATH, HOME: join(work, 'home'), TMPDIR: tmp, SOURCE_DATE_EPOCH: '0' },
      children,
    });
  };
  // lupine's temp dirs live in a per-user parent only we can write (issue 11 #2).
  const own = () => userTempParent(tmp);
  const entries = () => (existsSync(own()) ? readdirSync(own()).sort() : []);
  /** Waits until a new package request is held and a new entry exists in TMPDIR; returns the entry. */
  const waitForInstall = async (requests: number, known: readonly string[]): Promise<string> => {
    for (let i = 0; i < 600; i++) {
      const fresh = entries().filter((n) => !known.includes(n));
      if (heldCount > requests && fresh.length === 1) return fresh[0] as string;
      await sleep(50);
    }
    assert.fail(`no build reached its install step (entries: ${entries().join(', ')})`);
  };

  it('sweeps a killed build root, keeps a live one', async () => {
    const live = start('slow.yaml', 'live.tar');
    const liveRoot = await waitForInstall(0, []);
    const killed = start('slow.yaml', 'killed.tar');
    const killedRoot = await waitForInstall(1, [liveRoot]);
    killed.child.kill('SIGKILL');
    await killed.done;
    assert.ok(existsSync(join(own(), killedRoot)), 'SIGKILL left the root behind');

    const next = start('fast.yaml', 'next.tar');
    assert.equal(await next.done, 0, next.output());
    assert.deepEqual(entries(), [liveRoot], 'the killed build root is gone, the live one kept');
    assert.equal(live.child.exitCode, null, 'the live build still runs');

    live.child.kill('SIGTERM');
    await live.done;
  });

  it('keeps a root asked for (keepRoots) out of the owned directories the sweep removes', async () => {
    const parent = join(work, 'kept');
    mkdirSync(parent);
    const { config } = await loadImageConfig(join(work, 'fast.yaml'));
    assert.ok(config);
    const built = await buildImage(config, { keepRoots: true, tempDir: parent, workDir: work });
    const rootDir = built.perArch[0]?.rootDir;
    assert.ok(rootDir !== undefined && existsSync(join(rootDir, 'etc', 'lupine.json')), 'the root is kept');
    assert.deepEqual(readdirSync(parent), [rootDir.slice(parent.length + 1)], 'only the kept root is left');
    assert.match(rootDir, /\/lupine-root-x86_64-[^/]+$/);
    assert.equal(existsSync(join(rootDir, OWNER_FILE)), false, 'no owner file in the root');
    // Even as unowned and old, nothing the sweep looks at holds it.
    const swept = await sweepStaleDirs(parent, 'lupine-image-', { unownedAfterMs: -1 });
    assert.deepEqual(swept.removed, []);
    assert.ok(existsSync(join(rootDir, 'etc', 'lupine.json')));
  });

  it('image publish sweeps the layout directory a killed publish left', async () => {
    const known = entries();
    const killed = start('slow.yaml', '127.0.0.1:1/stale/test:latest', 'publish');
    for (let i = 0; i < 600 && heldCount <= 2; i++) await sleep(50);
    const made = entries().filter((n) => !known.includes(n));
    assert.equal(made.filter((n) => n.startsWith('lupine-publish-')).length, 1, `entries: ${made.join(', ')}`);
    killed.child.kill('SIGKILL');
    await killed.done;
    // Nothing listens on port 1: this publish fails at its push, after its sweep and its build.
    const next = start('fast.yaml', '127.0.0.1:1/stale/test:latest', 'publish');
    assert.notEqual(await next.done, 0, next.output());
    assert.deepEqual(entries(), [], 'the killed publish left nothing behind (its layout directory, its root)');
  });
});
