/** Small hand-made recipe nodes for graph and scheduler tests. */
import type { RecipeNode } from '../../../src/distro/index.js';

export function node(name: string, over: Partial<RecipeNode> = {}): RecipeNode {
  return {
    name,
    fullVersion: '1.0-r0',
    file: `/distro/${name}.yaml`,
    runner: 'bubblewrap',
    packages: [name],
    provides: [],
    buildNeeds: [],
    testNeeds: [],
    runtimeNeeds: [],
    ...over,
  };
}

/** A small distro shaped like ours: a bootstrap, then hermetic packages on top. */
export function sampleNodes(): RecipeNode[] {
  return [
    node('glibc', { runner: 'host', packages: ['glibc', 'glibc-locale'] }),
    node('busybox', { runner: 'host', testNeeds: ['busybox'] }),
    node('build-base', { runner: 'host', provides: ['cc'], testNeeds: ['busybox'] }),
    node('nodejs', { runner: 'host', testNeeds: ['busybox'] }),
    node('lupine-baselayout', { buildNeeds: ['busybox'], testNeeds: ['busybox'] }),
    node('tzdata', { buildNeeds: ['busybox'] }),
    node('hello-server', { buildNeeds: ['build-base', 'busybox'], runtimeNeeds: ['so:libc.so.6'] }),
    node('node-app', { buildNeeds: ['busybox', 'nodejs'], runtimeNeeds: ['nodejs'], testNeeds: ['busybox'] }),
    node('hello-extra', { buildNeeds: ['busybox'], runtimeNeeds: ['hello-server'] }),
  ];
}
