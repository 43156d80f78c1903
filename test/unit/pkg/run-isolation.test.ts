/**
 * What a sandboxed build may not do, and what it leaves behind: required linters (usrlocal when
 * enabled through checks, worldwrite) fail the build naming the linter and the path; a step cannot
 * read a host file outside its mounts nor write outside its workspace; a build aborted mid-step
 * leaves no processes, no mounts, no guest and no workspace; a foreign arch without binfmt fails.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LupineError } from '../../../src/core/index.js';
import { type BuildRecipeOptions, buildRecipe, checkArchRunnable } from '../../../src/pkg/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { descendants, mountTable, waitGone } from '../sandbox/procs.js';
import { type GuestRepo, guestBuildOptions, makeGuestRepo, writeGuestRecipe } from './run-guest-repo.js';

describe('sandboxed builds: linters, isolation and cleanup', () => {
  let repo: GuestRepo;
  let secret = '';
  const opts = (outDir: string, extra: Partial<BuildRecipeOptions> = {}) => guestBuildOptions(repo, outDir, extra);
  const recipe = (name: string, runs: string, extra = '') => writeGuestRecipe(repo, name, runs, { extra });
  const guestsLeft = () => {
    const dir = join(repo.packageCacheDir, 'guests');
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  before(async () => {
    repo = await makeGuestRepo('run-isolation');
    secret = join(repo.base, 'host-secret.txt');
    writeFileSync(secret, 'top secret\n');
  });
  after(() => {
    if (repo) rmSync(repo.base, { recursive: true, force: true });
  });

  it('fails on /usr/local when the usrlocal check is enabled, naming the linter and the path', async () => {
    const file = recipe(
      'inlocal',
      `mkdir -p \${{targets.destdir}}/usr/local/bin
echo x > \${{targets.destdir}}/usr/local/bin/tool`,
      '  checks:\n    enabled:\n      - usrlocal\n',
    );
    const out = join(repo.base, 'out-usrlocal');
    const err = (await assertCode(() => buildRecipe(file, opts(out)), 'BUILD_LINT_FAILED')) as LupineError;
    assert.match(err.message, /linter "usrlocal" failed/);
    assert.match(err.message, /usr\/local\/bin\/tool|usr\/local/);
    assert.ok(!existsSync(join(out, 'x86_64')), 'nothing was published');
  });

  it('fails on a world-writable file, naming the linter and the path', async () => {
    const file = recipe(
      'wwrite',
      `mkdir -p \${{targets.destdir}}/etc
echo x > \${{targets.destdir}}/etc/open.conf
chmod 0666 \${{targets.destdir}}/etc/open.conf`,
    );
    const out = join(repo.base, 'out-worldwrite');
    const err = (await assertCode(() => buildRecipe(file, opts(out)), 'BUILD_LINT_FAILED')) as LupineError;
    assert.match(err.message, /linter "worldwrite" failed/);
    assert.match(err.message, /etc\/open\.conf/);
    assert.ok(!existsSync(join(out, 'x86_64')));
  });

  it('cannot read a host file outside its mounts', async () => {
    const file = recipe('peek', `cat ${secret} > \${{targets.destdir}}/stolen`);
    const err = (await assertCode(
      () => buildRecipe(file, opts(join(repo.base, 'out-peek'))),
      'BUILD_STEP_FAILED',
    )) as LupineError;
    assert.equal(err.details.exitCode, 1);
    assert.equal(err.details.name, 'peek step');
  });

  it('cannot write outside its workspace', async () => {
    // The guest root is read-only: writing into its directories fails the step.
    for (const [i, target] of ['/etc/escaped', '/bin/escaped'].entries()) {
      const file = recipe(`escape${i}`, `echo out > ${target}`);
      const err = (await assertCode(
        () => buildRecipe(file, opts(join(repo.base, `out-escape${i}`))),
        'BUILD_STEP_FAILED',
      )) as LupineError;
      assert.equal(err.details.exitCode, 2, `${target}: the shell could not create it`);
    }
    // A host path recreated inside the sandbox lands in its private /tmp, never on the host.
    const hostDir = join(repo.base, 'host-only');
    mkdirSync(hostDir);
    const file = recipe(
      'escape-tmp',
      `mkdir -p ${hostDir}
echo out > ${hostDir}/escaped
mkdir -p \${{targets.destdir}}/usr/share
cat ${hostDir}/escaped > \${{targets.destdir}}/usr/share/seen`,
    );
    const r = await buildRecipe(file, opts(join(repo.base, 'out-escape-tmp')));
    assert.equal(r.packages.length, 1);
    assert.ok(!existsSync(join(hostDir, 'escaped')), 'the host directory was not written');
    assert.ok(!existsSync('/etc/escaped') && !existsSync('/bin/escaped'));
  });

  it('leaves no processes, mounts, guest or workspace when aborted mid-step', async () => {
    const mountsBefore = mountTable();
    const workspace = join(repo.base, 'kept-workspace-parent', 'ws');
    const file = recipe(
      'sleeper',
      `echo started > /home/build/started
sleep 60`,
    );
    const controller = new AbortController();
    let started = false;
    const logger = {
      info: (m: string) => {
        if (m.includes('build step 1/1')) started = true;
      },
      warn: () => undefined,
      debug: () => undefined,
    };
    const build = buildRecipe(
      file,
      opts(join(repo.base, 'out-sleep'), { signal: controller.signal, logger, workspaceDir: workspace }),
    );
    for (let i = 0; i < 200 && !(started && existsSync(join(workspace, 'started'))); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(existsSync(join(workspace, 'started')), 'the step was running');
    const running = descendants(process.pid);
    assert.ok(running.length > 0, 'bwrap runs under us');
    controller.abort();
    const err = (await assertCode(() => build, 'BUILD_STEP_FAILED')) as LupineError;
    assert.equal(err.details.aborted, true);
    assert.deepEqual(await waitGone(running), []);
    assert.equal(mountTable(), mountsBefore);
    assert.deepEqual(guestsLeft(), []);
    assert.ok(!existsSync(join(repo.base, 'out-sleep', 'x86_64')));
    assert.equal(readFileSync(join(workspace, 'started'), 'utf8'), 'started\n', 'a given workspace is kept');
  });

  it('removes the guest after every build, failed or not', () => {
    assert.deepEqual(guestsLeft(), []);
  });

  it('refuses a foreign arch when binfmt_misc has no emulator for it', async () => {
    const empty = join(repo.base, 'binfmt-empty');
    mkdirSync(empty);
    const err = (await assertCode(
      () => checkArchRunnable('aarch64', 'x86_64', empty),
      'BUILD_ARCH_UNSUPPORTED',
    )) as LupineError;
    assert.match(err.message, /aarch64/);
    const registered = join(repo.base, 'binfmt-qemu');
    mkdirSync(registered);
    writeFileSync(join(registered, 'qemu-aarch64'), 'enabled\ninterpreter /usr/bin/qemu-aarch64-static\n');
    await checkArchRunnable('aarch64', 'x86_64', registered);
    writeFileSync(join(registered, 'qemu-aarch64'), 'disabled\n');
    await assertCode(() => checkArchRunnable('aarch64', 'x86_64', registered), 'BUILD_ARCH_UNSUPPORTED');
    await checkArchRunnable('x86', 'x86_64', empty);
  });
});
