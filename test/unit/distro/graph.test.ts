import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildGraph,
  findCycle,
  recipeFor,
  renderGraphDot,
  renderOrder,
  withDependencies,
  withDependents,
} from '../../../src/distro/index.js';
import type { LupineError } from '../../../src/core/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { node, sampleNodes } from './nodes.js';

const before = (order: readonly string[], a: string, b: string) => order.indexOf(a) < order.indexOf(b);

describe('distro graph', () => {
  it('orders every recipe after what it needs to build, test and run', () => {
    const g = buildGraph(sampleNodes());
    assert.equal(g.order.length, 9);
    for (const [from, deps] of g.deps)
      for (const d of deps.keys()) assert.ok(before(g.order, d, from), `${d} before ${from}`);
    // ties broken by name: the exact order is stable
    assert.deepEqual(g.order, [
      'busybox',
      'build-base',
      'glibc',
      'lupine-baselayout',
      'nodejs',
      'hello-server',
      'hello-extra',
      'node-app',
      'tzdata',
    ]);
  });

  it('maps subpackages, provides and virtual names to recipes', () => {
    const g = buildGraph([
      ...sampleNodes(),
      node('x', { buildNeeds: ['glibc-locale', 'cc'], runtimeNeeds: ['cmd:sh'] }),
    ]);
    assert.deepEqual([...(g.deps.get('x')?.keys() ?? [])], ['build-base', 'busybox', 'glibc', 'nodejs']);
    assert.deepEqual(g.deps.get('x')?.get('glibc'), [
      { kind: 'build', package: 'glibc-locale' },
      { kind: 'runtime', package: 'cmd:sh' },
    ]);
    assert.equal(recipeFor(g, 'glibc-locale'), 'glibc');
    assert.equal(recipeFor(g, 'cc'), 'build-base');
    assert.equal(recipeFor(g, 'nope'), undefined);
  });

  it('ignores a recipe needing its own package (an earlier version)', () => {
    const g = buildGraph([node('a', { buildNeeds: ['a'] })]);
    assert.equal(g.deps.get('a')?.size, 0);
  });

  it('names a cycle with the packages that make it', () => {
    const nodes = [
      node('a', { buildNeeds: ['b'] }),
      node('b', { runtimeNeeds: ['c-lib'] }),
      node('c', { packages: ['c', 'c-lib'], testNeeds: ['a'] }),
      node('d', { buildNeeds: ['a'] }),
    ];
    const err = assertCodeSync(() => buildGraph(nodes), 'DISTRO_CYCLE') as LupineError;
    assert.deepEqual(err.details.cycle, ['a', 'b', 'c', 'a']);
    assert.match(err.message, /a → b → c → a/);
    assert.match(err.hint ?? '', /b needs c-lib \(runtime\) from c/);
    assert.equal(
      findCycle(
        new Map([
          ['x', new Map([['y', 1]])],
          ['y', new Map()],
        ]),
      ),
      undefined,
    );
  });

  it('reports every package no recipe makes, at once', () => {
    const err = assertCodeSync(
      () => buildGraph([node('a', { buildNeeds: ['gcc'], runtimeNeeds: ['libfoo'] })]),
      'DISTRO_UNKNOWN_PACKAGE',
    ) as LupineError;
    assert.deepEqual(err.details.unknown, ['gcc (build of a)', 'libfoo (runtime of a)']);
  });

  it('rejects two recipes making the same package', () => {
    assertCodeSync(() => buildGraph([node('a', { packages: ['a', 'x'] }), node('x')]), 'DISTRO_DUPLICATE_PACKAGE');
  });

  it('finds dependents and dependencies transitively', () => {
    const g = buildGraph(sampleNodes());
    assert.deepEqual([...withDependents(g, ['build-base'])].sort(), ['build-base', 'hello-extra', 'hello-server']);
    assert.deepEqual([...withDependencies(g, ['hello-extra'])].sort(), [
      'build-base',
      'busybox',
      'glibc',
      'hello-extra',
      'hello-server',
      'nodejs',
    ]);
  });

  it('renders the order and graphviz', () => {
    const g = buildGraph(sampleNodes());
    const text = renderOrder(g);
    assert.match(text, /^ {2}2\. build-base-1\.0-r0 \[stage 0, host\] <- busybox$/m);
    assert.match(text, /^ {2}6\. hello-server-1\.0-r0 <- build-base, busybox, glibc, nodejs$/m);
    const dot = renderGraphDot(g);
    assert.match(dot, /^digraph distro \{/);
    assert.match(dot, /"node-app" -> "nodejs" \[label="build,runtime"\];/);
  });
});
