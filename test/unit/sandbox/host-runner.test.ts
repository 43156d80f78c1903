import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Logger } from '../../../src/core/index.js';
import { HostRunner, melangeEnvironment, UNHERMETIC_WARNING } from '../../../src/sandbox/index.js';

function capture(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, debug() {}, warn: (m) => warnings.push(m) };
}

describe('HostRunner (real bwrap, host root)', () => {
  let dir: string;
  let workspace: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lupine-host-runner-'));
    workspace = join(dir, 'workspace');
    writeFileSync(join(dir, 'secret.txt'), 'host tmp secret\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("compiles a C file in the workspace with the host's gcc, and says it is unhermetic", async () => {
    mkdirSync(workspace);
    writeFileSync(
      join(workspace, 'hello.c'),
      '#include <stdio.h>\nint main(void) { printf("hello from %s\\n", "gcc"); return 0; }\n',
    );
    const logger = capture();
    const runner = await HostRunner.start({ workspace, env: melangeEnvironment() }, { logger });
    try {
      const stdout: string[] = [];
      const stderr: string[] = [];
      const r = await runner.run({
        script: 'gcc -O2 -o hello hello.c\n./hello\nid -u',
        stdout: (l) => stdout.push(l),
        stderr: (l) => stderr.push(l),
      });
      assert.equal(r.exitCode, 0, stderr.join('\n'));
      assert.deepEqual(stdout, ['hello from gcc', '1000']);
      assert.ok(existsSync(join(workspace, 'hello')));
      assert.equal(logger.warnings.length, 1);
      assert.ok(logger.warnings[0]?.includes(UNHERMETIC_WARNING), logger.warnings[0]);
      await runner.run({ argv: ['/usr/bin/true'] });
      assert.equal(logger.warnings.length, 2, 'every run says so');
    } finally {
      await runner.close();
    }
  });

  test("the host's / is read-only, /tmp and /home are the sandbox's own", async () => {
    const runner = await HostRunner.start({ workspace });
    try {
      const stderr: string[] = [];
      const usr = await runner.run({ argv: ['/usr/bin/touch', '/usr/lupine-evil'], stderr: (l) => stderr.push(l) });
      assert.notEqual(usr.exitCode, 0);
      assert.match(stderr.join('\n'), /Read-only file system/);
      assert.equal(existsSync('/usr/lupine-evil'), false);
      const secret = await runner.run({ argv: ['/usr/bin/cat', join(dir, 'secret.txt')] });
      assert.notEqual(secret.exitCode, 0, 'the host /tmp is hidden behind a tmpfs');
      const ok = await runner.run({ script: 'echo made > /home/build/made.txt' });
      assert.equal(ok.exitCode, 0);
      assert.equal(readFileSync(join(workspace, 'made.txt'), 'utf8'), 'made\n');
    } finally {
      await runner.close();
    }
  });
});
