/**
 * `lupine apk` keeps each index it parsed as a pack in the cache (`<cache>/packs/<sha256>.pack`) and
 * reads that instead on the next run: same output, a damaged pack is replaced, the signature is still
 * checked, `--no-cache` writes nothing, and the root's own etc/apk/cache is never used for packs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { vector } from '../helpers/paths.js';

const INDEX = vector('apk', 'alpine-v3.17-main-aarch64-APKINDEX.tar.gz');
const WORLD = ['alpine-base', 'python3', 'gcc', 'g++', 'nodejs', 'postgresql15', 'nginx', 'git', 'openssh', 'perl'];
const KEY = createHash('sha256').update(readFileSync(INDEX)).digest('hex');

let work: string;
let repo: string;
let root: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'lupine-packs-'));
  repo = join(work, 'repo');
  mkdirSync(join(repo, 'aarch64'), { recursive: true });
  symlinkSync(INDEX, join(repo, 'aarch64', 'APKINDEX.tar.gz'));
  root = join(work, 'root');
  mkdirSync(root);
});

after(() => rmSync(work, { recursive: true, force: true }));

/** A simulated add of the bench world; HOME points into the test's directory. */
function simulate(extra: string[], home = join(work, 'home')) {
  return runCli(
    [
      'apk',
      '--simulate',
      '--root',
      root,
      '--arch',
      'aarch64',
      '--allow-untrusted',
      '-X',
      repo,
      ...extra,
      'add',
      ...WORLD,
    ],
    { env: { ...process.env, HOME: home, XDG_CACHE_HOME: undefined } },
  );
}

test('the second run reads the pack written by the first, with the same output', async () => {
  const cache = join(work, 'cache1');
  const first = await simulate(['--cache-dir', cache]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /OK: 417 MiB in 87 packages\n$/);
  const pack = join(cache, 'packs', `${KEY}.pack`);
  assert.deepEqual(readdirSync(join(cache, 'packs')), [`${KEY}.pack`]);
  const written = readFileSync(pack);
  const second = await simulate(['--cache-dir', cache]);
  assert.deepEqual(second, first);
  assert.deepEqual(readFileSync(pack), written, 'a good pack is read, not rewritten');

  // A damaged pack is not used: the index is read again and the pack replaced.
  const damaged = Buffer.from(written);
  damaged[damaged.length - 100] = (damaged[damaged.length - 100] as number) ^ 0xff;
  writeFileSync(pack, damaged);
  const third = await simulate(['--cache-dir', cache]);
  assert.deepEqual(third, first);
  assert.deepEqual(readFileSync(pack), written);
});

test('without --cache-dir the pack goes to the user cache, never under the root', async () => {
  const home = join(work, 'home2');
  mkdirSync(join(root, 'etc', 'apk', 'cache'), { recursive: true });
  try {
    const r = await simulate([], home);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(home, '.cache', 'lupine', 'packs', `${KEY}.pack`)));
    assert.deepEqual(readdirSync(join(root, 'etc', 'apk', 'cache')), []);
  } finally {
    rmSync(join(root, 'etc'), { recursive: true, force: true });
  }
});

test('--no-cache neither reads nor writes packs', async () => {
  const home = join(work, 'home3');
  const r = await simulate(['--no-cache'], home);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /OK: 417 MiB in 87 packages\n$/);
  assert.equal(existsSync(join(home, '.cache')), false);
});

test('a pack never stands in for the signature check', async () => {
  const cache = join(work, 'cache4');
  assert.equal((await simulate(['--cache-dir', cache])).code, 0);
  assert.ok(existsSync(join(cache, 'packs', `${KEY}.pack`)));
  // Without --allow-untrusted and without Alpine's key the index is refused, pack or not.
  const r = await runCli(
    ['apk', '--simulate', '--root', root, '--arch', 'aarch64', '-X', repo, '--cache-dir', cache, 'add', 'musl'],
    {
      env: { ...process.env, HOME: join(work, 'home4') },
    },
  );
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /UNTRUSTED|untrusted|not a trusted key/);
});
