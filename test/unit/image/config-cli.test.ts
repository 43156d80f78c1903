import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, spawnCli } from '../../helpers/cli.js';
import { assertGolden } from '../../helpers/golden.js';
import { vector } from '../../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'lupine-image-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('lupine image show-config', () => {
  it('prints the merged config of include.yaml', async () => {
    const r = await runCli(['image', 'show-config', vector('apko', 'examples', 'include.yaml')]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assertGolden('image/include.merged.yaml', r.stdout);
  });

  it('prints JSON with --json', async () => {
    const r = await runCli(['image', 'show-config', '--json', vector('apko', 'examples', 'nginx.yaml')]);
    assert.equal(r.code, 0);
    const doc = JSON.parse(r.stdout) as { paths: { permissions: number }[]; archs: string[] };
    assert.deepEqual(
      doc.paths.map((p) => p.permissions),
      [0o755, 0o644],
    );
    assert.deepEqual(doc.archs, ['x86_64']);
  });

  it('prints every problem, relative to the working directory, and exits 3', async () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      'contents:\n  pakages: [busybox]\narchs: [amd46]\npaths:\n  - path: /data\n    type: dir\n',
    );
    const r = await runCli(['image', 'show-config', 'bad.yaml'], { cwd: dir });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assertGolden('image/bad.diagnostics.txt', r.stderr);
  });

  it('--lenient turns unknown keys into warnings and still prints the config', async () => {
    writeFileSync(join(dir, 'stale.yaml'), 'contents:\n  packages: [busybox]\naccounts:\n  recursive: true\n');
    const strict = await runCli(['image', 'show-config', 'stale.yaml'], { cwd: dir });
    assert.equal(strict.code, 3);
    const lenient = await runCli(['image', 'show-config', '--lenient', 'stale.yaml'], { cwd: dir });
    assert.equal(lenient.code, 0);
    assert.match(lenient.stderr, /^stale\.yaml:4:3: warning\[IMAGE_CONFIG_UNKNOWN_KEY\]/);
    assert.match(lenient.stdout, /- busybox/);
  });

  it('a missing file is an error (exit 3); a missing argument is usage (exit 2)', async () => {
    const missing = await runCli(['image', 'show-config', 'nope.yaml'], { cwd: dir });
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /IO_ERROR/);
    const usage = await runCli(['image', 'show-config'], { cwd: dir });
    assert.equal(usage.code, 2);
  });

  it('works from bin/lupine', () => {
    const r = spawnCli(['image', 'show-config', vector('apko', 'examples', 'overlay.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assertGolden('image/overlay.merged.yaml', r.stdout);
  });
});
