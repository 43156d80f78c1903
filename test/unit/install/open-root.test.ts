import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openRoot, rootArch, rootKeyring } from '../../../src/install/index.js';
import { makeTestRepo, type TestRepo } from '../../helpers/apk-repo.js';
import { assertCode } from '../../helpers/assert-code.js';

describe('openRoot: a root and its repositories, ready for the solver', () => {
  let base: string;
  let repo: TestRepo;
  let root: string;

  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'lupine-open-root-'));
    repo = await makeTestRepo(base);
    await repo.add([
      { name: 'a', version: '1.0-r0', depends: ['b'] },
      { name: 'b', version: '2.0-r0' },
    ]);
    root = join(base, 'root');
    mkdirSync(join(root, 'etc/apk/keys'), { recursive: true });
    cpSync(join(repo.keysDir, repo.keyName), join(root, 'etc/apk/keys', repo.keyName));
    writeFileSync(join(root, 'etc/apk/world'), 'a\n');
    writeFileSync(join(root, 'etc/apk/arch'), 'x86_64\n');
    writeFileSync(join(root, 'etc/apk/repositories'), `${repo.dir}\n@t ${repo.dir}\n`);
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  test("reads the root's world, arch, keys and repositories (a tagged line is one more solver input)", async () => {
    const r = await openRoot({ root });
    assert.deepEqual(
      r.world.map((d) => d.name),
      ['a'],
    );
    assert.equal(r.arch, 'x86_64');
    assert.equal(r.installArch, 'x86_64');
    assert.deepEqual([...r.keys.keys()], [repo.keyName]);
    assert.deepEqual(
      r.repositories.map((x) => [x.tag ?? '', x.packages.map((p) => p.name).sort()]),
      [
        ['', ['a', 'b']],
        ['t', ['a', 'b']],
      ],
    );
    assert.equal(r.fetchers.length, 2);
    assert.deepEqual(r.remoteIndexUrls, []);
    const b = r.repositories[0]?.packages.find((p) => p.name === 'b');
    assert.ok(b);
    assert.ok((await (r.fetchers[0] as (p: typeof b) => Promise<Uint8Array>)(b)).length > 0);
  });

  test('extra lines come after the file; an index named directly has its packages beside it', async () => {
    const index = join(repo.dir, 'x86_64', 'APKINDEX.tar.gz');
    const r = await openRoot({ root, repositoriesFile: join(base, 'none-given'), extraRepositories: [] }).catch(
      (e: unknown) => e,
    );
    assert.equal((r as { code?: string }).code, 'IO_ERROR');
    writeFileSync(join(base, 'repos'), '');
    const o = await openRoot({ root, repositoriesFile: join(base, 'repos'), extraRepositories: [index] });
    assert.equal(o.repositories.length, 1);
    const a = o.repositories[0]?.packages.find((p) => p.name === 'a');
    assert.ok(a);
    assert.ok((await (o.fetchers[0] as (p: typeof a) => Promise<Uint8Array>)(a)).length > 0);
  });

  test('without the key the index is refused, unless untrusted is allowed; --arch wins over the root', async () => {
    await assertCode(() => openRoot({ root, keys: new Map() }), 'INDEX_UNTRUSTED');
    assert.equal((await openRoot({ root, keys: new Map(), allowUntrusted: true })).repositories.length, 2);
    const r = await openRoot({ root, repositoriesFile: join(base, 'repos'), arch: 'aarch64' });
    assert.equal(r.arch, 'aarch64');
  });

  test('root files are read confined to the root: a key symlinked out of it is not a host file', async () => {
    const other = join(base, 'other');
    mkdirSync(join(other, 'etc/apk/keys'), { recursive: true });
    symlinkSync('/etc/hostname', join(other, 'etc/apk/arch'));
    assert.equal(rootArch(other), undefined);
    assert.equal((await rootKeyring(other)).size, 0);
    assert.equal((await rootKeyring(join(base, 'missing'))).size, 0);
  });
});
