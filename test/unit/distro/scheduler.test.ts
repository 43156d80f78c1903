import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LupineError } from '../../../src/core/index.js';
import {
  buildDistro,
  buildGraph,
  type DistroBuildOptions,
  type DistroEvent,
  type DistroState,
  type RecipeInputs,
  withDependents,
} from '../../../src/distro/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { FakeBuilder, nullLog } from './fake-builder.js';
import { node, sampleNodes } from './nodes.js';

const graph = buildGraph(sampleNodes());

function inputsOf(content: ReadonlyMap<string, string>): Map<string, RecipeInputs> {
  return new Map(graph.order.map((n) => [n, { recipeHash: `r:${content.get(n) ?? ''}`, folderHash: '' }]));
}

let clock = 0;
function options(builder: FakeBuilder, state: DistroState | undefined, over: Partial<DistroBuildOptions> = {}) {
  const events: DistroEvent[] = [];
  const o: DistroBuildOptions = {
    graph,
    inputs: inputsOf(builder.content),
    ...(state ? { state } : {}),
    arch: 'x86_64',
    outDir: '/out',
    builder,
    jobs: 3,
    outputExists: async () => true,
    openLog: nullLog,
    onEvent: (e) => events.push(e),
    now: () => clock++,
    ...over,
  };
  return { o, events };
}

describe('distro scheduler (fake builder)', () => {
  it('builds everything once, each recipe after its dependencies, within the job bound', async () => {
    const b = new FakeBuilder(graph);
    const { o } = options(b, undefined, { jobs: 2 });
    const { summary, state } = await buildDistro(o);
    assert.equal(summary.built, 9);
    assert.equal(summary.failed, 0);
    assert.deepEqual([...b.calls].sort(), [...graph.order].sort());
    assert.deepEqual(b.violations, []);
    assert.equal(b.maxRunning, 2, 'two builds ran at once, never more');
    assert.equal(Object.keys(state.arches.x86_64 ?? {}).length, 9);
    assert.ok(summary.outcomes.every((x) => x.reason === 'never built'));
  });

  it('runs independent recipes in parallel up to -j and no further', async () => {
    const flat = buildGraph(['a', 'b', 'c', 'd', 'e'].map((n) => node(n)));
    for (const jobs of [1, 3, 8]) {
      const b = new FakeBuilder(flat);
      await buildDistro({
        ...options(b, undefined).o,
        graph: flat,
        inputs: new Map(flat.order.map((n) => [n, { recipeHash: 'x', folderHash: '' }])),
        jobs,
      });
      assert.equal(b.maxRunning, Math.min(jobs, 5), `-j ${jobs}`);
    }
  });

  it('builds nothing on a second run with no change', async () => {
    const b = new FakeBuilder(graph);
    const first = await buildDistro(options(b, undefined).o);
    b.calls.length = 0;
    const { o, events } = options(b, first.state);
    const second = await buildDistro(o);
    assert.deepEqual(b.calls, []);
    assert.equal(second.summary.built, 0);
    assert.equal(second.summary.skipped, 9);
    assert.ok(events.every((e) => e.type === 'skip' && e.reason === 'up to date'));
    assert.deepEqual(second.state, first.state);
  });

  it('after touching one recipe rebuilds exactly it and its dependents, saying why', async () => {
    const b = new FakeBuilder(graph);
    const first = await buildDistro(options(b, undefined).o);
    b.calls.length = 0;
    b.content.set('build-base', 'edited');
    const { o } = options(b, first.state);
    const { summary } = await buildDistro(o);
    assert.deepEqual([...b.calls].sort(), ['build-base', 'hello-extra', 'hello-server']);
    assert.deepEqual([...b.calls].sort(), [...withDependents(graph, ['build-base'])].sort());
    const why = Object.fromEntries(summary.outcomes.map((x) => [x.name, x.reason]));
    assert.equal(why['build-base'], 'recipe changed');
    assert.equal(why['hello-server'], 'dependency build-base-1.0-r0 changed identity');
    assert.equal(why['hello-extra'], 'dependency hello-server-1.0-r0 changed identity');
    assert.equal(why.glibc, 'up to date');
  });

  it('stops at dependents whose dependency rebuilt to the same identity', async () => {
    const b = new FakeBuilder(graph);
    b.reproducible = true;
    const first = await buildDistro(options(b, undefined).o);
    b.calls.length = 0;
    // a new folder hash (say, a comment in a patch) that does not change what is built
    const inputs = inputsOf(b.content);
    inputs.set('build-base', { recipeHash: 'r:', folderHash: 'changed' });
    const { summary } = await buildDistro({ ...options(b, first.state).o, inputs });
    assert.deepEqual(b.calls, ['build-base']);
    assert.equal(summary.outcomes.find((x) => x.name === 'build-base')?.reason, 'recipe folder changed');
  });

  it('rebuilds a recipe whose output is missing', async () => {
    const b = new FakeBuilder(graph);
    const first = await buildDistro(options(b, undefined).o);
    b.calls.length = 0;
    b.reproducible = true;
    const { o } = options(b, first.state, { outputExists: async (p) => !p.endsWith('tzdata-1.0-r0.apk') });
    const { summary } = await buildDistro(o);
    assert.deepEqual(b.calls, ['tzdata']);
    assert.equal(
      summary.outcomes.find((x) => x.name === 'tzdata')?.reason,
      'output missing (x86_64/tzdata-1.0-r0.apk)',
    );
  });

  it('plans without building on a dry run', async () => {
    const b = new FakeBuilder(graph);
    const first = await buildDistro(options(b, undefined).o);
    b.calls.length = 0;
    b.content.set('hello-server', 'edited');
    const { o, events } = options(b, first.state, { dryRun: true });
    const { summary, state } = await buildDistro(o);
    assert.deepEqual(b.calls, []);
    assert.equal(summary.planned, 2);
    assert.deepEqual(
      events.filter((e) => e.type === 'plan' && e.build).map((e) => (e.type === 'plan' ? [e.name, e.reason] : [])),
      [
        ['hello-server', 'recipe changed'],
        ['hello-extra', 'dependency hello-server is rebuilt first'],
      ],
    );
    assert.deepEqual(state, first.state);
  });

  it('blocks the dependents of a failed recipe and builds the rest', async () => {
    const b = new FakeBuilder(graph);
    b.failing.add('build-base');
    const { summary, state } = await buildDistro(options(b, undefined).o);
    const status = Object.fromEntries(summary.outcomes.map((x) => [x.name, x.status]));
    assert.equal(status['build-base'], 'failed');
    assert.equal(status['hello-server'], 'blocked');
    assert.equal(status['hello-extra'], 'blocked');
    assert.equal(summary.built, 6);
    assert.equal(state.arches.x86_64?.['build-base'], undefined);
    assert.match(summary.outcomes.find((x) => x.name === 'build-base')?.reason ?? '', /fake failure/);
  });

  it('--only builds the selected recipes, and needs their dependencies built', async () => {
    const b = new FakeBuilder(graph);
    const err = (await assertCode(
      () => buildDistro(options(b, undefined, { only: ['hello-server'] }).o),
      'DISTRO_NOT_BUILT',
    )) as LupineError;
    assert.deepEqual(err.details.missing, ['build-base', 'busybox', 'glibc', 'nodejs']);
    const first = await buildDistro(options(b, undefined).o);
    b.calls.length = 0;
    const { summary } = await buildDistro(options(b, first.state, { only: ['glibc-locale', 'tzdata'], force: true }).o);
    assert.deepEqual([...b.calls].sort(), ['glibc', 'tzdata']);
    assert.equal(summary.outcomes.length, 2);
    await assertCode(() => buildDistro(options(b, first.state, { only: ['nope'] }).o), 'DISTRO_UNKNOWN_PACKAGE');
  });
});
