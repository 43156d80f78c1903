/**
 * The source store: `fetch` and `git-checkout` sources resolve through `<cache>/sources` before the
 * build starts. A downloaded source is checked and stored; a second build needs no network (the
 * server is gone and the network is off); bytes that differ from the recipe's checksum stop the build
 * before any guest exists, naming both sums; a damaged store entry is refused.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPackage } from '../../../src/apk/index.js';
import type { LupineError } from '../../../src/core/index.js';
import { type BuildRecipeOptions, buildRecipe } from '../../../src/pkg/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { type GuestRepo, makeGuestRepo, serveHelloTarball, type TarballServer } from './run-guest-repo.js';

const gitEnv = (home: string) => ({
  PATH: process.env.PATH,
  HOME: home,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
  GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
});

describe('source store: sources by checksum, consulted before any network', () => {
  let repo: GuestRepo;
  let server: TarballServer | undefined;
  let sha256 = '';
  let port = 0;
  const opts = (name: string, extra: Partial<BuildRecipeOptions> = {}): BuildRecipeOptions => ({
    arch: 'x86_64',
    outDir: join(repo.base, `out-${name}`),
    runner: 'bubblewrap',
    repositories: [repo.dir],
    keys: [repo.keysDir],
    signingKey: repo.keyFile,
    packageCacheDir: repo.packageCacheDir,
    cacheDir: join(repo.base, 'cache', 'melange'),
    sourceStoreDir: join(repo.base, 'cache', 'sources'),
    sourceDateEpoch: 1700000000,
    ...extra,
  });
  const recipe = (name: string, tool: string, pipeline: string) => {
    const dir = join(repo.base, 'recipes', name);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      `package:
  name: ${name}
  version: "2.0"
  epoch: 0
  description: from the source store
  copyright:
    - license: MIT
environment:
  contents:
    packages:
      - busybox
      - ${tool}
pipeline:
${pipeline}  - runs: |
      mkdir -p \${{targets.destdir}}/usr/share/${name}
      cp README \${{targets.destdir}}/usr/share/${name}/
`,
    );
    return file;
  };
  const fetchStep = (sum: string) => `  - uses: fetch
    with:
      uri: http://127.0.0.1:${port}/hello-2.0.tar.gz
      expected-sha256: ${sum}
`;
  const readme = (path: string, name: string) =>
    readPackage(readFileSync(path))
      .files.find((f) => f.name === `usr/share/${name}/README`)
      ?.content.toString();

  before(async () => {
    repo = await makeGuestRepo('source-store');
    server = await serveHelloTarball(repo.base);
    ({ sha256, port } = server);
  });
  after(async () => {
    await server?.close();
    if (repo) rmSync(repo.base, { recursive: true, force: true });
  });

  it('fails before the build starts when the bytes differ from the checksum, naming both sums', async () => {
    const wrong = 'a'.repeat(64);
    const file = recipe('badsum', 'tar', fetchStep(wrong));
    const o = opts('badsum');
    const err = (await assertCode(() => buildRecipe(file, o), 'SOURCE_CHECKSUM_MISMATCH')) as LupineError;
    assert.match(err.message, new RegExp(`have sha256 ${sha256}, the recipe expects ${wrong}`));
    assert.match(err.message, /badsum\.yaml:\d+/);
    assert.match(err.hint ?? '', new RegExp(`expected-sha256: ${sha256}`));
    assert.equal(err.details.expected, `sha256:${wrong}`);
    assert.equal(err.details.actual, `sha256:${sha256}`);
    // nothing stored under either name, nothing built, and no guest was prepared
    assert.ok(!existsSync(join(o.sourceStoreDir as string, 'sha256', wrong)));
    assert.ok(!existsSync(join(o.sourceStoreDir as string, 'sha256', sha256)));
    assert.ok(!existsSync(join(o.outDir, 'x86_64', 'APKINDEX.tar.gz')));
    const log = readFileSync(join(o.outDir, 'logs', 'x86_64', 'badsum-2.0-r0.log'), 'utf8');
    assert.doesNotMatch(log, /guest:/);
  });

  it('downloads into the store once; the next build uses it with the network off and the server gone', async () => {
    const file = recipe('stored', 'tar', fetchStep(sha256));
    const first = await buildRecipe(file, opts('stored-1'));
    assert.equal(readme(first.packages[0]?.path as string, 'stored'), 'hello from a tarball\n');
    const stored = join(repo.base, 'cache', 'sources', 'sha256', sha256);
    assert.equal(createHash('sha256').update(readFileSync(stored)).digest('hex'), sha256);
    await server?.close();
    server = undefined;
    const second = await buildRecipe(file, opts('stored-2', { network: false }));
    assert.equal(readme(second.packages[0]?.path as string, 'stored'), 'hello from a tarball\n');
    const log = readFileSync(second.logPath as string, 'utf8');
    assert.match(log, new RegExp(`source sha256:${sha256.slice(0, 12)}… from the store`));
    assert.deepEqual(readFileSync(first.packages[0]?.path as string), readFileSync(second.packages[0]?.path as string));
  });

  it('refuses a damaged store entry, and a missing source with the network off names what to do', async () => {
    const store = join(repo.base, 'store-damaged');
    const sum = createHash('sha256').update('something else').digest('hex');
    mkdirSync(join(store, 'sha256'), { recursive: true });
    writeFileSync(join(store, 'sha256', sum), 'not what the name says');
    const damaged = recipe('damaged', 'tar', fetchStep(sum));
    const err = (await assertCode(
      () => buildRecipe(damaged, opts('damaged', { sourceStoreDir: store, network: false })),
      'SOURCE_CHECKSUM_MISMATCH',
    )) as LupineError;
    assert.match(err.message, /is damaged/);
    assert.match(err.hint ?? '', /remove .*sha256/);
    const absent = recipe('absent', 'tar', fetchStep('b'.repeat(64)));
    const miss = (await assertCode(
      () => buildRecipe(absent, opts('absent', { network: false })),
      'SOURCE_MISSING',
    )) as LupineError;
    assert.match(miss.message, /not in the source store .* network is off/);
    assert.match(miss.hint ?? '', /lupine distro fetch/);
  });

  it('stores a git-checkout source as a bundle at the pinned commit and checks it out offline', async () => {
    const work = join(repo.base, 'git', 'greeter');
    mkdirSync(work, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: work, encoding: 'utf8', env: gitEnv(work) }).trim();
    git('init', '-q', '-b', 'main');
    writeFileSync(join(work, 'README'), 'hello from git\n');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    const commit = git('rev-parse', 'HEAD');
    git('tag', 'v2.0');
    writeFileSync(join(work, 'README'), 'a later greeting\n');
    git('commit', '-q', '-am', 'second');
    const step = (c: string) => `  - uses: git-checkout
    with:
      repository: ${work}
      tag: v2.0
      expected-commit: ${c}
`;
    const wrong = recipe('gitwrong', 'git', step('c'.repeat(40)));
    const err = (await assertCode(
      () => buildRecipe(wrong, opts('gitwrong')),
      'SOURCE_CHECKSUM_MISMATCH',
    )) as LupineError;
    assert.match(err.message, new RegExp(`v2.0 is commit ${commit}, the recipe expects ${'c'.repeat(40)}`));
    const file = recipe('gitstored', 'git', step(commit));
    await buildRecipe(file, opts('git-1'));
    assert.ok(existsSync(join(repo.base, 'cache', 'sources', 'git', `${commit}.bundle`)));
    rmSync(work, { recursive: true, force: true });
    const offline = await buildRecipe(file, opts('git-2', { network: false }));
    assert.equal(readme(offline.packages[0]?.path as string, 'gitstored'), 'hello from git\n');
  });
});
