/**
 * Images run: a static binary compiled here with the host's gcc, packaged with a baselayout that
 * has passwd/group, built into an image, unpacked with umoci into an OCI runtime bundle and run
 * under runc — as root by default and as uid 65532 when run-as says so.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { baselayout, dir, file, makeRepo } from './image-build-repo.js';

const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
const canRun =
  process.getuid?.() === 0 && ok('gcc', ['--version']) && ok('runc', ['--version']) && ok('umoci', ['--version']);

const SOURCE = `#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
  printf("hello from lupine uid=%d gid=%d arg=%s\\n", (int)getuid(), (int)getgid(), argc > 1 ? argv[1] : "-");
  return 0;
}
`;

let work: string;
let repo: string;
let key: string;
const containers: string[] = [];

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: work, input: '' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Builds CONFIG, unpacks it into a bundle and runs it under runc; returns stdout. */
async function buildAndRun(name: string, configText: string): Promise<string> {
  const cfg = join(work, `${name}.yaml`);
  writeFileSync(cfg, configText);
  const r = await runCli(['image', 'build', cfg, `${name}:v1`, join(work, name)], {
    cwd: work,
    env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' },
  });
  assert.equal(r.code, 0, r.stderr);
  const bundle = join(work, `${name}-bundle`);
  run('umoci', ['unpack', '--image', `${join(work, name)}:v1`, bundle]);
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process: { terminal: boolean } };
  spec.process.terminal = false;
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const id = `lupine-test-${name}-${process.pid}`;
  containers.push(id);
  return run('runc', ['run', '--bundle', bundle, id]);
}

const config = (extra: string) => `contents:
  keyring: [${key}]
  repositories: [${repo}]
  packages: [hello]
entrypoint:
  command: /usr/bin/hello
cmd: world
archs: [x86_64]
${extra}`;

describe('images run under runc', { skip: !canRun && 'needs root, gcc, runc and umoci' }, () => {
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lupine-image-run-'));
    run('gcc', ['-static', '-O2', '-o', join(work, 'hello'), writeSource()]);
    repo = join(work, 'repo');
    key = await makeRepo(repo, 'x86_64', [
      baselayout(),
      {
        name: 'hello',
        depends: ['test-baselayout'],
        files: [dir('usr'), dir('usr/bin'), file('usr/bin/hello', readFileSync(join(work, 'hello')), 0o755)],
      },
    ]);
  });
  after(() => {
    for (const id of containers) spawnSync('runc', ['delete', '-f', id]);
    rmSync(work, { recursive: true, force: true });
  });

  test('runs the entrypoint with cmd as root when run-as is unset', async () => {
    assert.equal(await buildAndRun('asroot', config('')), 'hello from lupine uid=0 gid=0 arg=world\n');
  });

  test('runs as uid 65532 when run-as names the baselayout user', async () => {
    const out = await buildAndRun('nonroot', config('accounts:\n  run-as: nonroot\n'));
    assert.equal(out, 'hello from lupine uid=65532 gid=65532 arg=world\n');
  });

  test('runs as a user the config creates', async () => {
    const out = await buildAndRun(
      'svc',
      config(
        'accounts:\n  groups:\n    - groupname: svc\n      gid: 4242\n  users:\n    - username: svc\n      uid: 4242\n  run-as: svc\n',
      ),
    );
    assert.equal(out, 'hello from lupine uid=4242 gid=4242 arg=world\n');
  });
});

function writeSource(): string {
  const path = join(work, 'hello.c');
  writeFileSync(path, SOURCE);
  return path;
}
