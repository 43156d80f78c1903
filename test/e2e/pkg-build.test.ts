/**
 * `lupine pkg build` and `lupine pkg test` through main(): a recipe built in the sandbox from a guest
 * repository the test made, installed with `lupine apk add` from the produced signed repository,
 * its test blocks run in fresh guests; failures as the CLI reports them; a build whose process is
 * killed (SIGKILL) mid-step leaves no sandbox processes behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { binLupine } from '../helpers/paths.js';
import { apkAddBuilt, type GuestRepo, makeGuestRepo } from '../unit/pkg/run-guest-repo.js';
import { descendants, mountTable, waitGone } from '../unit/sandbox/procs.js';

const GREETER = `package:
  name: greeter
  version: 3.1.0
  epoch: 0
  description: says hello
  copyright:
    - license: MIT
  dependencies:
    runtime:
      - busybox
  scriptlets:
    post-install: |
      #!/bin/sh
      mkdir -p /var/lib/greeter && echo installed > /var/lib/greeter/state
environment:
  contents:
    packages:
      - busybox
pipeline:
  - name: install
    runs: |
      mkdir -p \${{targets.destdir}}/usr/bin \${{targets.destdir}}/usr/include
      printf '#!/bin/busybox sh\\necho "hello, \${1:-world}"\\n' > \${{targets.destdir}}/usr/bin/greet
      chmod 0755 \${{targets.destdir}}/usr/bin/greet
      echo 'void greet(void);' > \${{targets.destdir}}/usr/include/greet.h
subpackages:
  - name: greeter-dev
    pipeline:
      - uses: split/dev
    test:
      environment:
        contents:
          packages:
            - busybox
      pipeline:
        - runs: test -f /usr/include/greet.h
test:
  environment:
    contents:
      packages:
        - busybox
  pipeline:
    - name: greets
      runs: |
        out="$(greet tests)"
        [ "$out" = "hello, tests" ]
`;

describe('lupine pkg build / pkg test (CLI)', () => {
  let repo: GuestRepo;
  let recipe = '';
  let out = '';
  const common = () => [
    '--out-dir',
    out,
    '-r',
    repo.dir,
    '-k',
    repo.keysDir,
    '--package-cache-dir',
    repo.packageCacheDir,
  ];
  const env = () => ({ PATH: process.env.PATH, HOME: join(repo.base, 'home'), SOURCE_DATE_EPOCH: '1700000000' });

  before(async () => {
    repo = await makeGuestRepo('pkg-build-e2e');
    mkdirSync(join(repo.base, 'greeter'));
    recipe = join(repo.base, 'greeter', 'melange.yaml');
    writeFileSync(recipe, GREETER);
    out = join(repo.base, 'packages');
  });
  after(() => {
    if (repo) rmSync(repo.base, { recursive: true, force: true });
  });

  it('builds, prints progress and a JSON summary', async () => {
    const r = await runCli(
      ['pkg', 'build', recipe, '--signing-key', repo.keyFile, '--namespace', 'e2e', '--json', ...common()],
      {
        env: env(),
        cwd: repo.base,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^lupine pkg: building greeter-3\.1\.0-r0 \(x86_64\) with the bubblewrap runner$/m);
    assert.match(r.stderr, /^lupine pkg: greeter: build step 1\/1: install \(melange\.yaml:20\)$/m);
    assert.match(r.stderr, /^lupine pkg: greeter-dev: build step 1\/1: uses: split\/dev \(melange\.yaml:29\)$/m);
    assert.match(
      r.stderr,
      /^lupine pkg: built 2 packages of greeter-3\.1\.0-r0 \(x86_64\); index .* signed with guest-test\.rsa\.pub$/m,
    );
    const summary = JSON.parse(r.stdout) as Array<{
      arch: string;
      packages: Array<{ name: string; version: string; path: string }>;
    }>;
    assert.deepEqual(
      summary[0]?.packages.map((p) => `${p.name}-${p.version}`),
      ['greeter-3.1.0-r0', 'greeter-dev-3.1.0-r0'],
    );
    assert.ok(existsSync(join(out, 'x86_64', 'APKINDEX.tar.gz')));
    const verify = await runCli(
      [
        'verify',
        '--keys-dir',
        repo.keysDir,
        join(out, 'x86_64', 'APKINDEX.tar.gz'),
        ...(summary[0]?.packages.map((p) => p.path) ?? []),
      ],
      { env: env() },
    );
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.equal(verify.stdout.split('\n').filter((l) => l.endsWith(': OK')).length, 3, verify.stdout);
  });

  it('the built packages install with lupine apk add from the produced, signed repository', async () => {
    const { root, result: r } = await apkAddBuilt(repo, out, ['greeter', 'greeter-dev'], env());
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Installing greeter \(3\.1\.0-r0\)/);
    assert.match(r.stdout, /Installing greeter-dev \(3\.1\.0-r0\)/);
    assert.equal(readFileSync(join(root, 'usr/bin/greet'), 'utf8'), `#!/bin/busybox sh\necho "hello, \${1:-world}"\n`);
    assert.ok(existsSync(join(root, 'usr/include/greet.h')));
    assert.ok(existsSync(join(root, 'var/lib/db/sbom/greeter-3.1.0-r0.spdx.json')));
    const installed = readFileSync(join(root, 'lib/apk/db/installed'), 'utf8');
    assert.match(installed, /^P:greeter$/m);
    assert.match(installed, /^o:greeter$/m);
    const scripts = readFileSync(join(root, 'lib/apk/db/scripts.tar')).toString('latin1');
    assert.match(
      scripts,
      /greeter-3\.1\.0-r0\.Q1[^\0]*\.post-install/,
      'the post-install scriptlet is in the scripts database',
    );
  });

  it('runs the test blocks, each in a fresh guest', async () => {
    const r = await runCli(['pkg', 'test', recipe, '--json', ...common()], { env: env(), cwd: repo.base });
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as Array<{
      tests: Array<{ package: string; steps: number; guest: string[] }>;
    }>;
    const tests = summary[0]?.tests ?? [];
    assert.deepEqual(
      tests.map((t) => `${t.package}:${t.steps}`),
      ['greeter:1', 'greeter-dev:1'],
    );
    assert.ok(tests[0]?.guest.includes('greeter=3.1.0-r0'));
    assert.ok(tests[1]?.guest.includes('greeter-dev=3.1.0-r0'));
    assert.ok(!tests[1]?.guest.includes('greeter=3.1.0-r0'), 'only what the test block needs');
  });

  it('reports a failing test step with its line and exit code', async () => {
    const bad = join(repo.base, 'greeter', 'bad-test.yaml');
    writeFileSync(bad, GREETER.replace('[ "$out" = "hello, tests" ]', '[ "$out" = "goodbye" ]'));
    const r = await runCli(['pkg', 'test', bad, ...common()], { env: env(), cwd: repo.base });
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /error\[BUILD_STEP_FAILED\]: greeter: test step 'greets' \(bad-test\.yaml:43\) failed with exit code 1/,
    );
  });

  it('reports a failing build step with its line and exit code, and writes nothing', async () => {
    const bad = join(repo.base, 'greeter', 'broken.yaml');
    writeFileSync(
      bad,
      GREETER.replace('      chmod 0755', '      false\n      chmod 0755').replace('name: greeter\n', 'name: broken\n'),
    );
    const outBad = join(repo.base, 'packages-bad');
    const r = await runCli(
      [
        'pkg',
        'build',
        bad,
        '--out-dir',
        outBad,
        '-r',
        repo.dir,
        '-k',
        repo.keysDir,
        '--package-cache-dir',
        repo.packageCacheDir,
      ],
      {
        env: env(),
        cwd: repo.base,
      },
    );
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /error\[BUILD_STEP_FAILED\]: broken: build step 'install' \(broken\.yaml:20\) failed with exit code 1/,
    );
    assert.ok(!existsSync(join(outBad, 'x86_64')));
  });

  it('--generate-provenance writes an .attest.tar.gz beside each package', async () => {
    const provOut = join(repo.base, 'packages-provenance');
    const r = await runCli(
      ['pkg', 'build', recipe, '--generate-provenance', '--json', ...common().slice(2), '--out-dir', provOut],
      { env: env(), cwd: repo.base },
    );
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as Array<{ packages: Array<{ name: string; provenance?: string }> }>;
    assert.deepEqual(
      summary[0]?.packages.map((p) => p.provenance),
      [
        join(provOut, 'x86_64', 'greeter-3.1.0-r0.attest.tar.gz'),
        join(provOut, 'x86_64', 'greeter-dev-3.1.0-r0.attest.tar.gz'),
      ],
    );
    for (const p of summary[0]?.packages ?? []) assert.ok(existsSync(p.provenance as string), p.name);
    assert.match(r.stderr, /^lupine pkg: wrote .*greeter-3\.1\.0-r0\.attest\.tar\.gz \(SLSA provenance\)$/m);
  });

  it('leaves no sandbox processes when the lupine process is killed mid-step', async () => {
    const sleeper = join(repo.base, 'greeter', 'sleeper.yaml');
    writeFileSync(
      sleeper,
      GREETER.replace(
        'mkdir -p $' + '{{targets.destdir}}/usr/bin',
        'touch /home/build/started; sleep 60\n      mkdir -p $' + '{{targets.destdir}}/usr/bin',
      ).replace('name: greeter\n', 'name: sleeper\n'),
    );
    const ws = join(repo.base, 'killed-ws');
    const mountsBefore = mountTable();
    const child = spawn(
      process.execPath,
      [
        binLupine,
        'pkg',
        'build',
        sleeper,
        '--workspace-dir',
        ws,
        '--out-dir',
        join(repo.base, 'packages-killed'),
        '-r',
        repo.dir,
        '-k',
        repo.keysDir,
        '--package-cache-dir',
        repo.packageCacheDir,
      ],
      { env: env(), stdio: 'ignore' },
    );
    for (let i = 0; i < 300 && !existsSync(join(ws, 'started')); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(join(ws, 'started')), 'the step was running');
    const inside = descendants(child.pid as number);
    assert.ok(inside.length > 0);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    assert.deepEqual(await waitGone(inside), [], 'bubblewrap and the step died with their parent');
    assert.equal(mountTable(), mountsBefore, 'no mounts left behind');
    assert.ok(!existsSync(join(repo.base, 'packages-killed', 'x86_64')));
  });
});
