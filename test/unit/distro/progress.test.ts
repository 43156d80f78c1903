import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DistroSummary, eventLine, LiveProgress, summaryLine } from '../../../src/distro/index.js';

const summary = (over: Partial<DistroSummary>): DistroSummary => ({
  outcomes: [],
  built: 0,
  pulled: 0,
  skipped: 0,
  failed: 0,
  blocked: 0,
  planned: 0,
  ms: 1500,
  ...over,
});

describe('distro progress', () => {
  it('prints one plain line per event that matters', () => {
    assert.equal(eventLine({ type: 'skip', name: 'a', reason: 'up to date' }), 'skip   a: up to date');
    assert.equal(
      eventLine({ type: 'start', name: 'a', reason: 'recipe changed', log: 'out/logs/a.log' }),
      'build  a: recipe changed (log: out/logs/a.log)',
    );
    assert.equal(
      eventLine({
        type: 'done',
        name: 'a',
        ms: 2000,
        outputs: [{ name: 'a', version: '1-r0', identity: 'Q1', path: 'x' }],
      }),
      'built  a in 2.0 s: a-1-r0',
    );
    const err = Object.assign(new Error('step failed\nmore'), { code: 'BUILD_STEP_FAILED' });
    assert.equal(
      eventLine({ type: 'fail', name: 'a', ms: 100, error: err, log: 'l' }),
      'FAILED a after 0.1 s: BUILD_STEP_FAILED: step failed (log: l)',
    );
    assert.equal(eventLine({ type: 'blocked', name: 'b', by: 'a' }), 'blocked b: dependency a failed');
    assert.equal(
      eventLine({ type: 'plan', name: 'a', build: true, reason: 'never built' }),
      'would build a: never built',
    );
    assert.equal(eventLine({ type: 'line', name: 'a', line: 'x' }), undefined);
  });

  it('sums up', () => {
    assert.equal(
      summaryLine(summary({ skipped: 11 })),
      'distro: 0 built, 11 skipped, 0 failed in 1.5 s (nothing to do)\n',
    );
    assert.equal(
      summaryLine(summary({ built: 2, failed: 1, blocked: 3 })),
      'distro: 2 built, 0 skipped, 1 failed, 3 blocked in 1.5 s\n',
    );
    assert.equal(
      summaryLine(summary({ planned: 2, skipped: 9 }), true),
      'distro: 2 to build, 9 up to date (dry run)\n',
    );
  });

  it('redraws one line per running build below the finished ones', () => {
    const live = new LiveProgress(40);
    const a = live.update({ type: 'start', name: 'a', reason: 'r', log: 'l' }, 0);
    assert.equal(a, 'build  a: r (log: l)\n  ⟳ a 0.0 s\n');
    const b = live.update({ type: 'start', name: 'b', reason: 'r', log: 'l' }, 1000);
    assert.equal(b, '\x1b[1F\x1b[Jbuild  b: r (log: l)\n  ⟳ a 1.0 s\n  ⟳ b 0.0 s\n');
    const line = live.update({ type: 'line', name: 'a', line: 'compiling a very long line that will not fit' }, 2000);
    assert.equal(line, '\x1b[2F\x1b[J  ⟳ a 2.0 s  compiling a very long lin…\n  ⟳ b 1.0 s\n');
    const done = live.update({ type: 'done', name: 'a', ms: 2500, outputs: [] }, 2500);
    assert.equal(done, '\x1b[2F\x1b[Jbuilt  a in 2.5 s: \n  ⟳ b 1.5 s\n');
    assert.equal(live.tick(3000), '\x1b[1F\x1b[J  ⟳ b 2.0 s\n');
    assert.equal(live.finish(), '\x1b[1F\x1b[J');
    assert.equal(live.finish(), '');
  });
});

describe('distro progress: remote executors', () => {
  it('names recipes pulled from a store and the worker running a recipe', () => {
    assert.equal(
      summaryLine(summary({ built: 1, pulled: 8 })),
      'distro: 1 built, 8 pulled, 0 skipped, 0 failed in 1.5 s\n',
    );
    assert.equal(eventLine({ type: 'done', name: 'a', ms: 300, outputs: [], pulled: true }), 'pulled a in 0.3 s: ');
    assert.equal(eventLine({ type: 'worker', name: 'a', worker: 'w1' }), 'worker a: on w1');
    const live = new LiveProgress(80);
    live.update({ type: 'start', name: 'a', reason: 'never built', log: 'a.log' }, 0);
    const frame = live.update({ type: 'worker', name: 'a', worker: 'w1' }, 1000);
    assert.match(frame, /⟳ a \[w1\] 1\.0 s/);
  });
});
