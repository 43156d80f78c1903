import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDependencyList } from '../../../src/apk/index.js';
import { isLupineError } from '../../../src/core/index.js';
import { explainConflict, SOLVER_UPGRADE, solve } from '../../../src/resolver/index.js';
import { pkg, repo, run } from './helpers.js';

test('dependencies are installed before their dependents', () => {
  const r = run({
    world: 'a',
    repositories: [repo([pkg('a', '1', { D: 'b' }), pkg('b', '1', { D: 'c' }), pkg('c', '1')])],
  });
  assert.deepEqual(r.steps, ['install c-1', 'install b-1', 'install a-1']);
  assert.ok(r.solution.ok);
  assert.deepEqual(r.solution.ok && r.solution.installed.map((p) => `${p.pkg.name}-${p.pkg.version}@${p.repository}`), [
    'a-1@0',
    'b-1@0',
    'c-1@0',
  ]);
});

test('the highest version wins; installed versions are kept unless upgrading', () => {
  const repos = [repo([pkg('a', '1'), pkg('a', '2')])];
  assert.deepEqual(run({ world: 'a', repositories: repos }).steps, ['install a-2']);
  const installed = [pkg('a', '1')];
  assert.deepEqual(run({ world: 'a', repositories: repos, installed }).steps, []);
  assert.deepEqual(run({ world: 'a', repositories: repos, installed, flags: SOLVER_UPGRADE }).steps, [
    'upgrade a 1->2',
  ]);
  assert.deepEqual(run({ world: 'a<2', repositories: repos }).steps, ['install a-1']);
});

test('a versioned provide stands in for the name; two of them conflict', () => {
  const repos = [
    repo([
      pkg('server-a', '1', { p: 'theservice=1' }),
      pkg('server-b', '1', { p: 'theservice=2' }),
      pkg('client', '1', { D: 'theservice' }),
    ]),
  ];
  assert.deepEqual(run({ world: 'client', repositories: repos }).steps, ['install server-b-1', 'install client-1']);
  const r = run({ world: 'server-a server-b', repositories: repos });
  assert.equal(r.solution.ok, false);
  assert.equal(
    !r.solution.ok && explainConflict(r.solution.conflict),
    [
      'ERROR: unable to select packages:',
      '  server-a-1:',
      '    conflicts: server-b-1[theservice=1]',
      '    satisfies: world[server-a]',
      '  server-b-1:',
      '    conflicts: server-a-1[theservice=2]',
      '    satisfies: world[server-b]',
      '',
    ].join('\n'),
  );
});

test('a virtual provide is chosen only with a provider_priority, the highest first', () => {
  const noPrio = [repo([pkg('p1', '1', { p: 'virt' }), pkg('p2', '1', { p: 'virt' }), pkg('app', '1', { D: 'virt' })])];
  const r = run({ world: 'app', repositories: noPrio });
  assert.equal(r.solution.ok, false);
  assert.equal(
    !r.solution.ok && explainConflict(r.solution.conflict),
    [
      'ERROR: unable to select packages:',
      '  virt (virtual):',
      "    note: please select one of the 'provided by'",
      '          packages explicitly',
      '    provided by: p1 p2',
      '    required by: app-1[virt]',
      '',
    ].join('\n'),
  );
  const prio = [
    repo([pkg('p1', '1', { p: 'virt', k: 10 }), pkg('p2', '1', { p: 'virt', k: 20 }), pkg('app', '1', { D: 'virt' })]),
  ];
  assert.deepEqual(run({ world: 'app', repositories: prio }).steps, ['install p2-1', 'install app-1']);
  assert.deepEqual(run({ world: 'app p1', repositories: prio }).steps, ['install p1-1', 'install app-1']);
});

test('a conflict (!name) keeps a package out, and breaks when it cannot', () => {
  const repos = [repo([pkg('a', '1', { D: '!b' }), pkg('b', '1'), pkg('c', '1', { D: 'b' })])];
  const installed = [pkg('b', '1')];
  assert.deepEqual(run({ world: 'a', repositories: repos, installed }).steps, ['remove b-1', 'install a-1']);
  const r = run({ world: 'a c', repositories: repos });
  assert.equal(r.solution.ok, false);
  assert.equal(
    !r.solution.ok && explainConflict(r.solution.conflict),
    ['ERROR: unable to select packages:', '  b-1:', '    breaks: a-1[!b]', '    satisfies: c-1[b]', ''].join('\n'),
  );
});

test('install_if adds a package once all its conditions hold, and removes it after', () => {
  const repos = [
    repo([pkg('app', '1'), pkg('docs', '1'), pkg('app-doc', '1', { i: 'app=1 docs' }), pkg('other', '1')]),
  ];
  assert.deepEqual(run({ world: 'app', repositories: repos }).steps, ['install app-1']);
  assert.deepEqual(run({ world: 'app docs', repositories: repos }).steps, [
    'install app-1',
    'install docs-1',
    'install app-doc-1',
  ]);
  const installed = [pkg('app', '1'), pkg('docs', '1'), pkg('app-doc', '1', { i: 'app=1 docs' })];
  assert.deepEqual(run({ world: 'app', repositories: repos, installed }).steps, ['remove app-doc-1', 'remove docs-1']);
});

test('pinning: tagged repositories are used only through world@tag, and dependencies inherit it', () => {
  const main = repo([pkg('a', '2', { D: 'b' }), pkg('b', '2')]);
  const edge = repo([pkg('a', '3', { D: 'b' }), pkg('b', '3')], 'edge');
  assert.deepEqual(run({ world: 'a', repositories: [main, edge] }).steps, ['install b-2', 'install a-2']);
  assert.deepEqual(run({ world: 'a@edge', repositories: [main, edge] }).steps, ['install b-2', 'install a@edge-3']);
  assert.deepEqual(run({ world: 'a@edge b@edge', repositories: [main, edge] }).steps, [
    'install b@edge-3',
    'install a@edge-3',
  ]);
  const r = run({ world: 'a', repositories: [edge] });
  assert.equal(r.solution.ok, false);
  assert.match(!r.solution.ok ? explainConflict(r.solution.conflict) : '', /masked in: @edge/);
});

test('missing names are reported with who needs them, world first', () => {
  const r = run({ world: 'a nope', repositories: [repo([pkg('a', '1', { D: 'gone>=2' })])] });
  assert.equal(
    !r.solution.ok && explainConflict(r.solution.conflict),
    [
      'ERROR: unable to select packages:',
      '  nope (no such package):',
      '    required by: world[nope]',
      '  gone (no such package):',
      '    required by: a-1[gone>=2]',
      '',
    ].join('\n'),
  );
});

test('solve never mutates its input', () => {
  const packages = [pkg('a', '1', { D: 'b' }), pkg('b', '1'), pkg('b', '2')];
  const installed = [pkg('b', '1')];
  const input = { world: parseDependencyList('a'), repositories: [{ packages }], installed, flags: SOLVER_UPGRADE };
  const before = JSON.stringify(input);
  const deepFreeze = (o: unknown): void => {
    if (o && typeof o === 'object') {
      Object.freeze(o);
      for (const v of Object.values(o)) deepFreeze(v);
    }
  };
  deepFreeze(input);
  const r1 = solve(input);
  const r2 = solve(input);
  assert.equal(JSON.stringify(input), before);
  assert.deepEqual(r1, r2);
});

test('packages of another arch cannot be selected', () => {
  const other = pkg('a', '1');
  other.arch = 'aarch64';
  const r = solve({ world: parseDependencyList('a'), repositories: [{ packages: [other] }], arch: 'x86_64' });
  assert.equal(r.ok, false);
});

test('packages are merged by the bytes of their identity, as apk keys them', () => {
  // 'E' and 'F' differ only in the 2 bits the 28th base64 character carries beyond 20 bytes.
  const bar = pkg('bar', '1');
  bar.identity = 'Q1hdUpqRv5mYgJEqW52UmVsvmyysF=';
  const libiif = pkg('libiif', '1', { i: 'bar' });
  libiif.identity = 'Q1hdUpqRv5mYgJEqW52UmVsvmyysE=';
  const r = run({ world: 'bar', repositories: [repo([bar, libiif])] });
  assert.deepEqual(r.steps, ['install bar-1']);
  const installed = pkg('a', '1');
  const inRepo = { ...pkg('a', '1'), identity: installed.identity };
  const same = run({ world: 'a', repositories: [repo([inRepo])], installed: [installed] });
  assert.deepEqual(same.steps, []);
});

test('a name provided by an install_if package follows what it is installed-if, walked or packed', () => {
  // apk-tools-behaviour behav-installif-order: other-x (p:dev-x, i:rc other) puts dev-x into rc's
  // reverse install_if list, so dev-x's chosen provider mdev-x is installed right after rc.
  const packages = [
    pkg('base', '1', { D: 'conf dev-x' }),
    pkg('conf', '1', { D: 'rc' }),
    pkg('rc', '1'),
    pkg('mdev-x', '1', { p: 'dev-x', k: 30 }),
    pkg('other-x', '1', { p: 'dev-x', i: 'rc other' }),
  ];
  const expected = ['install rc-1', 'install mdev-x-1', 'install conf-1', 'install base-1'];
  // One source of packages: discovery over the packed tables.
  assert.deepEqual(run({ world: 'base', repositories: [repo(packages)] }).steps, expected);
  // An installed package too: two sources, so the solver walks nodes.
  const installed = [pkg('unrelated', '1')];
  assert.deepEqual(run({ world: 'base unrelated', repositories: [repo(packages)], installed }).steps, expected);
  const walked = solve(
    { world: parseDependencyList('base'), repositories: [repo(packages)] },
    { packedDiscovery: false },
  );
  assert.deepEqual(
    walked.changes.map((c) => `${c.kind} ${c.name}-${c.new?.version}`),
    expected,
  );
});

test('a hostile index with a dependency chain 20,000 deep is LIMIT_EXCEEDED, not a stack overflow', () => {
  const chain = Array.from({ length: 20000 }, (_, i) => pkg(`c${i}`, '1', i + 1 < 20000 ? { D: `c${i + 1}` } : {}));
  assert.throws(
    () => run({ world: 'c0', repositories: [repo(chain)] }),
    (e: unknown) => isLupineError(e) && e.code === 'LIMIT_EXCEEDED',
  );
  // An ordinary depth still solves.
  const short = Array.from({ length: 500 }, (_, i) => pkg(`s${i}`, '1', i + 1 < 500 ? { D: `s${i + 1}` } : {}));
  assert.equal(run({ world: 's0', repositories: [repo(short)] }).steps.length, 500);
});
