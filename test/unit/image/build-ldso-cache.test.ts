/**
 * ld.so.cache written without ldconfig, checked by reading it back with the host's glibc ldconfig
 * (`ldconfig -p -C FILE`) and against the cache host ldconfig builds for the same root.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dlCacheLibcmp, formatLdSoCache, installLdSoCache } from '../../../src/image/index.js';

const HOST_LIBS = '/lib/x86_64-linux-gnu';
const canCheck =
  process.arch === 'x64' &&
  spawnSync('ldconfig', ['--version']).status === 0 &&
  ['libz.so.1.2.13', 'libm.so.6', 'libcrypt.so.1.1.0'].every((n) => existsSync(join(HOST_LIBS, n)));

/** `ldconfig -p` lines (`soname (flags) => path`), sorted. */
function listing(cache: string): string[] {
  const r = spawnSync('ldconfig', ['-p', '-C', cache], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l.includes('=>'))
    .map((l) => l.trim());
}

describe('_dl_cache_libcmp', () => {
  test('digits compare as numbers, digits sort after other characters', () => {
    assert.ok(dlCacheLibcmp('libc.so.10', 'libc.so.9') > 0);
    assert.ok(dlCacheLibcmp('libfoo.so.1', 'libfoo.so.a') > 0);
    assert.equal(dlCacheLibcmp('libz.so.1', 'libz.so.1'), 0);
    assert.ok(dlCacheLibcmp('liba.so', 'libb.so') < 0);
    assert.ok(dlCacheLibcmp('libz.so', 'libz.so.1') < 0);
  });
  test('an empty cache is a valid header', () => {
    const b = formatLdSoCache([]);
    assert.equal(b.length, 48);
    assert.equal(b.toString('latin1', 0, 20), 'glibc-ld.so.cache1.1');
  });
});

describe('ld.so.cache for a root', { skip: !canCheck && 'needs x86_64 glibc host libraries and ldconfig' }, () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'lupine-ldso-'));
    for (const d of ['etc', 'lib', 'usr/lib', 'opt/extra']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'etc/ld.so.conf'), '# test\n/usr/lib\ninclude /etc/ld.so.conf.d/*.conf\n');
    mkdirSync(join(root, 'etc/ld.so.conf.d'));
    writeFileSync(join(root, 'etc/ld.so.conf.d/extra.conf'), '/opt/extra\n');
    copyFileSync(join(HOST_LIBS, 'libz.so.1.2.13'), join(root, 'lib/libz.so.1.2.13'));
    symlinkSync('libz.so.1.2.13', join(root, 'lib/libz.so.1'));
    copyFileSync(join(HOST_LIBS, 'libm.so.6'), join(root, 'usr/lib/libm.so.6'));
    copyFileSync(join(HOST_LIBS, 'libcrypt.so.1.1.0'), join(root, 'opt/extra/libcrypt.so.1'));
    writeFileSync(join(root, 'usr/lib/libnot.so.1'), 'not an ELF file');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('nothing is written without /etc/ld.so.conf', () => {
    const bare = mkdtempSync(join(tmpdir(), 'lupine-ldso-bare-'));
    try {
      mkdirSync(join(bare, 'etc'));
      assert.equal(installLdSoCache(bare, 'x86_64'), undefined);
      assert.equal(existsSync(join(bare, 'etc/ld.so.cache')), false);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  test('glibc reads our cache and finds every library by soname', () => {
    assert.equal(installLdSoCache(root, 'x86_64'), 'etc/ld.so.cache');
    assert.deepEqual(listing(join(root, 'etc/ld.so.cache')), [
      'libz.so.1 (libc6,x86-64) => /lib/libz.so.1',
      'libm.so.6 (libc6,x86-64) => /usr/lib/libm.so.6',
      'libcrypt.so.1 (libc6,x86-64) => /opt/extra/libcrypt.so.1',
    ]);
  });

  test("the listing equals the one of host ldconfig's own cache for the root", () => {
    const ref = join(root, 'ref.cache');
    const r = spawnSync('ldconfig', ['-X', '-r', root, '-C', '/ref.cache'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(listing(join(root, 'etc/ld.so.cache')), listing(ref));
  });
});
