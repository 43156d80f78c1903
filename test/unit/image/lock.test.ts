import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type ApkoLock,
  checkLockMatches,
  formatLock,
  loadImageConfig,
  lockedSetFromLock,
  parseLock,
} from '../../../src/image/index.js';
import { assertCode, assertCodeSync } from '../../helpers/assert-code.js';
import { runCli } from '../../helpers/cli.js';
import { vector } from '../../helpers/paths.js';

const golden = vector('apko', 'golden-testdata');
const goldenLock = readFileSync(join(golden, 'apko.lock.json'), 'utf8');
let work = '';

/**
 * apko's lock test runs in `internal/cli` with the config found in `testdata/`; its paths
 * (`./testdata/packages`, `./testdata/melange.rsa.pub`) are relative to that directory. The
 * vectors keep the key under `packages/`, so the test lays out the same names with symlinks.
 */
before(() => {
  work = mkdtempSync(join(tmpdir(), 'lupine-image-lock-'));
  mkdirSync(join(work, 'testdata'));
  symlinkSync(join(golden, 'apko.yaml'), join(work, 'apko.yaml'));
  symlinkSync(join(golden, 'packages'), join(work, 'testdata', 'packages'));
  symlinkSync(join(golden, 'packages', 'melange.rsa.pub'), join(work, 'testdata', 'melange.rsa.pub'));
});
after(() => rmSync(work, { recursive: true, force: true }));

async function loadGoldenConfig(file = join(work, 'apko.yaml')) {
  const loaded = await loadImageConfig(file);
  assert.ok(loaded.config, JSON.stringify(loaded.diagnostics));
  return { ...loaded, config: loaded.config };
}

describe('lupine image lock', () => {
  it("reproduces apko's golden apko.lock.json byte for byte", async () => {
    const r = await runCli(['image', 'lock', 'apko.yaml', '--arch', 'amd64,arm64', '--output', 'out.lock.json'], {
      cwd: work,
    });
    assert.equal(r.code, 0, r.stderr);
    const got = readFileSync(join(work, 'out.lock.json'), 'utf8');
    assert.equal(got, goldenLock);
  });

  it("defaults to the config's archs and to <stem>.lock.json beside it", async () => {
    const r = await runCli(['image', 'lock', 'apko.yaml'], { cwd: work });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(work, 'apko.lock.json'), 'utf8'), goldenLock);
  });

  it('fails with the resolver report when a package does not exist, writing nothing', async () => {
    writeFileSync(
      join(work, 'missing.yaml'),
      'contents:\n  keyring: [./testdata/melange.rsa.pub]\n  repositories: [./testdata/packages]\n  packages: [replayout, no-such-package]\narchs: [x86_64]\n',
    );
    const r = await runCli(['image', 'lock', 'missing.yaml'], { cwd: work });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /RESOLVE_UNSATISFIABLE/);
    assert.match(r.stderr, /no-such-package \(no such package\)/);
    assert.throws(() => readFileSync(join(work, 'missing.lock.json')), /ENOENT/);
  });

  it('rejects an unknown arch as a usage error', async () => {
    const r = await runCli(['image', 'lock', 'apko.yaml', '--arch', 'vax'], { cwd: work });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown arch 'vax'/);
  });
});

describe('lock file codec', () => {
  it('round-trips the golden lock to the same bytes', () => {
    assert.equal(formatLock(parseLock(goldenLock)), goldenLock);
  });

  it("escapes <, > and & as Go's encoding/json does", () => {
    const lock = parseLock(goldenLock);
    const odd: ApkoLock = {
      ...lock,
      contents: { ...lock.contents, keyring: [{ name: 'k', url: 'https://x/k?a=1&b=<2>' }] },
    };
    assert.match(formatLock(odd), /"url": "https:\/\/x\/k\?a=1\\u0026b=\\u003c2\\u003e"/);
  });

  it('rejects a lock from before apko 0.13 (no package checksum)', () => {
    const old = JSON.parse(goldenLock) as { contents: { packages: { checksum?: string }[] } };
    for (const p of old.contents.packages) delete p.checksum;
    assertCodeSync(() => parseLock(JSON.stringify(old)), 'IMAGE_LOCK_MALFORMED');
  });

  it('rejects what is not a lock', () => {
    assertCodeSync(() => parseLock('{"version":"v2","contents":{}}'), 'IMAGE_LOCK_MALFORMED');
    assertCodeSync(() => parseLock('nope'), 'IMAGE_LOCK_MALFORMED');
  });
});

describe('build --lockfile support', () => {
  const fetchFrom = (cwd: string) => (url: string) => readFile(resolve(cwd, url));

  it('gives each arch its locked set in install order, verified against the lock', async () => {
    const lock = parseLock(goldenLock);
    for (const arch of ['x86_64', 'aarch64']) {
      const set = lockedSetFromLock(lock, arch, fetchFrom(work));
      assert.deepEqual(
        set.map((p) => `${p.name}-${p.version} ${p.identity}`),
        lock.contents.packages
          .filter((p) => p.architecture === arch)
          .map((p) => `${p.name}-${p.version} ${p.checksum}`),
      );
      for (const p of set) assert.ok((await p.fetch()).length > 0);
    }
  });

  it('refuses bytes that differ from the lock, naming the member', async () => {
    const lock = parseLock(goldenLock);
    // The x86_64 package served for the aarch64 URL: same name and version, other bytes.
    const [p] = lockedSetFromLock(lock, 'aarch64', (url) => fetchFrom(work)(url.replace('aarch64', 'x86_64')));
    assert.ok(p);
    const err = await assertCode(() => p.fetch(), 'IMAGE_LOCK_MISMATCH');
    assert.match(err.message, /pretend-baselayout-1\.0\.0-r0\.apk: the checksum does not match/);
  });

  it('refuses an arch the lock does not have', () => {
    assertCodeSync(() => lockedSetFromLock(parseLock(goldenLock), 'riscv64', fetchFrom(work)), 'IMAGE_LOCK_STALE');
  });

  it('accepts the config the lock was made from', async () => {
    const r = checkLockMatches(await loadGoldenConfig(), parseLock(goldenLock));
    assert.deepEqual(r.warnings, []);
  });

  it('fails clearly when the config changed (checksum), lacks an arch, or asks for more', async () => {
    const lock = parseLock(goldenLock);
    const edited = join(work, 'edited.yaml');
    writeFileSync(edited, `${readFileSync(join(golden, 'apko.yaml'), 'utf8')}# a comment\n`);
    const e = await assertCode(async () => checkLockMatches(await loadGoldenConfig(edited), lock), 'IMAGE_LOCK_STALE');
    assert.match(e.message, /does not match the lock file/);

    const noSum: ApkoLock = { ...lock, config: {} };
    const cfg = await loadGoldenConfig();
    assert.equal(checkLockMatches(cfg, noSum).warnings.length, 1);
    assertCodeSync(() => checkLockMatches(cfg, noSum, ['x86_64', 'riscv64']), 'IMAGE_LOCK_STALE');

    const more = join(work, 'more.yaml');
    writeFileSync(
      more,
      'contents:\n  repositories: [./testdata/packages]\n  packages: [replayout, custom-ca-certs-1]\narchs: [x86_64]\n',
    );
    const m = await loadGoldenConfig(more);
    const err = assertCodeSync(() => checkLockMatches(m, noSum), 'IMAGE_LOCK_STALE');
    assert.match(err.message, /custom-ca-certs-1 is in the config but not in the lock file for x86_64/);

    const pinned = join(work, 'pinned.yaml');
    writeFileSync(pinned, 'contents:\n  packages: [replayout>2]\narchs: [x86_64]\n');
    const pc = await loadGoldenConfig(pinned);
    const pe = assertCodeSync(() => checkLockMatches(pc, noSum), 'IMAGE_LOCK_STALE');
    assert.match(pe.message, /replayout-1\.0\.0-r0 is locked/);
  });
});
