/**
 * Issue 11 finding 2: the sweep of stale build directories ran as root over world-writable
 * `$TMPDIR`, removing (through a recursive rm that follows a swapped-in link) whatever another
 * user planted there. Now lupine's temp dirs live under `$TMPDIR/lupine-<euid>/` (0700, ours, never
 * a link), the sweep only takes entries owned by us, and removal never descends through a link.
 *
 * Real users: the planted directories are made by `nobody` through setpriv (root only; skipped
 * otherwise).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isLupineError, makeOwnedDir, OWNER_FILE, sweepStaleDirs, userTempDir } from '../../../src/core/index.js';

const root = process.geteuid?.() === 0;
const asNobody = (script: string) =>
  execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', script], {
    stdio: 'pipe',
  });
const staleOwner = '{"boot":"x","pidns":"x","pid":1,"start":"1"}';

describe('the stale-dir sweep never touches what another user planted (issue 11 #2)', { skip: !root }, () => {
  let base = '';
  let sentinel = '';
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'lupine-foreign-'));
    // A world-writable, sticky directory, as /tmp is.
    chmodSync(base, 0o1777);
    sentinel = join(mkdtempSync(join(tmpdir(), 'lupine-sentinel-')), 'victim');
    mkdirSync(sentinel);
    writeFileSync(join(sentinel, 'precious'), 'keep me\n');
  });
  after(() => {
    if (base) rmSync(base, { recursive: true, force: true });
    if (sentinel) rmSync(join(sentinel, '..'), { recursive: true, force: true });
  });

  it('keeps a stale-looking directory planted by nobody, with its link to a sentinel', async () => {
    const evil = join(base, 'lupine-workspace-evil');
    asNobody(
      `mkdir '${evil}' && printf '%s' '${staleOwner}' > '${evil}/${OWNER_FILE}' && ln -s '${sentinel}' '${evil}/link'`,
    );
    assert.equal(lstatSync(evil).uid, 65534);
    const r = await sweepStaleDirs(base, 'lupine-workspace-');
    assert.deepEqual(r.removed, []);
    assert.ok(existsSync(join(evil, OWNER_FILE)), 'the planted directory is untouched');
    assert.ok(lstatSync(join(evil, 'link')).isSymbolicLink());
    assert.equal(readFileSync(join(sentinel, 'precious'), 'utf8'), 'keep me\n');
  });

  it('keeps a directory of ours whose owner file was planted by nobody', async () => {
    const dir = join(base, 'lupine-workspace-ownerfile');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    asNobody(`printf '%s' '${staleOwner}' > '${dir}/${OWNER_FILE}'`);
    const r = await sweepStaleDirs(base, 'lupine-workspace-');
    assert.deepEqual(r.removed, []);
    assert.ok(existsSync(join(dir, OWNER_FILE)));
  });

  it('sweeps a stale directory of our own without following its links', async () => {
    const parent = join(base, 'ours');
    mkdirSync(parent, { mode: 0o700 });
    const mine = join(parent, 'lupine-workspace-mine');
    mkdirSync(join(mine, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(mine, OWNER_FILE), staleOwner);
    writeFileSync(join(mine, 'sub', 'deeper', 'f'), 'x');
    symlinkSync(sentinel, join(mine, 'link'));
    symlinkSync(sentinel, join(mine, 'sub', 'link'));
    const r = await sweepStaleDirs(parent, 'lupine-workspace-');
    assert.deepEqual(r.removed, [mine]);
    assert.deepEqual(r.failed, []);
    assert.ok(!existsSync(mine));
    assert.equal(readFileSync(join(sentinel, 'precious'), 'utf8'), 'keep me\n');
  });

  it('puts owned temp dirs under a 0700 per-user parent, and refuses one that is not ours', async () => {
    const tmp = join(base, 'tmp-ok');
    mkdirSync(tmp, { mode: 0o1777 });
    chmodSync(tmp, 0o1777);
    const parent = await userTempDir(tmp);
    assert.equal(parent, join(tmp, 'lupine-0'));
    const st = lstatSync(parent);
    assert.ok(st.isDirectory());
    assert.equal(st.uid, 0);
    assert.equal(st.mode & 0o7777, 0o700);
    const made = await makeOwnedDir(parent, 'lupine-workspace-');
    assert.ok(made.startsWith(`${parent}/`));

    // Planted by nobody before us: refused, never used.
    const taken = join(base, 'tmp-taken');
    mkdirSync(taken);
    chmodSync(taken, 0o1777);
    asNobody(`mkdir -m 700 '${taken}/lupine-0'`);
    await assert.rejects(
      userTempDir(taken),
      (e: unknown) => isLupineError(e, 'IO_ERROR') && /lupine-0/.test(String(e)),
    );

    // A link planted in its place: refused, not followed.
    const linked = join(base, 'tmp-linked');
    mkdirSync(linked);
    chmodSync(linked, 0o1777);
    asNobody(`ln -s '${sentinel}' '${linked}/lupine-0'`);
    await assert.rejects(userTempDir(linked), (e: unknown) => isLupineError(e, 'IO_ERROR'));
    assert.equal(readFileSync(join(sentinel, 'precious'), 'utf8'), 'keep me\n');

    // Ours but open to others: refused.
    const loose = join(base, 'tmp-loose');
    mkdirSync(join(loose, 'lupine-0'), { recursive: true });
    chmodSync(join(loose, 'lupine-0'), 0o777);
    chownSync(join(loose, 'lupine-0'), 0, 0);
    await assert.rejects(userTempDir(loose), (e: unknown) => isLupineError(e, 'IO_ERROR'));
  });
});
