import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildDistro,
  buildGraph,
  type BuildResult,
  type DistroState,
  type ExecuteRequest,
  inputIdentity,
  type RecipeExecutor,
  type RecipeInputs,
} from '../../../src/distro/index.js';
import { FakeBuilder, nullLog } from './fake-builder.js';
import { node } from './nodes.js';

const inputs: RecipeInputs = { recipeHash: 'r1', folderHash: 'f1' };
const base = {
  node: node('app'),
  arch: 'x86_64',
  inputs,
  against: [
    { name: 'lib', version: '1-r0', identity: 'Q1lib' },
    { name: 'zlib', version: '2-r0', identity: 'Q1z' },
  ],
  toolchain: 'lupine 0.1.0; tests on',
};

describe('inputIdentity', () => {
  it('is the same for the same inputs, whatever the order of what it builds against', () => {
    const a = inputIdentity(base);
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.equal(inputIdentity({ ...base, against: [...base.against].reverse() }), a);
  });

  it('changes with the recipe, its folder, a dependency identity, the toolchain, the arch and host packages', () => {
    const a = inputIdentity(base);
    const variants = [
      { ...base, inputs: { ...inputs, recipeHash: 'r2' } },
      { ...base, inputs: { ...inputs, folderHash: 'f2' } },
      { ...base, inputs: { ...inputs, hostPackages: 'gcc=12' } },
      { ...base, against: [{ name: 'lib', version: '1-r0', identity: 'Q1other' }, base.against[1] as never] },
      { ...base, toolchain: 'lupine 0.1.0; tests off' },
      { ...base, arch: 'aarch64' },
    ];
    const ids = variants.map(inputIdentity);
    for (const id of ids) assert.notEqual(id, a);
    assert.equal(new Set(ids).size, ids.length);
  });
});

/** An executor that runs the fake builder and records each request; `cached` recipes come back pulled. */
class RecordingExecutor implements RecipeExecutor {
  readonly kind = 'recording';
  readonly requests: ExecuteRequest[] = [];
  readonly cached = new Set<string>();
  readonly #builder: FakeBuilder;
  constructor(builder: FakeBuilder) {
    this.#builder = builder;
  }
  async execute(r: ExecuteRequest): Promise<BuildResult> {
    this.requests.push(r);
    r.onProgress?.({ worker: 'w1' });
    const result = await this.#builder.build(r);
    return this.cached.has(r.node.name) ? { ...result, pulled: true } : result;
  }
  async close(): Promise<void> {}
}

describe('distro scheduler with an executor', () => {
  // chain a → b → c, and d beside them
  const graph = buildGraph([node('a'), node('b', { buildNeeds: ['a'] }), node('c', { buildNeeds: ['b'] }), node('d')]);
  const treeInputs = new Map(graph.order.map((n) => [n, { recipeHash: `r:${n}`, folderHash: '' }]));
  const run = (exec: RecipeExecutor, state?: DistroState) =>
    buildDistro({
      graph,
      inputs: treeInputs,
      ...(state ? { state } : {}),
      arch: 'x86_64',
      outDir: '/out',
      executor: exec,
      toolchain: 'lupine test',
      jobs: 2,
      outputExists: async () => true,
      openLog: nullLog,
      now: () => 0,
    });

  it('hands each recipe its identity and everything it builds against, transitively, in build order', async () => {
    const exec = new RecordingExecutor(new FakeBuilder(graph));
    const events: string[] = [];
    const { summary } = await buildDistro({
      graph,
      inputs: treeInputs,
      arch: 'x86_64',
      outDir: '/out',
      executor: exec,
      toolchain: 'lupine test',
      jobs: 2,
      outputExists: async () => true,
      openLog: nullLog,
      onEvent: (e) => {
        if (e.type === 'worker') events.push(`${e.name}@${e.worker}`);
      },
      now: () => 0,
    });
    assert.equal(summary.built, 4);
    const c = exec.requests.find((r) => r.node.name === 'c');
    const b = exec.requests.find((r) => r.node.name === 'b');
    const a = exec.requests.find((r) => r.node.name === 'a');
    assert.deepEqual(
      c?.needs.map((n) => n.name),
      ['a', 'b'],
    );
    assert.equal(c?.needs[0]?.identity, a?.identity);
    assert.equal(c?.needs[1]?.identity, b?.identity);
    assert.deepEqual(exec.requests.find((r) => r.node.name === 'd')?.needs, []);
    assert.deepEqual(events.sort(), ['a@w1', 'b@w1', 'c@w1', 'd@w1']);
  });

  it('counts pulled recipes apart, and gives an up-to-date dependency the identity it was built with', async () => {
    const builder = new FakeBuilder(graph);
    const first = new RecordingExecutor(builder);
    first.cached.add('a');
    const one = await run(first);
    assert.equal(one.summary.built, 3);
    assert.equal(one.summary.pulled, 1);
    const idOf = (name: string) => first.requests.find((r) => r.node.name === name)?.identity;
    // c changes: a and b are up to date; c's request still names their identities.
    const changed = new Map(treeInputs);
    changed.set('c', { recipeHash: 'r:c2', folderHash: '' });
    const second = new RecordingExecutor(builder);
    const two = await buildDistro({
      graph,
      inputs: changed,
      state: one.state,
      arch: 'x86_64',
      outDir: '/out',
      executor: second,
      toolchain: 'lupine test',
      jobs: 2,
      outputExists: async () => true,
      openLog: nullLog,
      now: () => 0,
    });
    assert.equal(two.summary.built, 1);
    assert.deepEqual(
      second.requests.map((r) => r.node.name),
      ['c'],
    );
    assert.deepEqual(
      second.requests[0]?.needs.map((n) => n.identity),
      [idOf('a'), idOf('b')],
    );
  });

  it('--only with a dependency whose own dependency was never built here still builds (local behaviour kept)', async () => {
    const builder = new FakeBuilder(graph);
    const full = await run(new RecordingExecutor(builder));
    const records = { ...(full.state.arches.x86_64 ?? {}) };
    delete records.a;
    const exec = new RecordingExecutor(builder);
    const r = await buildDistro({
      graph,
      inputs: treeInputs,
      state: { version: 1, arches: { x86_64: records } },
      arch: 'x86_64',
      outDir: '/out',
      executor: exec,
      only: ['c'],
      force: true,
      jobs: 1,
      outputExists: async () => true,
      openLog: nullLog,
      now: () => 0,
    });
    assert.equal(r.summary.failed, 0, JSON.stringify(r.summary.outcomes));
    assert.equal(r.summary.built, 1);
    assert.deepEqual(
      exec.requests[0]?.needs.map((n) => n.name),
      ['b'],
    );
  });
});
