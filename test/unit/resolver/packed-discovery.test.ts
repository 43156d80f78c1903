/**
 * Discovery over the packed tables (discover-packed.ts, used when one source holds every package)
 * must leave exactly the state the node walk (discover.ts) leaves: same order ids, same package
 * flags, same reverse edges. Compared through whole solves over the Alpine v3.17 index for many
 * seeded worlds — installs, conflicts, missing names, virtual names, version pins, tags, solver
 * flags and per-name flags — with `packedDiscovery` on and off.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type Dependency, makeDependency, parseDependency } from '../../../src/apk/index.js';
import { packIndex, readApkIndexArchive } from '../../../src/repo/index.js';
import {
  type NameFlags,
  type RepositoryInput,
  SOLVER_AVAILABLE,
  SOLVER_LATEST,
  SOLVER_UPGRADE,
  type Solution,
  type SolveInput,
  solve,
} from '../../../src/resolver/index.js';
// Internal files: the two discoveries are compared directly.
import { Discovery } from '../../../src/resolver/discover.js';
import { buildDatabase } from '../../../src/resolver/build-database.js';
import type { Database } from '../../../src/resolver/model.js';
import type { NameNode } from '../../../src/resolver/nodes.js';
import { worldDeps } from '../../../src/resolver/solve.js';
import { vector } from '../../helpers/paths.js';

const archive = readApkIndexArchive(readFileSync(vector('apk', 'alpine-v3.17-main-aarch64-APKINDEX.tar.gz')), {
  allowUntrusted: true,
});
const packages = archive.packages;
const packed = packIndex(packages, '', { complete: true });

/** A small seeded PRNG (mulberry32): the same worlds every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const names = [...new Set(packages.map((p) => p.name))].sort();
const provided = [...new Set(packages.flatMap((p) => p.provides.map((s) => s.split('=')[0] ?? '')))]
  .filter((s) => s !== '')
  .sort();

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function world(r: () => number): Dependency[] {
  const out: Dependency[] = [];
  const n = 1 + Math.floor(r() * 10);
  for (let i = 0; i < n; i++) {
    const roll = r();
    if (roll < 0.6) out.push(makeDependency(pick(r, names)));
    else if (roll < 0.75) out.push(makeDependency(pick(r, provided)));
    else if (roll < 0.82) out.push(makeDependency(pick(r, names), { conflict: true }));
    else if (roll < 0.88) out.push(parseDependency(`${pick(r, names)}>=999`));
    else if (roll < 0.93) out.push(makeDependency(`no-such-package-${i}`));
    else out.push(makeDependency(pick(r, names), { tag: 'edge' }));
  }
  return out;
}

function render(s: Solution): string {
  const changes = s.changes.map(
    (c) => `${c.kind} ${c.name} ${c.old?.version ?? '-'} ${c.new?.version ?? '-'} ${c.newTag}`,
  );
  return JSON.stringify({ ok: s.ok, changes, conflict: s.ok ? null : s.conflict });
}

const FLAGS = [0, SOLVER_UPGRADE | SOLVER_LATEST, SOLVER_AVAILABLE];

test('discovery over the tables gives the same solves as the node walk (240 seeded worlds)', () => {
  const r = rng(20261128);
  const repositories: RepositoryInput[] = [{ packages: [], packed }];
  let failed = 0;
  let conflicts = 0;
  for (let i = 0; i < 240; i++) {
    const w = world(r);
    const flags = FLAGS[i % FLAGS.length] as number;
    const nameFlags: NameFlags[] =
      i % 5 === 0 ? [{ name: w[0]?.name ?? 'musl', flags: SOLVER_UPGRADE, inheritable: SOLVER_UPGRADE }] : [];
    const input = { world: w, repositories, arch: 'aarch64', flags, nameFlags };
    const a = render(solve(input, { packedDiscovery: true }));
    const b = render(solve(input, { packedDiscovery: false }));
    if (a !== b) {
      failed++;
      assert.equal(a, b, `world ${w.map((d) => `${d.conflict ? '!' : ''}${d.name}`).join(' ')} flags ${flags}`);
    }
    if (!JSON.parse(a).ok) conflicts++;
  }
  assert.equal(failed, 0);
  // The worlds must exercise both outcomes.
  assert.ok(conflicts > 20 && conflicts < 220, `${conflicts} of 240 worlds conflict`);
});

test('a tagged repository and --force-broken-world solve the same both ways', () => {
  const repositories: RepositoryInput[] = [{ packages: [], packed, tag: 'main' }];
  const w = [makeDependency('python3', { tag: 'main' }), makeDependency('busybox'), makeDependency('nope')];
  for (const forceBrokenWorld of [false, true]) {
    const input = { world: w, repositories, arch: 'aarch64' };
    assert.equal(
      render(solve(input, { packedDiscovery: true, forceBrokenWorld })),
      render(solve(input, { packedDiscovery: false, forceBrokenWorld })),
    );
  }
});

// The state itself, name by name and package by package: this pins the internal equivalence the
// solves above only sample.

function stateOf(db: Database): { names: string[]; pkgs: string[] } {
  const src = db.sources.find((s) => s.pack === packed);
  if (src === undefined) throw new Error('no packed source');
  const names: string[] = [];
  for (let id = 0; id < packed.nameCount; id++) {
    const n = db.nameAt(src, id);
    const s = n.ss;
    const rdeps = s.rdependsSeen?.map((x) => x.name).join(',') ?? '';
    names.push(`${n.name} seen=${s.seen} noIif=${s.noIif} order=${s.orderId} rdeps=${rdeps}`);
  }
  const pkgs: string[] = [];
  for (let i = 0; i < packed.packageCount; i++) {
    if (packed.pkgFlags[i] !== 0 && (packed.pkgFlags[i] as number) & 2) continue;
    const p = db.pkgAt(src, i);
    const s = p.ss;
    pkgs.push(
      `${p.name.name}-${p.version} seen=${s.seen} av=${s.available} sel=${s.selectable} iif=${s.iifFailed} ` +
        `pref=${s.tagPreferred} ok=${s.tagOk} pin=${s.pinningAllowed}/${s.pinningPreferred} flags=${s.flags}`,
    );
  }
  return { names, pkgs };
}

function discoverBoth(input: SolveInput, flags: number) {
  const a = buildDatabase(input);
  const wa = worldDeps(a, input);
  const pd = a.startPackedDiscovery(flags, a.pinningRepos(1));
  assert.ok(pd, 'one source of packages: discovery over the tables applies');
  for (const d of wa) if (!d.dep.broken) pd.discoverName(d.name, (d.name as NameNode).ids[pd.src.k] as number);
  const b = buildDatabase(input);
  const wb = worldDeps(b, input);
  const walk = new Discovery(b, flags, b.pinningRepos(1));
  for (const d of wb) if (!d.dep.broken) walk.discover(d.name);
  b.reverseDependsOfSeen();
  return { packed: stateOf(a), walked: stateOf(b) };
}

test('discovery over the tables leaves every name and package in the node walk state (40 worlds)', () => {
  const r = rng(7);
  let seenNames = 0;
  for (let i = 0; i < 40; i++) {
    const w = world(r);
    const flags = FLAGS[i % FLAGS.length] as number;
    const nameFlags: NameFlags[] =
      i % 4 === 0 ? [{ name: w[0]?.name ?? 'musl', flags: SOLVER_UPGRADE, inheritable: SOLVER_UPGRADE }] : [];
    const input: SolveInput = { world: w, repositories: [{ packages: [], packed }], arch: 'aarch64', flags, nameFlags };
    const { packed: p, walked } = discoverBoth(input, flags);
    for (let k = 0; k < walked.names.length; k++) assert.equal(p.names[k], walked.names[k]);
    for (let k = 0; k < walked.pkgs.length; k++) assert.equal(p.pkgs[k], walked.pkgs[k]);
    seenNames += walked.names.filter((s) => s.includes(' seen=true ')).length;
  }
  // Worlds reach much of the index (docs install_if pulls in thousands of names).
  assert.ok(seenNames > 40 * 1000, `${seenNames} names seen over 40 worlds`);
});
