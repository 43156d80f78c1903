/**
 * The resolver over a real index (Alpine v3.17 main/aarch64, 5004 packages): the bench world, a
 * reinstall against it as installed, and a removal. The goldens were written by the solver before it
 * was tuned for speed (discovery, reverse edges, lazily built graph), so any change of order or
 * choice shows up here. The same solves run again over the index read back from its packed file
 * form (what the CLI keeps in its cache), against the same goldens.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseDependencyList } from '../../../src/apk/index.js';
import { decodePackedIndex, encodePackedIndex, packIndex, readApkIndexArchive } from '../../../src/repo/index.js';
import { type Solution, solve } from '../../../src/resolver/index.js';
import { assertGolden } from '../../helpers/golden.js';
import { vector } from '../../helpers/paths.js';

const packages = readApkIndexArchive(readFileSync(vector('apk', 'alpine-v3.17-main-aarch64-APKINDEX.tar.gz')), {
  allowUntrusted: true,
}).packages;
const repositories = [{ packages }];
const BENCH_WORLD = 'alpine-base python3 gcc g++ nodejs postgresql15 nginx git openssh perl';

function render(s: Solution): string {
  const lines = s.changes.map((c) => `${c.kind} ${c.name} ${c.old?.version ?? '-'} -> ${c.new?.version ?? '-'}`);
  if (!s.ok) lines.push(`conflict: ${JSON.stringify(s.conflict)}`);
  return `${lines.join('\n')}\n`;
}

test('the bench world resolves to the same ordered changeset', () => {
  const s = solve({ world: parseDependencyList(BENCH_WORLD), repositories, arch: 'aarch64' });
  assertGolden('resolver/alpine-bench-world.txt', render(s));
});

test('with the result installed, dropping most of world removes in the same order', () => {
  const first = solve({ world: parseDependencyList(BENCH_WORLD), repositories, arch: 'aarch64' });
  if (!first.ok) throw new Error('the bench world did not resolve');
  const installed = first.installed.map((p) => p.pkg);
  const s = solve({ world: parseDependencyList('alpine-base git docs'), repositories, installed, arch: 'aarch64' });
  assertGolden('resolver/alpine-bench-world-shrink.txt', render(s));
});

// The packed file form, as a later CLI run reads it from the cache.
const packed = decodePackedIndex(encodePackedIndex(packIndex(packages, '', { complete: true }), 'key'), 'key');

test('read back from its packed form, the index gives the same changeset', () => {
  const s = solve({
    world: parseDependencyList(BENCH_WORLD),
    repositories: [{ packages: [], packed }],
    arch: 'aarch64',
  });
  assertGolden('resolver/alpine-bench-world.txt', render(s));
});

test('read back from its packed form, the removal order is the same', () => {
  const first = solve({
    world: parseDependencyList(BENCH_WORLD),
    repositories: [{ packages: [], packed }],
    arch: 'aarch64',
  });
  if (!first.ok) throw new Error('the bench world did not resolve');
  // Installed records materialized from the pack: they merge with the repository's by identity.
  const installed = first.installed.map((p) => p.pkg);
  const s = solve({
    world: parseDependencyList('alpine-base git docs'),
    repositories: [{ packages: [], packed }],
    installed,
    arch: 'aarch64',
  });
  assertGolden('resolver/alpine-bench-world-shrink.txt', render(s));
});

test('add alpine-base installs mdev-conf and busybox-mdev-openrc 9th and 10th, as apk-tools 2.14 does', () => {
  // apk's real order on this index (issue 13): mdevd-openrc and udev-init-scripts-openrc provide
  // `dev-openrc` and are installed-if openrc, which puts `dev-openrc` into openrc's reverse install_if
  // list; its chosen provider busybox-mdev-openrc (k:30, needing mdev-conf) then follows openrc.
  const s = solve({ world: parseDependencyList('alpine-base'), repositories, arch: 'aarch64' });
  const names = s.changes.map((c) => c.name);
  assert.equal(names.indexOf('mdev-conf') + 1, 9);
  assert.equal(names.indexOf('busybox-mdev-openrc') + 1, 10);
});
