/**
 * Issue 11, finding 6: `--scripts` runs package scripts in a boundary, not as the host's root. A
 * script that tries to mount procfs and to write /proc/sys/kernel/core_pattern must fail (it writes
 * the value already there, so even a failing run of this test changes nothing on the host), while
 * what apk scripts need (chown inside the root) still works.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { installPackages } from '../../../src/install/index.js';
import { lockedFrom } from './craft.js';
import { hashTree, tempRoot } from './fixtures.js';

const BUSYBOX = '/usr/bin/busybox';
const CORE_PATTERN = '/proc/sys/kernel/core_pattern';

function staticBusybox(): boolean {
  if (!existsSync(BUSYBOX)) return false;
  // A static 64-bit ELF has no PT_INTERP (3) program header.
  const b = readFileSync(BUSYBOX);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) return false;
  const phoff = Number(b.readBigUInt64LE(0x20));
  const size = b.readUInt16LE(0x36);
  for (let i = 0; i < b.readUInt16LE(0x38); i++) if (b.readUInt32LE(phoff + i * size) === 3) return false;
  return true;
}

describe('finding 6: the --scripts sandbox is a boundary', {
  skip: !staticBusybox() && 'needs a static busybox at /usr/bin/busybox',
}, () => {
  const root = tempRoot('sandbox');
  const outside = tempRoot('sandbox-host');
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('cannot mount procfs or write core_pattern; chown inside the root works', async () => {
    const pattern = readFileSync(CORE_PATTERN);
    const hostBefore = hashTree(outside);
    const bb = lockedFrom({
      name: 'bb',
      version: '1-r0',
      entries: [
        { name: 'bin/', type: 'dir' },
        { name: 'bin/busybox', type: 'file', mode: 0o755, data: readFileSync(BUSYBOX) },
        { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
        { name: 'mnt/', type: 'dir' },
      ],
    });
    const script = [
      '#!/bin/sh',
      'B=/bin/busybox',
      '$B mount -t proc proc /mnt 2>/dev/null && echo mounted >> /log',
      `P=$($B cat ${CORE_PATTERN})`,
      `echo "$P" 2>/dev/null > ${CORE_PATTERN} && echo wrote >> /log`,
      '$B touch /owned && $B chown 5:7 /owned && echo chowned >> /log',
      `$B ls /${outside.split('/')[1]}/${outside.split('/').slice(2).join('/')} >/dev/null 2>&1 && echo host-visible >> /log`,
      '$B grep CapEff /proc/self/status >> /log',
      'exit 0',
    ].join('\n');
    const probe = lockedFrom({ name: 'probe', version: '1-r0', entries: [], scripts: { 'post-install': script } });
    const r = await installPackages(root, [bb, probe], { world: ['probe'], runScripts: true });
    assert.deepEqual(
      r.scripts.map((s) => [s.package, s.exitCode]),
      [['probe-1-r0', 0]],
    );
    const log = readFileSync(join(root, 'log'), 'utf8');
    assert.doesNotMatch(log, /^mounted$/m, 'the script mounted procfs');
    assert.doesNotMatch(log, /^wrote$/m, 'the script wrote core_pattern');
    assert.doesNotMatch(log, /^host-visible$/m, 'a host directory is visible in the sandbox');
    assert.match(log, /^chowned$/m, 'chown inside the root failed');
    const st = statSync(join(root, 'owned'));
    assert.deepEqual([st.uid, st.gid], [5, 7]);
    const eff = /CapEff:\s*([0-9a-f]+)/.exec(log)?.[1];
    assert.ok(eff, log);
    const CAP_SYS_ADMIN = 21n;
    assert.equal((BigInt(`0x${eff}`) >> CAP_SYS_ADMIN) & 1n, 0n, `CAP_SYS_ADMIN kept: ${eff}`);
    assert.deepEqual(readFileSync(CORE_PATTERN), pattern, 'the host core_pattern changed');
    assert.equal(hashTree(outside), hostBefore);
  });
});
