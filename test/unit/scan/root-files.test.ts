import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type TarWriteEntry, writeTar } from '../../../src/archive/index.js';
import { LupineError } from '../../../src/core/index.js';
import { LayerStack, MAX_SCAN_FILE, readScanTarget, resolveRootFile, scanInput } from '../../../src/scan/index.js';
import { imageLayers, writeTestRoot } from './image-fixture.js';

const f = (name: string, text: string): TarWriteEntry => ({
  name,
  type: 'file',
  mode: 0o644,
  mtime: 0,
  data: Buffer.from(text),
});
const tar = (...entries: TarWriteEntry[]) => writeTar(entries, { dialect: 'ustar' });

describe('layer stack', () => {
  it('a whiteout removes a lower file; the upper database is read', async () => {
    const s = new LayerStack();
    for (const t of imageLayers('x86_64')) s.add(t);
    assert.equal(await s.read('lib/apk/db/installed'), undefined);
    assert.match((await s.read('usr/lib/apk/db/installed'))?.toString() ?? '', /P:libfoo-dev/);
  });

  it('follows a relative symlink (etc/os-release -> ../usr/lib/os-release)', async () => {
    const s = new LayerStack();
    for (const t of imageLayers('x86_64')) s.add(t);
    assert.match((await s.read('etc/os-release'))?.toString() ?? '', /^ID=wolfi/);
  });

  it('an opaque whiteout hides everything a lower layer had in the directory, not the layer’s own', async () => {
    const s = new LayerStack();
    s.add(tar(f('etc/os-release', 'ID=alpine\n'), f('etc/other', 'x')));
    s.add(tar(f('etc/.wh..wh..opq', ''), f('etc/os-release', 'ID=wolfi\n')));
    assert.equal((await s.read('etc/os-release'))?.toString(), 'ID=wolfi\n');
    assert.equal((await s.lookup()('etc/other')).kind, 'missing');
  });

  it('a whited-out directory takes its contents with it; symlink loops end', async () => {
    const s = new LayerStack();
    s.add(tar(f('usr/lib/os-release', 'ID=wolfi\n')));
    s.add(tar(f('usr/.wh.lib', '')));
    assert.equal(await s.read('usr/lib/os-release'), undefined);
    const loop = new LayerStack();
    loop.add(
      tar(
        { name: 'a', type: 'symlink', mode: 0o777, mtime: 0, linkname: 'b' },
        { name: 'b', type: 'symlink', mode: 0o777, mtime: 0, linkname: '/a' },
      ),
    );
    assert.equal(await resolveRootFile(loop.lookup(), 'a'), undefined);
  });
});

describe('layer stack: size cap on scan files', () => {
  it('a dpkg status (file or status.d entry) over the cap is LIMIT_EXCEEDED naming it; a smaller one reads', async () => {
    assert.equal(MAX_SCAN_FILE, 256 * 1024 * 1024); // the root-directory cap, lowered below
    const status = `Package: a\nStatus: install ok installed\nVersion: 1\n${'Description: x\n'.repeat(8)}`;
    const small = new LayerStack(status.length);
    small.add(tar(f('var/lib/dpkg/status', status)));
    assert.equal((await small.read('var/lib/dpkg/status'))?.toString(), status);
    const big = new LayerStack(status.length - 1);
    big.add(tar(f('var/lib/dpkg/status', status), f('var/lib/dpkg/status.d/b', status)));
    const err = await big.read('var/lib/dpkg/status').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof LupineError && err.code === 'LIMIT_EXCEEDED', String(err));
    assert.match(err.message, /var\/lib\/dpkg\/status: size is \d+, over the limit/);
    assert.throws(() => big.filesUnder('var/lib/dpkg/status.d'), /status\.d\/b: size is \d+, over the limit/);
    // Hidden by an upper layer's whiteout: never read, no error.
    big.add(tar(f('var/lib/dpkg/.wh.status', ''), f('var/lib/dpkg/status.d/.wh.b', '')));
    assert.equal(await big.read('var/lib/dpkg/status'), undefined);
    assert.equal(big.filesUnder('var/lib/dpkg/status.d').size, 0);
  });
});

describe('root directory target', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lupine-scan-root-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads the database through the lib/apk symlink, and os-release', async () => {
    writeTestRoot(join(tmp, 'root'), 'aarch64');
    const t = await readScanTarget('root', { cwd: tmp });
    assert.equal(t.kind, 'root');
    const input = scanInput(t);
    assert.deepEqual(input.distro, { id: 'wolfi', versionId: '20230201' });
    assert.equal(input.packages.length, 9);
    assert.equal(input.location, 'lib/apk/db/installed');
    assert.ok(input.packages.every((p) => p.arch === 'aarch64'));
  });

  it('an embedded SBOM symlinked outside the root is looked up inside it, never read from the host', async () => {
    const root = join(tmp, 'sbom-escape');
    writeTestRoot(root, 'x86_64');
    const host = join(tmp, 'host-secret.spdx.json');
    writeFileSync(host, '{"HOST":"secret"}');
    mkdirSync(join(root, 'var/lib/db/sbom'), { recursive: true });
    symlinkSync(host, join(root, 'var/lib/db/sbom/libfoo-1.0-r0.spdx.json'));
    // The same symlink resolved inside the root: the root's own file is what is read.
    mkdirSync(join(root, tmp), { recursive: true });
    writeFileSync(join(root, host), '{"IN":"root"}');
    const t = await readScanTarget('sbom-escape', { cwd: tmp });
    assert.equal(t.kind, 'root');
    assert.deepEqual(Object.values(t.kind === 'root' ? t.embeddedSboms : {}), ['{"IN":"root"}']);
  });

  it('a FIFO in place of a database is a clear error, not a hang', { timeout: 20_000 }, async () => {
    const root = join(tmp, 'fifo');
    writeTestRoot(root, 'x86_64');
    mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true });
    execFileSync('mkfifo', [join(root, 'var/lib/dpkg/status')]);
    await assert.rejects(
      readScanTarget('fifo', { cwd: tmp }),
      (e: unknown) => e instanceof LupineError && e.code === 'SCAN_BAD_TARGET' && /not a regular file/.test(e.message),
    );
  });
});
