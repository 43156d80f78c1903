/**
 * Sources in a sandboxed build: `fetch` of a tarball served on 127.0.0.1 (checked by sha256; a wrong
 * sha256 fails the step clearly and writes nothing) and `git-checkout` from a `git daemon` on
 * 127.0.0.1 at an expected commit. The SBOM names both sources with their checksum and commit.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPackage } from '../../../src/apk/index.js';
import type { LupineError } from '../../../src/core/index.js';
import { buildRecipe } from '../../../src/pkg/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { validateSpdx } from '../../helpers/json-schema.js';
import {
  type GuestRepo,
  guestBuildOptions,
  makeGuestRepo,
  serveHelloTarball,
  type TarballServer,
} from './run-guest-repo.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createNetServer();
      c.once('error', () => resolve(true));
      c.listen(port, '127.0.0.1', () => c.close(() => resolve(false)));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`git daemon did not listen on ${port}`);
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
      GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
      GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
    },
  }).trim();

describe('sources: fetch and git-checkout in the sandbox', () => {
  let repo: GuestRepo;
  let tarServer: TarballServer | undefined;
  let daemon: ChildProcess | undefined;
  let httpPort = 0;
  let gitPort = 0;
  let sha256 = '';
  let commit = '';
  const opts = (outDir: string) =>
    guestBuildOptions(repo, outDir, { signingKey: repo.keyFile, sourceDateEpoch: 1700000000 });
  const recipe = (name: string, body: string) => {
    const dir = join(repo.base, 'recipes', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.yaml`), body);
    return join(dir, `${name}.yaml`);
  };

  /** A recipe whose pipeline gets its source, in a busybox guest with `tool` (tar or git) added. */
  const sourceRecipe = (name: string, version: string, description: string, tool: string, pipeline: string) =>
    recipe(
      name,
      `package:
  name: ${name}
  version: "${version}"
  epoch: 0
  description: ${description}
  copyright:
    - license: MIT
environment:
  contents:
    packages:
      - busybox
      - ${tool}
pipeline:
${pipeline}`,
    );

  before(async () => {
    repo = await makeGuestRepo('run-sources');
    tarServer = await serveHelloTarball(repo.base);
    ({ sha256, port: httpPort } = tarServer);

    // The git repository, served by git daemon on 127.0.0.1.
    const gitRoot = join(repo.base, 'git');
    const work = join(gitRoot, 'greeter.git');
    mkdirSync(work, { recursive: true });
    git(work, 'init', '-q', '-b', 'main');
    writeFileSync(join(work, 'greeting.txt'), 'hello from git\n');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'first');
    commit = git(work, 'rev-parse', 'HEAD');
    git(work, 'tag', 'v1.0');
    writeFileSync(join(work, 'greeting.txt'), 'a later greeting\n');
    git(work, 'commit', '-q', '-am', 'second');
    gitPort = await freePort();
    daemon = spawn(
      'git',
      [
        'daemon',
        '--reuseaddr',
        '--export-all',
        `--base-path=${gitRoot}`,
        '--listen=127.0.0.1',
        `--port=${gitPort}`,
        gitRoot,
      ],
      { stdio: 'ignore' },
    );
    await waitForPort(gitPort);
  });

  after(async () => {
    daemon?.kill('SIGTERM');
    await tarServer?.close();
    if (repo) rmSync(repo.base, { recursive: true, force: true });
  });

  it('fetches a tarball, checks its sha256 and extracts it', async () => {
    const file = sourceRecipe(
      'fetched',
      '2.0',
      'built from a fetched tarball',
      'tar',
      `  - uses: fetch
    with:
      uri: http://127.0.0.1:${httpPort}/hello-\${{package.version}}.tar.gz
      expected-sha256: ${sha256}
  - runs: |
      mkdir -p \${{targets.destdir}}/usr/share/fetched
      cp README VERSION \${{targets.destdir}}/usr/share/fetched/
`,
    );
    const out = join(repo.base, 'out-fetch');
    const r = await buildRecipe(file, opts(out));
    const pkg = readPackage(readFileSync(r.packages[0]?.path as string));
    const readme = pkg.files.find((f) => f.name === 'usr/share/fetched/README');
    assert.equal(readme?.content.toString(), 'hello from a tarball\n');
    const sbom = JSON.parse(
      pkg.files.find((f) => f.name === 'var/lib/db/sbom/fetched-2.0-r0.spdx.json')?.content.toString() ?? '{}',
    ) as {
      packages: Array<{
        name: string;
        downloadLocation: string;
        checksums?: Array<{ algorithm: string; checksumValue: string }>;
      }>;
    };
    assert.deepEqual(validateSpdx(sbom), []);
    const source = sbom.packages.find((p) => p.downloadLocation === `http://127.0.0.1:${httpPort}/hello-2.0.tar.gz`);
    assert.ok(source, JSON.stringify(sbom.packages.map((p) => p.downloadLocation)));
    assert.deepEqual(source.checksums, [{ algorithm: 'SHA256', checksumValue: sha256 }]);
  });

  it('fails the fetch step clearly on a wrong sha256 and writes nothing', async () => {
    const wrong = '0'.repeat(64);
    const file = sourceRecipe(
      'badsum',
      '2.0',
      'wrong checksum',
      'tar',
      `  - uses: fetch
    with:
      uri: http://127.0.0.1:${httpPort}/hello-2.0.tar.gz
      expected-sha256: ${wrong}
`,
    );
    const out = join(repo.base, 'out-badsum');
    const err = (await assertCode(() => buildRecipe(file, opts(out)), 'BUILD_STEP_FAILED')) as LupineError;
    assert.equal(err.details.uses, 'fetch');
    assert.equal(err.details.exitCode, 1);
    assert.match(err.message, /'uses: fetch' \(badsum\.yaml:14\) failed with exit code 1/);
    assert.ok(!existsSync(join(out, 'x86_64', 'badsum-2.0-r0.apk')));
    assert.ok(!existsSync(join(out, 'x86_64', 'APKINDEX.tar.gz')));
    const log = readFileSync(join(out, 'logs', 'x86_64', 'badsum-2.0-r0.log'), 'utf8');
    assert.match(log, /FAILED|did not match|sha256sum/i);
  });

  it('cuts the network with network: false, and traces the commands with debug', async () => {
    const file = sourceRecipe(
      'offline',
      '2.0',
      'no network',
      'tar',
      `  - uses: fetch
    with:
      uri: http://127.0.0.1:${httpPort}/hello-2.0.tar.gz
      expected-sha256: ${sha256}
      retry-limit: "1"
`,
    );
    const lines: string[] = [];
    const logger = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), debug: () => undefined };
    const err = (await assertCode(
      () => buildRecipe(file, { ...opts(join(repo.base, 'out-offline')), network: false, debug: true, logger }),
      'BUILD_STEP_FAILED',
    )) as LupineError;
    assert.equal(err.details.uses, 'fetch');
    assert.ok(
      lines.some((l) =>
        l.includes(`+ wget --timeout=5 --dns-timeout=20 -O hello-2.0.tar.gz http://127.0.0.1:${httpPort}/`),
      ),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /Connection refused|failed/i.test(l)),
      lines.join('\n'),
    );
  });

  it('checks out a git repository at the expected commit', async () => {
    const file = sourceRecipe(
      'greeter',
      '1.0',
      'built from git',
      'git',
      `  - uses: git-checkout
    with:
      repository: git://127.0.0.1:${gitPort}/greeter.git
      tag: v1.0
      expected-commit: ${commit}
  - runs: |
      mkdir -p \${{targets.destdir}}/usr/share/greeter
      cp greeting.txt \${{targets.destdir}}/usr/share/greeter/
`,
    );
    const r = await buildRecipe(file, opts(join(repo.base, 'out-git')));
    const pkg = readPackage(readFileSync(r.packages[0]?.path as string));
    assert.equal(
      pkg.files.find((f) => f.name === 'usr/share/greeter/greeting.txt')?.content.toString(),
      'hello from git\n',
    );
    const sbom = pkg.files.find((f) => f.name === 'var/lib/db/sbom/greeter-1.0-r0.spdx.json')?.content.toString() ?? '';
    assert.ok(sbom.includes(`git+git://127.0.0.1:${gitPort}/greeter.git@${commit}`), sbom);
    assert.deepEqual(validateSpdx(JSON.parse(sbom)), []);
  });

  it('fails git-checkout when the commit is not the expected one', async () => {
    const file = sourceRecipe(
      'wrongcommit',
      '1.0',
      'wrong commit',
      'git',
      `  - uses: git-checkout
    with:
      repository: git://127.0.0.1:${gitPort}/greeter.git
      branch: main
      expected-commit: ${commit}
`,
    );
    const err = (await assertCode(
      () => buildRecipe(file, opts(join(repo.base, 'out-wrong'))),
      'BUILD_STEP_FAILED',
    )) as LupineError;
    assert.equal(err.details.uses, 'git-checkout');
  });
});
