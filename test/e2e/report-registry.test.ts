import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseReference, pushLayout, RegistryClient } from '../../src/oci/index.js';
import { runCli } from '../helpers/cli.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { advisoryFiles, FAT_EXPECTED, fatImage, minimalImage, writeImageLayout } from '../unit/report/images.js';

describe('lupine report of image references (docker-registry on 127.0.0.1)', () => {
  let reg: TestRegistry;
  let dir: string;
  const sizes: Record<string, number> = {};
  const cli = (...argv: string[]) =>
    runCli(argv, {
      env: { SOURCE_DATE_EPOCH: '0', HOME: dir, DOCKER_CONFIG: join(dir, 'no-docker-config') },
      cwd: dir,
    });

  before(async () => {
    reg = await startRegistry();
    dir = mkdtempSync(join(tmpdir(), 'lupine-report-registry-'));
    sizes.fat = await writeImageLayout(join(dir, 'fat'), fatImage('x86_64'), 'x86_64');
    sizes.minimal = await writeImageLayout(join(dir, 'minimal'), minimalImage('x86_64'), 'x86_64');
    for (const [name, text] of Object.entries(advisoryFiles())) {
      mkdirSync(dirname(join(dir, 'db', name)), { recursive: true });
      writeFileSync(join(dir, 'db', name), text);
    }
    const client = new RegistryClient({ retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
    try {
      for (const name of ['fat', 'minimal']) {
        await pushLayout(client, join(dir, name), parseReference(`${reg.host}/lupine/${name}:v1`));
      }
    } finally {
      client.close();
    }
  });
  after(async () => {
    await reg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pulls both images (plain HTTP to loopback without --insecure) and gives the same facts as the layouts', async () => {
    const refs = [`${reg.host}/lupine/fat:v1`, `${reg.host}/lupine/minimal:v1`];
    const r = await cli('report', ...refs, '--db', 'db', '--json');
    assert.equal(r.code, 0, r.stderr);
    const pulled = JSON.parse(r.stdout).images;
    const local = JSON.parse((await cli('report', 'fat', 'minimal', '--db', 'db', '--json')).stdout).images;
    assert.deepEqual(
      pulled.map((i: { name: string }) => i.name),
      refs,
    );
    for (const [i, img] of pulled.entries()) assert.deepEqual({ ...img, name: '' }, { ...local[i], name: '' });
    assert.equal(pulled[0].compressedSize, sizes.fat);
    assert.deepEqual(pulled[0].vulnerabilities, FAT_EXPECTED);
    assert.equal(pulled[1].vulnerabilities.findings, 0);
  });

  it('an unknown tag is an error (exit 3), not a crash', async () => {
    const r = await cli('report', `${reg.host}/lupine/fat:nope`);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /error\[OCI_/);
  });
});
