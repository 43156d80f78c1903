/**
 * Issue 11 finding 14: a killed `lupine pkg build` leaves its workspace (`$TMPDIR/lupine-workspace-*`)
 * and its guest root (`<package cache>/guests/guest-*`) behind; the next build sweeps those whose
 * owner process is gone, and never touches the directories of a build still running.
 *
 * Real processes: one `bin/lupine pkg build` is kept running (its step sleeps), another is
 * SIGKILLed mid-step, then a third build runs to the end. Each has its own TMPDIR under the test's
 * directory, so other builds on the machine are never looked at.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeOwnedDir, OWNER_FILE, sweepStaleDirs } from '../../../src/core/index.js';
import { killChildren, startLupine, userTempParent } from '../../helpers/lupine-child.js';
import { type GuestRepo, makeGuestRepo, writeGuestRecipe } from './run-guest-repo.js';

describe('stale build directories are swept (issue 11 #14)', () => {
  let repo: GuestRepo;
  let tmp = '';
  const children: ChildProcess[] = [];
  const guests = () => join(repo.packageCacheDir, 'guests');
  const list = (dir: string, prefix: string) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((n) => n.startsWith(prefix))
          .sort()
      : [];
  // Workspaces live in a per-user parent only we can write (issue 11 #2).
  const userTmp = () => userTempParent(tmp);
  const workspaces = () => list(userTmp(), 'lupine-workspace-');
  const guestDirs = () => list(guests(), 'guest-');

  const recipe = (name: string, runs: string) =>
    writeGuestRecipe(repo, name, runs, { stepName: false, file: 'melange.yaml' });
  const start = (file: string, out: string) => {
    return startLupine(
      [
        'pkg',
        'build',
        file,
        '--out-dir',
        out,
        '-r',
        repo.dir,
        '-k',
        repo.keysDir,
        '--package-cache-dir',
        repo.packageCacheDir,
      ],
      {
        env: { PATH: process.env.PATH, HOME: join(repo.base, 'home'), TMPDIR: tmp, SOURCE_DATE_EPOCH: '1700000000' },
        children,
      },
    );
  };
  /** Waits until a workspace holding `marker` (written by a running step) appears; returns its name. */
  const waitForStep = async (marker: string, before: readonly string[]): Promise<string> => {
    for (let i = 0; i < 600; i++) {
      for (const w of workspaces().filter((n) => !before.includes(n))) {
        const found = readdirSync(join(userTmp(), w), { recursive: true, encoding: 'utf8' }).some((p) =>
          p.endsWith(marker),
        );
        if (found) return w;
      }
      await sleep(50);
    }
    assert.fail(`no running step wrote ${marker}`);
  };

  before(async () => {
    repo = await makeGuestRepo('run-stale-dirs');
    tmp = join(repo.base, 'tmp');
    mkdirSync(tmp);
  });
  after(async () => {
    killChildren(children);
    await sleep(200);
    if (repo) rmSync(repo.base, { recursive: true, force: true });
  });

  it('sweeps a killed build, keeps a live one', async () => {
    const live = start(recipe('live', 'touch /home/build/live-started; sleep 600'), join(repo.base, 'out-live'));
    const liveWorkspace = await waitForStep('live-started', []);
    const liveGuests = guestDirs();
    assert.equal(liveGuests.length, 1, 'the live build has its guest');

    const killed = start(
      recipe('killed', 'touch /home/build/killed-started; sleep 600'),
      join(repo.base, 'out-killed'),
    );
    const killedWorkspace = await waitForStep('killed-started', [liveWorkspace]);
    const killedGuest = guestDirs().filter((g) => !liveGuests.includes(g));
    assert.equal(killedGuest.length, 1, 'the killed build has its guest');
    killed.child.kill('SIGKILL');
    await killed.done;
    assert.ok(existsSync(join(userTmp(), killedWorkspace)), 'SIGKILL left the workspace behind');
    assert.ok(existsSync(join(guests(), killedGuest[0] as string)), 'SIGKILL left the guest behind');

    const next = start(recipe('next', 'echo next'), join(repo.base, 'out-next'));
    assert.equal(await next.done, 0, next.output());

    assert.deepEqual(workspaces(), [liveWorkspace], 'the killed build workspace is gone, the live one kept');
    assert.deepEqual(guestDirs(), liveGuests, 'the killed build guest is gone, the live one kept');
    assert.equal(live.child.exitCode, null, 'the live build still runs');

    live.child.kill('SIGTERM');
    await live.done;
  });
  it('judges owners by boot id, pid and start time; unowned directories by age', async () => {
    const parent = join(repo.base, 'owned');
    const mine = await makeOwnedDir(parent, 'x-');
    const me = JSON.parse(readFileSync(join(mine, OWNER_FILE), 'utf8')) as {
      boot: string;
      pidns: string;
      pid: number;
      start: string;
    };
    assert.equal(me.pid, process.pid);
    const fake = (name: string, owner: unknown) => {
      mkdirSync(join(parent, name));
      writeFileSync(join(parent, name, OWNER_FILE), typeof owner === 'string' ? owner : JSON.stringify(owner));
      return join(parent, name);
    };
    const reusedPid = fake('x-reused', { ...me, start: `${me.start}1` });
    const otherBoot = fake('x-reboot', { ...me, boot: 'another-boot' });
    const garbled = fake('x-garbled', '{"pid":');
    const unownedYoung = join(parent, 'x-young');
    mkdirSync(unownedYoung);
    const unownedOld = join(parent, 'x-old');
    mkdirSync(unownedOld);
    utimesSync(unownedOld, new Date(Date.now() - 2 * 86400_000), new Date(Date.now() - 2 * 86400_000));
    const linked = join(parent, 'x-linked');
    mkdirSync(linked);
    symlinkSync(join(mine, OWNER_FILE), join(linked, OWNER_FILE));
    const other = fake('y-dead', { ...me, start: 'dead' });
    const otherNamespace = fake('x-otherns', { ...me, pidns: 'pid:[1]', start: 'dead' });
    const r = await sweepStaleDirs(parent, 'x-');
    assert.deepEqual([...r.removed].sort(), [otherBoot, reusedPid, unownedOld].sort());
    assert.deepEqual(r.failed, []);
    for (const kept of [mine, garbled, unownedYoung, linked, other, otherNamespace]) assert.ok(existsSync(kept), kept);
  });
});
