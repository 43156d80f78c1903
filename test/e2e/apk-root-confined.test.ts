/**
 * Issue 11: a root's own files are read confined to the root. Each config or database file that
 * `lupine apk --root R` (or `lupine sbom R`) reads is made a symlink to a host file holding a secret
 * (as a hostile `--scripts` package could plant): the secret never reaches stdout or stderr, and
 * nothing outside the root changes (a sentinel directory hashed before and after).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TreeEntry } from '../../src/apk/index.js';
import { makeTestRepo, type TestRepo } from '../helpers/apk-repo.js';
import { binLupine } from '../helpers/paths.js';
import { tempRoot } from '../unit/install/fixtures.js';

const base = tempRoot('apk-confined');
after(() => rmSync(base, { recursive: true, force: true }));

const SECRET = 'SECRET-7f3a9c';
/** Text every parser of a root file would choke on, quoting a line that carries the secret. */
const SECRET_TEXT = [
  `root:${SECRET}:19000:0:99999:7:::`,
  `host ${SECRET} more`,
  `PRETTY_NAME="${SECRET}"`,
  `ID=${SECRET}`,
  `P:${SECRET}`,
  `V:${SECRET}`,
  '',
].join('\n');

const sentinelDir = join(base, 'sentinel');
const sentinel = join(sentinelDir, 'shadow');

/** Names, modes and contents of everything in the sentinel directory. */
function sentinelHash(): string {
  const h = createHash('sha256');
  for (const name of readdirSync(sentinelDir).sort()) {
    h.update(`${name}\0${readFileSync(join(sentinelDir, name)).toString('hex')}\0`);
  }
  return h.digest('hex');
}

const dir = (path: string): TreeEntry => ({ path, type: 'dir' });
const file = (path: string, text: string): TreeEntry => ({ path, type: 'file', data: Buffer.from(text) });

let repo: TestRepo;
before(async () => {
  mkdirSync(sentinelDir, { recursive: true });
  writeFileSync(sentinel, SECRET_TEXT);
  // What `apk cache clean` would delete if it used the sentinel directory as the cache.
  writeFileSync(join(sentinelDir, 'stale-1.0-r0.apk'), 'not a package\n');
  repo = await makeTestRepo(base);
  await repo.add([{ name: 'aaa', version: '1.0-r0', files: [dir('usr'), file('usr/thing', 'a\n')] }]);
});

function lupine(args: readonly string[]): { output: string; code: number | null } {
  const r = spawnSync(process.execPath, [binLupine, ...args], {
    env: { PATH: process.env.PATH, HOME: base },
    encoding: 'utf8',
  });
  return { output: `${r.stdout}${r.stderr}`, code: r.status };
}

let n = 0;
function freshRoot(): string {
  const root = join(base, `root-${n++}`);
  const r = lupine(['apk', '--root', root, '--keys-dir', repo.keysDir, '-X', repo.dir, '--initdb', 'add', 'aaa']);
  assert.equal(r.code, 0, r.output);
  mkdirSync(join(root, 'etc/apk/keys'), { recursive: true });
  return root;
}

/** Replaces `path` in the root by a symlink to `target` (an absolute host path). */
function plant(root: string, path: string, target: string): void {
  rmSync(join(root, path), { recursive: true, force: true });
  symlinkSync(target, join(root, path));
}

const ROOT_FILES = [
  'etc/apk/world',
  'etc/apk/repositories',
  'etc/apk/arch',
  'etc/apk/keys/evil.rsa.pub',
  'lib/apk/db/installed',
  'lib/apk/db/scripts.tar',
  'lib/apk/db/triggers',
];

describe('root files are read confined to the root (issue 11)', () => {
  for (const path of ROOT_FILES) {
    it(`${path} as a symlink to a host file: the host file is never read`, () => {
      const root = freshRoot();
      plant(root, path, sentinel);
      const before = sentinelHash();
      // No --keys-dir and no --repositories-file: the root's own keys and repositories are read.
      for (const args of [
        ['--allow-untrusted', '-X', repo.dir, 'add', 'aaa'],
        ['--allow-untrusted', 'info'],
        ['--allow-untrusted', '-X', repo.dir, 'fix', 'aaa'],
      ]) {
        const r = lupine(['apk', '--root', root, ...args]);
        assert.ok(!r.output.includes(SECRET), `${args.join(' ')}:\n${r.output}`);
      }
      assert.equal(sentinelHash(), before);
    });
  }

  it('a trusted key symlinked to a host key file is not trusted', () => {
    const root = freshRoot();
    plant(root, `etc/apk/keys/${repo.keyName}`, join(repo.keysDir, repo.keyName));
    const r = lupine(['apk', '--root', root, '-X', repo.dir, 'add', 'aaa']);
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, /UNTRUSTED|untrusted/);
  });

  for (const path of ['lib/apk/db/scripts.tar', 'lib/apk/db/triggers', 'etc/apk/world']) {
    it(`${path} as a symlink to a host FIFO: never opened (it would block)`, () => {
      const root = freshRoot();
      const fifo = join(base, `fifo-${n}`);
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      plant(root, path, fifo);
      const r = spawnSync(
        process.execPath,
        [binLupine, 'apk', '--root', root, '--allow-untrusted', '-X', repo.dir, 'add', 'aaa'],
        {
          env: { PATH: process.env.PATH, HOME: base },
          encoding: 'utf8',
          // A safety bound only: the old code blocked forever opening the FIFO.
          timeout: 120_000,
        },
      );
      assert.equal(r.signal, null, 'lupine blocked on a host FIFO');
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    });
  }

  it('--keys-dir naming a FIFO in the root: never opened, it holds no keys (as a non-directory did before)', () => {
    const root = freshRoot();
    rmSync(join(root, 'etc/apk/keys'), { recursive: true, force: true });
    assert.equal(spawnSync('mkfifo', [join(root, 'etc/apk/keys')]).status, 0);
    const r = spawnSync(
      process.execPath,
      [binLupine, 'apk', '--root', root, '--keys-dir', 'etc/apk/keys', '-X', repo.dir, 'fix', 'aaa'],
      {
        env: { PATH: process.env.PATH, HOME: base },
        encoding: 'utf8',
        // A safety bound only: reading the FIFO as a key blocks forever.
        timeout: 120_000,
      },
    );
    assert.equal(r.signal, null, 'lupine blocked on a FIFO given as --keys-dir');
    assert.notEqual(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(`${r.stdout}${r.stderr}`, /UNTRUSTED|untrusted/);
  });

  it('etc/apk/cache as a symlink to a host directory: `cache clean` leaves it alone', () => {
    const root = freshRoot();
    plant(root, 'etc/apk/cache', sentinelDir);
    const before = sentinelHash();
    const r = lupine(['apk', '--root', root, '--allow-untrusted', '-X', repo.dir, 'cache', 'clean']);
    assert.ok(!r.output.includes(SECRET), r.output);
    assert.equal(sentinelHash(), before);
  });

  for (const path of ['etc/os-release', 'lib/apk/db/installed']) {
    it(`sbom of a root whose ${path} links to a host file shows nothing of it`, () => {
      const root = freshRoot();
      mkdirSync(join(root, 'etc'), { recursive: true });
      plant(root, path, sentinel);
      const r = lupine(['sbom', root]);
      assert.ok(!r.output.includes(SECRET), r.output);
    });
  }

  it('a symlink with an absolute target inside the root is still followed inside it', () => {
    const root = freshRoot();
    writeFileSync(join(root, 'etc/apk/world.real'), 'aaa\n');
    plant(root, 'etc/apk/world', '/etc/apk/world.real');
    const r = lupine(['apk', '--root', root, '--allow-untrusted', 'info']);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /aaa/);
  });
});
