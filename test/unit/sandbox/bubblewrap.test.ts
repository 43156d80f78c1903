import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { BubblewrapRunner, DEFAULT_PATH, melangeEnvironment, type Step } from '../../../src/sandbox/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { type HostGuest, makeHostGuest } from './host-guest.js';
import { descendants, mountTable, waitGone } from './procs.js';

/** Runs a step and collects its output lines. */
async function collect(runner: BubblewrapRunner, step: Step) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const result = await runner.run({ ...step, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
  return { ...result, stdout, stderr };
}

/** A separate node process that runs a long step and reports its processes, for killing it. */
const DYING_PARENT = `
import { BubblewrapRunner } from '../../../src/sandbox/index.js';
import { descendants } from './procs.js';
const [root, workspace] = process.argv.slice(2);
const runner = await BubblewrapRunner.start({ root, workspace });
let bwrap = 0;
await runner.run({
  script: 'sleep 300 &\\necho ready\\nsleep 300',
  onStart: (p) => { bwrap = p.bwrap; },
  stdout: () => { process.stdout.write(JSON.stringify({ bwrap, pids: descendants(bwrap) }) + '\\n'); },
});
`;

function interfaces(procNetDev: readonly string[]): string[] {
  return procNetDev
    .slice(2)
    .map((l) => l.split(':')[0]?.trim() ?? '')
    .filter((n) => n !== '')
    .sort();
}

describe('BubblewrapRunner (real bwrap)', () => {
  let g: HostGuest;
  let runner: BubblewrapRunner;
  const env = melangeEnvironment({ FOO: 'bar baz' }, { sourceDateEpoch: 1700000000 });

  before(async () => {
    g = await makeHostGuest();
    runner = await BubblewrapRunner.start({ root: g.root, workspace: g.workspace, cacheDir: g.cacheDir, env });
  });
  after(async () => {
    await runner.close();
    g.cleanup();
  });

  test('a script step prints and exits with its code', async () => {
    const r = await collect(runner, { script: 'echo hello\necho oops >&2\nexit 3' });
    assert.deepEqual(r.stdout, ['hello']);
    assert.deepEqual(r.stderr, ['oops']);
    assert.equal(r.exitCode, 3);
    assert.equal(r.signal, null);
    assert.equal(r.aborted, false);
    const events: string[] = [];
    const ok = await runner.run({
      script: 'echo done',
      onStart: (p) => events.push(p.bwrap > 0 && p.child > 0 ? 'start' : 'bad pids'),
      stdout: (l) => events.push(l),
    });
    assert.equal(ok.exitCode, 0);
    assert.deepEqual(events, ['start', 'done'], 'onStart comes before the first line');
  });

  test('set -e stops a script at the first failing command', async () => {
    const r = await collect(runner, { script: 'echo one\nfalse\necho two' });
    assert.deepEqual(r.stdout, ['one']);
    assert.equal(r.exitCode, 1);
  });

  test('an argv step gets stdin, and runs as the build user in /home/build', async () => {
    const cat = await collect(runner, { argv: ['/usr/bin/cat'], stdin: 'line 1\nline 2' });
    assert.deepEqual(cat.stdout, ['line 1', 'line 2']);
    const id = await collect(runner, { script: 'id -u; id -g; echo "$PWD"' });
    assert.deepEqual(id.stdout, ['1000', '1000', '/home/build']);
  });

  test('a script creates and enters its working directory', async () => {
    const r = await collect(runner, { script: 'echo "$PWD"', cwd: '/home/build/sub dir' });
    assert.deepEqual(r.stdout, ['/home/build/sub dir']);
    assert.ok(existsSync(join(g.workspace, 'sub dir')));
  });

  test('the environment is cleared: only what melange sets is visible', async () => {
    const r = await collect(runner, { argv: ['/usr/bin/cat', '/proc/self/environ'], env: { STEP_VAR: 'x' } });
    assert.equal(r.exitCode, 0);
    const seen: Record<string, string> = Object.fromEntries(
      r.stdout
        .join('\n')
        .split('\0')
        .filter((kv) => kv !== '')
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    assert.equal(seen.HOME, '/home/build');
    assert.equal(seen.GOMODCACHE, '/var/cache/melange/gomodcache');
    assert.equal(seen.SOURCE_DATE_EPOCH, '1700000000');
    // bubblewrap itself exports PWD for the directory it enters (melange's guests see it too).
    assert.deepEqual(seen, { ...env, PATH: DEFAULT_PATH, PWD: '/home/build', STEP_VAR: 'x' });
  });

  test("a root guest keeps Docker's default capabilities, never CAP_SYS_ADMIN", async () => {
    const asRoot = await BubblewrapRunner.start({ root: g.root, workspace: g.workspace, user: { uid: 0, gid: 0 } });
    try {
      const r = await collect(asRoot, { argv: ['/usr/bin/cat', '/proc/self/status'] });
      const eff = BigInt(`0x${r.stdout.find((l) => l.startsWith('CapEff:'))?.split(/\s+/)[1] ?? 'x'}`);
      // CHOWN 0, DAC_OVERRIDE 1, FOWNER 3, FSETID 4, KILL 5, SETGID 6, SETUID 7, SETPCAP 8,
      // NET_BIND_SERVICE 10, NET_RAW 13, SYS_CHROOT 18, MKNOD 27, AUDIT_WRITE 29, SETFCAP 31
      const expected = [0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31].reduce((m, b) => m | (1n << BigInt(b)), 0n);
      assert.equal(eff, expected);
      assert.equal(eff & (1n << 21n), 0n, 'no CAP_SYS_ADMIN: the read-only root stays read-only');
      const self = await collect(runner, { argv: ['/usr/bin/cat', '/proc/self/status'] });
      assert.ok(self.stdout.includes('CapEff:\t0000000000000000'), 'the build user has none');
    } finally {
      await asRoot.close();
    }
  });

  test('a host file outside the mounts does not exist in the guest', async () => {
    const secretDir = mkdtempSync(join(tmpdir(), 'lupine-secret-'));
    try {
      const secret = join(secretDir, 'secret.txt');
      writeFileSync(secret, 'top secret\n');
      const r = await collect(runner, { argv: ['/usr/bin/cat', secret] });
      assert.notEqual(r.exitCode, 0);
      assert.equal(r.stdout.length, 0);
      assert.match(r.stderr.join('\n'), /No such file or directory/);
      const home = await collect(runner, { argv: ['/usr/bin/ls', '/etc/shadow', '/root'] });
      assert.notEqual(home.exitCode, 0);
      assert.match(home.stderr.join('\n'), /No such file or directory/);
    } finally {
      rmSync(secretDir, { recursive: true, force: true });
    }
  });

  test('the guest cannot write outside the workspace, cache and /tmp', async () => {
    const usr = await collect(runner, { argv: ['/usr/bin/touch', '/usr/evil'] });
    assert.notEqual(usr.exitCode, 0);
    assert.match(usr.stderr.join('\n'), /Read-only file system/);
    const top = await collect(runner, { argv: ['/usr/bin/mkdir', '/evil'] });
    assert.notEqual(top.exitCode, 0);
    assert.equal(existsSync(join(g.root, 'usr', 'evil')), false);
    assert.equal(existsSync(join(g.root, 'evil')), false);
    const ok = await collect(runner, {
      script: 'echo built > /home/build/out.txt\necho cached > /var/cache/melange/c.txt\necho t > /tmp/t.txt',
    });
    assert.equal(ok.exitCode, 0, ok.stderr.join('\n'));
    assert.equal(readFileSync(join(g.workspace, 'out.txt'), 'utf8'), 'built\n');
    assert.equal(readFileSync(join(g.cacheDir, 'c.txt'), 'utf8'), 'cached\n');
    assert.equal(existsSync(join(g.root, 'tmp', 't.txt')), false);
  });

  test('with the network cut, the guest has only lo; with it on, the host interfaces', async () => {
    const off = await BubblewrapRunner.start({ root: g.root, workspace: g.workspace, network: false });
    try {
      const r = await collect(off, { argv: ['/usr/bin/cat', '/proc/net/dev'] });
      assert.deepEqual(interfaces(r.stdout), ['lo']);
      assert.ok(!off.argsFor({ argv: ['x'] }).includes('--share-net'));
    } finally {
      await off.close();
    }
    const on = await collect(runner, { argv: ['/usr/bin/cat', '/proc/net/dev'] });
    const host = interfaces(readFileSync('/proc/net/dev', 'utf8').split('\n'));
    assert.deepEqual(interfaces(on.stdout), host);
    assert.ok(host.length > 1, 'the host has more than lo, so the comparison means something');
  });

  test('SIGKILL of the bwrap child leaves no processes and no mounts', async () => {
    const mountsBefore = mountTable();
    let pids: number[] = [];
    let bwrapPid = 0;
    const r = await runner.run({
      script: 'sleep 300 &\nsleep 300 &\necho ready\nwait',
      onStart: (p) => {
        bwrapPid = p.bwrap;
      },
      stdout: (line) => {
        if (line !== 'ready' || bwrapPid === 0) return; // onStart comes first; never kill pid 0
        pids = descendants(bwrapPid);
        process.kill(bwrapPid, 'SIGKILL');
      },
    });
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(r.exitCode, null);
    assert.ok(pids.length >= 4, `inner bwrap, sh and two sleeps: ${pids.join(' ')}`);
    assert.deepEqual(await waitGone([bwrapPid, ...pids]), []);
    assert.equal(mountTable(), mountsBefore);
  });

  test('when our own process dies, the step dies with it', async () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), `dying-parent-${Date.now()}.mjs`);
    writeFileSync(script, DYING_PARENT);
    try {
      const child = spawn(process.execPath, [script, g.root, g.workspace], { stdio: ['ignore', 'pipe', 'inherit'] });
      const report = await new Promise<{ bwrap: number; pids: number[] }>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (c: Buffer) => {
          text += c.toString();
          if (text.includes('\n')) resolve(JSON.parse(text.slice(0, text.indexOf('\n'))));
        });
        child.on('exit', () => reject(new Error('the parent exited before reporting')));
      });
      assert.ok(report.pids.length >= 3, report.pids.join(' '));
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGKILL');
      await exited;
      assert.deepEqual(await waitGone([report.bwrap, ...report.pids]), []);
    } finally {
      rmSync(script, { force: true });
    }
  });

  test('aborting a step kills everything it started', async () => {
    const mountsBefore = mountTable();
    const ac = new AbortController();
    let pids: number[] = [];
    let bwrapPid = 0;
    const r = await runner.run({
      script: 'sleep 300 &\necho ready\nsleep 300',
      signal: ac.signal,
      onStart: (p) => {
        bwrapPid = p.bwrap;
      },
      stdout: (line) => {
        if (line !== 'ready') return;
        pids = descendants(bwrapPid);
        ac.abort();
      },
    });
    assert.equal(r.aborted, true);
    assert.equal(r.exitCode, null);
    assert.ok(pids.length >= 3, pids.join(' '));
    assert.deepEqual(await waitGone([bwrapPid, ...pids]), []);
    assert.equal(mountTable(), mountsBefore);
    const pre = new AbortController();
    pre.abort();
    assert.equal((await runner.run({ script: 'echo never', signal: pre.signal })).aborted, true);
  });

  test('a timeout kills the step', async () => {
    let pids: number[] = [];
    let bwrapPid = 0;
    const r = await runner.run({
      script: 'echo ready\nsleep 300',
      timeoutMs: 500,
      onStart: (p) => {
        bwrapPid = p.bwrap;
      },
      stdout: () => {
        pids = descendants(bwrapPid);
      },
    });
    assert.equal(r.timedOut, true);
    assert.deepEqual(await waitGone([bwrapPid, ...pids]), []);
  });

  test('a step bubblewrap cannot set up is SANDBOX_SETUP_FAILED', async () => {
    const err = await assertCode(
      () => runner.run({ argv: ['/usr/bin/true'], cwd: '/no/such/dir' }),
      'SANDBOX_SETUP_FAILED',
    );
    assert.match(err.message, /chdir/);
    await assertCode(() => runner.run({ argv: ['/usr/bin/no-such-tool'] }), 'SANDBOX_SETUP_FAILED');
  });

  test('a guest without /bin/sh cannot run scripts; a closed runner runs nothing', async () => {
    const empty = join(g.dir, 'empty-root');
    mkdirSync(empty);
    const bare = await BubblewrapRunner.start({ root: empty, workspace: g.workspace });
    await assertCode(() => bare.run({ script: 'true' }), 'SANDBOX_BAD_GUEST');
    await bare.close();
    await assertCode(() => bare.run({ argv: ['/x'] }), 'SANDBOX_CLOSED');
    await assertCode(
      () => BubblewrapRunner.start({ root: join(g.dir, 'nope'), workspace: g.workspace }),
      'SANDBOX_BAD_GUEST',
    );
    await assertCode(
      () => BubblewrapRunner.start({ root: g.root, workspace: g.workspace }, { bwrap: '/no/bwrap' }),
      'SANDBOX_UNAVAILABLE',
    );
  });

  test('close() kills a running step', async () => {
    const r2 = await BubblewrapRunner.start({ root: g.root, workspace: g.workspace });
    let bwrapPid = 0;
    let pids: number[] = [];
    const running = r2.run({
      script: 'echo ready\nsleep 300',
      onStart: (p) => {
        bwrapPid = p.bwrap;
      },
      stdout: () => {
        pids = descendants(bwrapPid);
        void r2.close();
      },
    });
    const r = await running;
    assert.equal(r.aborted, true);
    assert.deepEqual(await waitGone([bwrapPid, ...pids]), []);
  });
});
