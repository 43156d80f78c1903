import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseReference, pushLayout, RegistryClient } from '../../src/oci/index.js';
import { runCli } from '../helpers/cli.js';
import { validateSpdx } from '../helpers/json-schema.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { EXPECTED_X86_64, findingLine, fixtureFiles } from '../unit/scan/fixtures.js';
import { writeTestLayout } from '../unit/scan/image-fixture.js';

describe('lupine scan / sbom of an image reference (docker-registry on 127.0.0.1)', () => {
  let reg: TestRegistry;
  let dir: string;
  let ref: string;
  const cli = (...argv: string[]) =>
    runCli(argv, {
      env: { SOURCE_DATE_EPOCH: '0', HOME: dir, DOCKER_CONFIG: join(dir, 'no-docker-config') },
      cwd: dir,
    });

  before(async () => {
    reg = await startRegistry();
    dir = mkdtempSync(join(tmpdir(), 'lupine-scan-registry-'));
    for (const [name, text] of Object.entries(fixtureFiles())) {
      mkdirSync(dirname(join(dir, 'db', name)), { recursive: true });
      writeFileSync(join(dir, 'db', name), text);
    }
    await writeTestLayout(join(dir, 'image'), ['x86_64']);
    ref = `${reg.host}/lupine/scan-test:v1`;
    const client = new RegistryClient({ retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
    try {
      await pushLayout(client, join(dir, 'image'), parseReference(ref));
    } finally {
      client.close();
    }
  });
  after(async () => {
    await reg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pulls the image and finds exactly the expected findings', async () => {
    const r = await cli('scan', ref, '--db', 'db', '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    const findings = (JSON.parse(r.stdout) as { findings: Parameters<typeof findingLine>[0][] }).findings;
    assert.deepEqual(findings.map(findingLine), EXPECTED_X86_64);
  });

  it('writes a valid SPDX SBOM of the pulled image', async () => {
    const r = await cli('sbom', ref);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(validateSpdx(doc), []);
    assert.ok(doc.packages.some((p: { name: string }) => p.name === 'libfoo-dev'));
  });

  it('an unknown tag is an error, not a crash', async () => {
    const r = await cli('scan', `${reg.host}/lupine/scan-test:nope`, '--db', 'db');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /OCI_MANIFEST_UNKNOWN|OCI_/);
  });
});
