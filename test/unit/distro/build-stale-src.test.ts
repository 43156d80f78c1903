/**
 * Issue 11 finding 14: a killed `lupine distro build` leaves the empty source directory it made for
 * a recipe without a folder (`$TMPDIR/lupine-distro-src-*`); the next distro build sweeps the ones
 * whose owner process is gone and never touches those of a build still running.
 *
 * Real processes, host-runner recipes (stage 0, no guest): one build is left running inside its
 * step (bubblewrap, the workspace its only writable place), one is SIGKILLed there, then a third runs to the end. All share a TMPDIR under the test's
 * directory. A held step waits for a file the test writes into its workspace (the only host
 * directory the sandbox sees): the live one when the test is done with it, the killed one's orphaned
 * step right after the kill and every one in `after`, so none outlives the test and nothing waits
 * out the step's own 5-minute bound.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostRecipe } from '../../helpers/host-recipe.js';
import { killChildren, startLupine, userTempParent } from '../../helpers/lupine-child.js';

describe('distro build sweeps the source directories killed builds left (issue 11 #14)', () => {
  let work = '';
  let tmp = '';
  /** Workspaces (`…/ws`) of held steps; `release` lets their step finish. */
  const held: string[] = [];
  const release = (ws: string) => writeFileSync(join(ws, 'release'), '');
  const children: ChildProcess[] = [];

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'lupine-distro-stale-'));
    tmp = join(work, 'tmp');
    mkdirSync(tmp);
  });
  after(async () => {
    for (const ws of held) if (existsSync(ws)) release(ws);
    killChildren(children);
    await sleep(500);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const start = (name: string, runs: string) => {
    const tree = join(work, name, 'distro');
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, `${name}.yaml`), hostRecipe(name, runs));
    return startLupine(
      ['distro', 'build', tree, '--no-test', '-j', '1', '--out-dir', join(work, name, 'out', 'packages')],
      {
        cwd: work,
        env: { PATH: process.env.PATH, HOME: join(work, 'home'), TMPDIR: tmp, SOURCE_DATE_EPOCH: '0' },
        children,
      },
    );
  };
  /** A step that says it started, then waits (at most 5 minutes) for the test to release it. */
  const hold = (marker: string) =>
    `touch /home/build/${marker}; i=0; while [ ! -e /home/build/release ] && [ $i -lt 3000 ]; do sleep 0.1; i=$((i+1)); done`;
  // lupine's temp dirs live in a per-user parent only we can write (issue 11 #2).
  const own = () => userTempParent(tmp);
  const ownEntries = () => (existsSync(own()) ? readdirSync(own()) : []);
  const sources = () =>
    ownEntries()
      .filter((n) => n.startsWith('lupine-distro-src-'))
      .sort();
  /**
   * Waits until a step wrote `marker` in its workspace (`$TMPDIR/lupine-<euid>/lupine-workspace-XXXXXX/ws`)
   * and returns that workspace.
   */
  const waitFor = async (marker: string): Promise<string> => {
    const written = () =>
      ownEntries()
        .filter((n) => n.startsWith('lupine-workspace-'))
        .map((n) => join(own(), n, 'ws'))
        .find((ws) => existsSync(join(ws, marker)));
    let ws = written();
    for (let i = 0; i < 1200 && ws === undefined; i++) {
      await sleep(50);
      ws = written();
    }
    assert.ok(ws, `no running step wrote ${marker}`);
    held.push(ws);
    return ws;
  };

  it('sweeps a killed build source directory, keeps a live one', async () => {
    const live = start('live', hold('live-started'));
    const liveWs = await waitFor('live-started');
    const liveSources = sources();
    assert.equal(liveSources.length, 1, 'the live build has its source directory');

    const killed = start('killed', hold('killed-started'));
    const killedWs = await waitFor('killed-started');
    const killedSources = sources().filter((s) => !liveSources.includes(s));
    assert.equal(killedSources.length, 1, 'the killed build has its source directory');
    killed.child.kill('SIGKILL');
    await killed.done;
    assert.ok(existsSync(join(own(), killedSources[0] as string)), 'SIGKILL left the source directory behind');
    release(killedWs); // its orphaned step, if any, ends

    const next = start('next', 'true');
    assert.equal(await next.done, 0, next.output());
    assert.deepEqual(sources(), liveSources, 'the killed build source directory is gone, the live one kept');
    assert.equal(live.child.exitCode, null, 'the live build still runs');

    release(liveWs);
    assert.equal(await live.done, 0, live.output());
  });
});
