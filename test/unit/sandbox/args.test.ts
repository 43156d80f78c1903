import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  DEFAULT_PATH,
  guestArgs,
  hostArgs,
  LineSplitter,
  melangeEnvironment,
  runsScript,
  stepEnvironment,
} from '../../../src/sandbox/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';

/** The value after each occurrence of `flag` (pairs for two-argument flags). */
function after(args: readonly string[], flag: string, n = 1): string[][] {
  const out: string[][] = [];
  args.forEach((a, i) => {
    if (a === flag) out.push(args.slice(i + 1, i + 1 + n) as string[]);
  });
  return out;
}

describe('guestArgs', () => {
  const guest = { root: '/g/root', workspace: '/g/ws', cacheDir: '/g/cache', env: { HOME: '/home/build', A: '1' } };

  test('lays the guest out as melange does', () => {
    const args = guestArgs(guest, { script: 'make' }, { resolvConf: '/etc/resolv.conf' });
    assert.deepEqual(args.slice(0, 11), [
      '--unshare-all',
      '--share-net',
      '--unshare-user',
      '--uid',
      '1000',
      '--gid',
      '1000',
      '--die-with-parent',
      '--new-session',
      '--bind',
      '/g/root',
    ]);
    assert.deepEqual(after(args, '--bind', 2), [
      ['/g/root', '/'],
      ['/g/ws', '/home/build'],
      ['/g/cache', '/var/cache/melange'],
    ]);
    assert.deepEqual(after(args, '--ro-bind-try', 2), [['/etc/resolv.conf', '/etc/resolv.conf']]);
    assert.deepEqual(after(args, '--ro-bind', 2), [['/sys', '/sys']]);
    assert.deepEqual(after(args, '--tmpfs'), [['/tmp']]);
    assert.deepEqual(after(args, '--dev'), [['/dev']]);
    assert.deepEqual(after(args, '--proc'), [['/proc']]);
    assert.deepEqual(after(args, '--remount-ro'), [['/']]);
    assert.ok(args.indexOf('--remount-ro') > args.lastIndexOf('--bind'), 'read-only once the mounts are in');
    assert.deepEqual(after(args, '--chdir'), [['/home/build']]);
    assert.ok(args.includes('--clearenv'));
    assert.deepEqual(after(args, '--setenv', 2), [
      ['A', '1'],
      ['HOME', '/home/build'],
      ['PATH', DEFAULT_PATH],
    ]);
    const dash = args.indexOf('--');
    assert.deepEqual(args.slice(dash + 1, dash + 3), ['/bin/sh', '-c']);
    assert.equal(args[dash + 3], runsScript('make'));
    assert.equal(args.length, dash + 4);
  });

  test('no network: no --share-net and no resolv.conf; argv steps chdir into cwd', () => {
    const args = guestArgs(
      { ...guest, network: false, user: { uid: 0, gid: 0 } },
      { argv: ['/usr/bin/env'], cwd: '/home/build/src' },
      { resolvConf: '/etc/resolv.conf' },
    );
    assert.ok(!args.includes('--share-net'));
    assert.ok(!args.includes('--ro-bind-try'));
    assert.deepEqual(after(args, '--uid'), [['0']]);
    assert.deepEqual(after(args, '--chdir'), [['/home/build/src']]);
    assert.deepEqual(args.slice(args.indexOf('--') + 1), ['/usr/bin/env']);
  });

  test('extra mounts, capabilities, and bad input', () => {
    const args = guestArgs(
      {
        ...guest,
        mounts: [{ source: '/src', target: '/opt/src', readOnly: true }],
        capabilities: { add: ['CAP_NET_ADMIN'], drop: ['CAP_CHOWN'] },
      },
      { argv: ['x'] },
    );
    assert.deepEqual(after(args, '--ro-bind', 2), [
      ['/sys', '/sys'],
      ['/src', '/opt/src'],
    ]);
    assert.deepEqual(after(args, '--cap-add'), [['CAP_NET_ADMIN']]);
    assert.deepEqual(after(args, '--cap-drop'), [['CAP_CHOWN']]);
    const root = guestArgs(
      { ...guest, user: { uid: 0, gid: 0 }, capabilities: { add: ['sys_ptrace'], drop: ['CAP_NET_RAW'] } },
      { argv: ['x'] },
    );
    assert.deepEqual(after(root, '--cap-drop'), [['ALL']]);
    const kept = after(root, '--cap-add').flat();
    assert.ok(kept.includes('CAP_SYS_PTRACE') && kept.includes('CAP_CHOWN'));
    assert.ok(!kept.includes('CAP_NET_RAW') && !kept.includes('CAP_SYS_ADMIN'));
    assertCodeSync(() => guestArgs(guest, {}), 'USAGE');
    assertCodeSync(() => guestArgs(guest, { argv: ['a'], script: 'b' }), 'USAGE');
    assertCodeSync(() => guestArgs(guest, { argv: [] }), 'USAGE');
    assertCodeSync(() => guestArgs(guest, { argv: ['a'], cwd: 'relative' }), 'SANDBOX_BAD_GUEST');
    assertCodeSync(() => guestArgs(guest, { argv: ['a'], cwd: '/home/../etc' }), 'SANDBOX_BAD_GUEST');
    assertCodeSync(() => guestArgs(guest, { argv: ['a'], env: { 'A=B': 'c' } }), 'SANDBOX_BAD_GUEST');
    assertCodeSync(
      () => guestArgs({ ...guest, mounts: [{ source: '/x', target: 'x' }] }, { argv: ['a'] }),
      'SANDBOX_BAD_GUEST',
    );
  });
});

describe('hostArgs', () => {
  test("binds the host's top level read-only, hides /tmp, /home, /run and mounts fresh /dev, /proc", () => {
    const args = hostArgs(
      {
        top: [
          { name: 'bin', kind: 'symlink', target: 'usr/bin' },
          { name: 'etc', kind: 'dir' },
          { name: 'home', kind: 'dir' },
          { name: 'proc', kind: 'dir' },
          { name: 'tmp', kind: 'dir' },
          { name: 'usr', kind: 'dir' },
        ],
        workspace: '/w',
      },
      { argv: ['/usr/bin/gcc'] },
      { resolvConf: '/run/systemd/resolve/stub-resolv.conf' },
    );
    assert.deepEqual(after(args, '--symlink', 2), [['usr/bin', '/bin']]);
    assert.deepEqual(after(args, '--ro-bind', 2), [
      ['/etc', '/etc'],
      ['/usr', '/usr'],
      ['/sys', '/sys'],
    ]);
    assert.deepEqual(after(args, '--tmpfs'), [['/tmp'], ['/run']]);
    assert.deepEqual(after(args, '--ro-bind-try', 2), [
      ['/run/systemd/resolve/stub-resolv.conf', '/run/systemd/resolve/stub-resolv.conf'],
    ]);
    assert.deepEqual(after(args, '--bind', 2), [['/w', '/home/build']]);
    assert.deepEqual(after(args, '--remount-ro'), [['/']]);
  });
});

describe('environment', () => {
  test('melange defaults fill only what the configuration leaves empty', () => {
    const env = melangeEnvironment({ HOME: '/home/build/special-case', GOPATH: '', X: 'y' }, { sourceDateEpoch: 0 });
    assert.deepEqual(env, {
      COMPOSER_CACHE_DIR: '/var/cache/melange/composer',
      GOMODCACHE: '/var/cache/melange/gomodcache',
      GOPATH: '/home/build/.cache/go',
      HOME: '/home/build/special-case',
      PIP_CACHE_DIR: '/var/cache/melange/pip',
      SOURCE_DATE_EPOCH: '0',
      UV_CACHE_DIR: '/var/cache/melange/uv',
      X: 'y',
      npm_config_cache: '/var/cache/melange/npm',
    });
    assert.deepEqual(Object.keys(env), Object.keys(env).sort());
  });

  test("melange's PATH wins over the configuration's, a step's own wins over both", () => {
    assert.equal(stepEnvironment({ PATH: '/opt/bin' }).PATH, DEFAULT_PATH);
    assert.equal(stepEnvironment({ PATH: '/opt/bin' }, { PATH: '/step' }).PATH, '/step');
    assert.deepEqual(stepEnvironment({ A: '1' }, { B: '2', A: '3' }), { A: '3', B: '2', PATH: DEFAULT_PATH });
  });

  test('runsScript is set -e, mkdir, cd, the fragment, exit 0; quoting survives the shell', () => {
    assert.equal(
      runsScript('make install', '/home/build/src'),
      "set -e\n[ -d '/home/build/src' ] || mkdir -p '/home/build/src'\ncd '/home/build/src'\nmake install\nexit 0",
    );
    assert.ok(runsScript('x', '/home/build', true).startsWith('set -ex\n'));
    const dir = mkdtempSync(join(tmpdir(), 'lupine-quote-'));
    try {
      const odd = join(dir, "it's a $dir");
      const r = spawnSync('/bin/sh', ['-c', runsScript('pwd\nfalse\necho not reached', odd)], { encoding: 'utf8' });
      assert.equal(r.status, 1, 'set -e stops at false');
      assert.equal(r.stdout, `${odd}\n`);
      assert.ok(statSync(odd).isDirectory());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('LineSplitter', () => {
  test('splits lines across chunks, decodes UTF-8 across chunks, drops CR, flushes the last line', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('a\r\nbé\nc€', 'utf8');
    for (let i = 0; i < bytes.length; i++) s.push(bytes.subarray(i, i + 1));
    assert.deepEqual(lines, ['a', 'bé']);
    s.end();
    assert.deepEqual(lines, ['a', 'bé', 'c€']);
  });
});
