/**
 * The one path from repositories to a locked, ordered set (install/locked-set.ts): its pure core
 * (apko's install order, pins, failures as data), and, over apko's golden test data (resolvable
 * offline), the same order whether `image lock`, `image build` or the module itself asks.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { emptyPackageInfo, type PackageInfo } from '../../../src/apk/index.js';
import { silentLogger } from '../../../src/core/index.js';
import {
  buildRepositoryText,
  imageWorld,
  loadImageConfig,
  loadImageKeyring,
  lockArch,
  type ResolvedImageConfig,
  resolveImageArch,
} from '../../../src/image/index.js';
import {
  type LockedSetResult,
  lockPackageSet,
  resolveLockedSet,
  resolvePackageSet,
} from '../../../src/install/index.js';
import { defaultFetcher } from '../../../src/repo/index.js';
import type { RepositoryInput } from '../../../src/resolver/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';
import { openedRepository } from './fixtures.js';

const pkg = (name: string, depends: string[] = [], extra: Partial<PackageInfo> = {}): PackageInfo => ({
  ...emptyPackageInfo(name, '1-r0'),
  identity: `Q1${name}=`,
  depends,
  ...extra,
});

function lock(world: string[], packages: PackageInfo[], pins?: { name: string; version: string; identity?: string }[]) {
  const inputs: RepositoryInput[] = [{ name: '/repo', packages }];
  return resolveLockedSet({ world, arch: 'x86_64', ...(pins ? { pins } : {}) }, ['/repo'], inputs);
}

const names = (r: LockedSetResult<unknown>) => (r.ok ? r.packages.map((p) => p.info.name) : r.failure.kind);

describe('resolveLockedSet', () => {
  const repo = [
    pkg('app', ['musl', 'zlib']),
    pkg('tool', []),
    pkg('zlib', ['musl']),
    pkg('musl'),
    pkg('unused', ['musl']),
  ];

  it("orders the set as apko installs it: world order, each entry's dependencies first", () => {
    assert.deepEqual(names(lock(['tool', 'app'], repo)), ['tool', 'musl', 'zlib', 'app']);
    assert.deepEqual(names(lock(['app', 'tool'], repo)), ['musl', 'zlib', 'app', 'tool']);
  });

  it("gives the melange guest (resolvePackageSet) the same order; it was the solver's name order", () => {
    const open = openedRepository('/repo', repo);
    const r = resolvePackageSet(['tool', 'app'], [open], 'x86_64');
    assert.ok(r.ok);
    assert.deepEqual(
      r.packages.map((p) => p.name),
      ['tool', 'musl', 'zlib', 'app'],
    );
  });

  it('names the repository and tag each package comes from', () => {
    const r = lock(['zlib'], repo);
    assert.ok(r.ok);
    assert.deepEqual(
      r.packages.map((p) => `${p.info.name} ${p.repository} '${p.tag}'`),
      ["musl /repo ''", "zlib /repo ''"],
    );
  });

  it('pins: the exact set is accepted and ordered like the world', () => {
    const r = lock(['app'], repo, [
      { name: 'app', version: '1-r0' },
      { name: 'zlib', version: '1-r0', identity: 'Q1zlib=' },
      { name: 'musl', version: '1-r0' },
    ]);
    assert.ok(r.ok);
    assert.deepEqual(r.world, ['app', 'app=1-r0', 'zlib=1-r0', 'musl=1-r0']);
    assert.deepEqual(names(r), ['musl', 'zlib', 'app']);
  });

  it('pins: a set that differs from them, or other bytes, is refused as data', () => {
    const differ = lock(['app', 'tool'], repo, [
      { name: 'app', version: '1-r0' },
      { name: 'zlib', version: '1-r0' },
      { name: 'musl', version: '1-r0' },
    ]);
    assert.ok(!differ.ok);
    assert.deepEqual(differ.failure, { kind: 'pins-differ', extra: ['tool=1-r0'], missing: [] });
    const bytes = lock(['musl'], repo, [{ name: 'musl', version: '1-r0', identity: 'Q1other=' }]);
    assert.ok(!bytes.ok);
    assert.deepEqual(bytes.failure, {
      kind: 'pin-identity',
      name: 'musl',
      version: '1-r0',
      pinned: 'Q1other=',
      repository: 'Q1musl=',
    });
  });

  it("refuses an unknown name with apk's report and the name, and a malformed entry", () => {
    const r = lock(['app', 'nothere'], repo);
    assert.ok(!r.ok && r.failure.kind === 'unsatisfiable');
    assert.equal(r.failure.absent, 'nothere');
    assert.match(r.failure.report, /unable to select packages/);
    const conflict = lock(['app', '!zlib'], repo);
    assert.ok(!conflict.ok && conflict.failure.kind === 'unsatisfiable');
    assert.equal(conflict.failure.absent, undefined);
    const bad = lock(['app', 'a b'], repo);
    assert.ok(!bad.ok && bad.failure.kind === 'bad-entry');
    assert.equal(bad.failure.entry, 'a b');
  });
});

/** apko's golden test data, laid out as apko's tests see it (`./testdata/...` relative paths). */
const golden = vector('apko', 'golden-testdata');
let work = '';
before(() => {
  work = mkdtempSync(join(tmpdir(), 'lupine-locked-set-'));
  mkdirSync(join(work, 'testdata'));
  for (const f of ['apko.yaml', 'apko-certs.yaml']) symlinkSync(join(golden, f), join(work, f));
  symlinkSync(join(golden, 'packages'), join(work, 'testdata', 'packages'));
  symlinkSync(join(golden, 'packages', 'melange.rsa.pub'), join(work, 'testdata', 'melange.rsa.pub'));
});
after(() => rmSync(work, { recursive: true, force: true }));

async function config(name: string): Promise<ResolvedImageConfig> {
  const loaded = await loadImageConfig(join(work, name));
  assert.ok(loaded.config, JSON.stringify(loaded.diagnostics));
  return loaded.config;
}

/** `image build`'s path for one arch (its repository text, its keyring). */
async function buildOrder(c: ResolvedImageConfig, arch: string, packages = imageWorld(c), pins?: unknown) {
  const keyring = await loadImageKeyring(c, { cwd: work });
  const r = await lockArch(packages, pins as Parameters<typeof lockArch>[1], {
    text: buildRepositoryText(c, [], work),
    arch,
    keys: keyring.keys,
    fetcher: defaultFetcher(),
    logger: silentLogger,
  });
  return r.packages.map((p) => `${p.name}=${p.version}`);
}

describe('one order for image lock, image build and the module (apko golden test data)', () => {
  for (const file of ['apko.yaml', 'apko-certs.yaml']) {
    for (const arch of ['x86_64', 'aarch64']) {
      it(`${file} ${arch}`, async () => {
        const c = await config(file);
        const keyring = await loadImageKeyring(c, { cwd: work });
        const locked = (await resolveImageArch(c, arch, keyring, { cwd: work })).packages.map(
          (p) => `${p.info.name}=${p.info.version}`,
        );
        assert.ok(locked.length >= 2, locked.join(' '));
        assert.deepEqual(await buildOrder(c, arch), locked);
        const direct = await lockPackageSet(
          { world: imageWorld(c), arch },
          { repositories: [join(work, 'testdata/packages')], keys: keyring.keys },
        );
        assert.ok(direct.result.ok);
        assert.deepEqual(
          direct.result.packages.map((p) => `${p.info.name}=${p.info.version}`),
          locked,
        );
      });
    }
  }

  it("image build pinned to apko's own lock file gives the lock's order", async () => {
    const c = await config('apko.yaml');
    const apkoLock = JSON.parse(readFileSync(join(golden, 'apko.lock.json'), 'utf8')) as {
      contents: { packages: { name: string; version: string; architecture: string; checksum: string }[] };
    };
    const x86 = apkoLock.contents.packages.filter((p) => p.architecture === 'x86_64');
    assert.deepEqual(
      await buildOrder(c, 'x86_64', imageWorld(c), apkoLock.contents.packages),
      x86.map((p) => `${p.name}=${p.version}`),
    );
  });

  it('each caller refuses what it refused: lock RESOLVE_UNSATISFIABLE, build IMAGE_BUILD_UNRESOLVABLE / IMAGE_LOCK_MISMATCH', async () => {
    const c = await config('apko.yaml');
    const keyring = await loadImageKeyring(c, { cwd: work });
    await assertCode(
      () => resolveImageArch(c, 'x86_64', keyring, { cwd: work, extraPackages: ['no-such-package'] }),
      'RESOLVE_UNSATISFIABLE',
    );
    await assertCode(() => buildOrder(c, 'x86_64', ['replayout', 'no-such-package']), 'IMAGE_BUILD_UNRESOLVABLE');
    await assertCode(() => buildOrder(c, 'x86_64', ['replayout', 'a b']), 'IMAGE_BUILD_UNRESOLVABLE');
    const wrong = [{ name: 'replayout', version: '0.0.1-r0', architecture: 'x86_64', checksum: '' }];
    await assertCode(() => buildOrder(c, 'x86_64', imageWorld(c), wrong), 'IMAGE_LOCK_MISMATCH');
  });
});
