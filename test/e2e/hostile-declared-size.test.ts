/**
 * Brief s4/A item 1: limits come from the declared sizes. A package from a repository is held to the
 * index's `I:` as well as its own `.PKGINFO` size: data beyond what the signed index declares is
 * refused with LIMIT_EXCEEDED and the root is left unchanged.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parsePrivateKey } from '../../src/apk/index.js';
import { readApkIndexArchive, writeApkIndexArchive } from '../../src/repo/index.js';
import { makeTestRepo, type TestRepo } from '../helpers/apk-repo.js';
import { runCli } from '../helpers/cli.js';
import { hashTree, tempRoot } from '../unit/install/fixtures.js';

const MiB = 1024 * 1024;

describe("a repository package larger than the index's I: (brief s4/A item 1)", () => {
  const base = tempRoot('declared-size');
  let repo: TestRepo;
  before(async () => {
    repo = await makeTestRepo(base);
    await repo.add([
      {
        name: 'big',
        version: '1.0-r0',
        files: [
          { path: 'usr', type: 'dir' },
          { path: 'usr/share', type: 'dir' },
          { path: 'usr/share/big.bin', type: 'file', data: randomBytes(4 * MiB) },
        ],
      },
    ]);
    // The index (signed) declares 4 KiB installed; the package itself declares its real 4 MiB.
    const at = join(repo.dir, repo.arch, 'APKINDEX.tar.gz');
    const index = readApkIndexArchive(readFileSync(at), { allowUntrusted: true });
    const packages = index.packages.map((p) => (p.name === 'big' ? { ...p, installedSize: 4096 } : p));
    const key = parsePrivateKey(readFileSync(repo.keyFile, 'utf8'), repo.keyFile);
    writeFileSync(at, writeApkIndexArchive(packages, { mtime: 0, signingKey: key, keyName: repo.keyName }));
  });
  after(() => (process.env.KEEP ? undefined : rmSync(base, { recursive: true, force: true })));

  it('apk add: LIMIT_EXCEEDED, the root unchanged', async () => {
    const root = join(base, 'root');
    const init = await runCli(['apk', '--root', root, '--initdb', '--keys-dir', repo.keysDir, 'add']);
    assert.equal(init.code, 0, init.stderr);
    const before = hashTree(root);
    const r = await runCli(['apk', '--root', root, '--keys-dir', repo.keysDir, '-X', repo.dir, 'add', 'big']);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr + r.stdout, /LIMIT_EXCEEDED/);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.equal(hashTree(root), before);
  });
});
