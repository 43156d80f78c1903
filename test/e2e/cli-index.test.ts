import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateRsaKeyPair, parsePublicKey } from '../../src/apk/index.js';
import { readGzipMembers, readTar } from '../../src/archive/index.js';
import { readApkIndexArchive } from '../../src/repo/index.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { vector } from '../helpers/paths.js';
import { signedPackages } from '../helpers/signed-packages.js';

const work = mkdtempSync(join(tmpdir(), 'lupine-index-'));
after(() => rmSync(work, { recursive: true, force: true }));

const HELLO = vector('apk', 'hello-0.1.0-r0.apk');
const PRETEND = vector('apk', 'pretend-baselayout-1.0.0-r0.apk');
const ALPINE = vector('apk', 'alpine-baselayout-3.2.0-r23.apk');
/** The vector packages are not all signed by keys we hold: index them as `apk index --allow-untrusted`. */
const KEYS = ['--allow-untrusted'];

function tarOf(file: string): Buffer {
  const ms = readGzipMembers(readFileSync(file));
  return (ms[ms.length - 1] as { data: Buffer }).data;
}

test('lupine index of the three vector packages writes the tar apk-tools 2.14 wrote, byte for byte', async () => {
  const out = join(work, 'a', 'x86_64', 'APKINDEX.tar.gz');
  const r = await runCli(['index', ...KEYS, '-o', out, '-d', 'lupine test index', HELLO, PRETEND, ALPINE]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /: 3 packages \(of which 3 are new\), \d+ bytes, unsigned\n$/);
  // apk-tools ran without --no-warnings too: its unprovided names are listed on stderr.
  assert.match(r.stderr, /No provider for the dependencies:\n {2}\/bin\/sh\n {2}alpine-baselayout-data\n {2}busybox\n/);
  assert.ok(tarOf(out).equals(tarOf(vector('apk-tools-out', 'index', 'APKINDEX.tar.gz'))));
  const again = join(work, 'a', 'again.tar.gz');
  assert.equal(
    (await runCli(['index', ...KEYS, '-o', again, '-d', 'lupine test index', ALPINE, HELLO, PRETEND])).code,
    0,
  );
  assert.ok(readFileSync(again).equals(readFileSync(out)), 'argument order does not change the bytes');
});

test('lupine index --signing-key signs; lupine verify accepts it with the public key and rejects it without', async () => {
  const dir = join(work, 'signed');
  const keys = join(dir, 'keys');
  const pair = await generateRsaKeyPair(2048);
  mkdirSync(keys, { recursive: true });
  writeFileSync(join(dir, 'me.rsa'), pair.privatePem);
  writeFileSync(join(keys, 'me.rsa.pub'), pair.publicPem);
  const out = join(dir, 'APKINDEX.tar.gz');
  const r = await runCli(
    ['index', ...KEYS, '-o', 'APKINDEX.tar.gz', '--signing-key', 'me.rsa', '--no-warnings', HELLO],
    {
      cwd: dir,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /signed by me\.rsa\.pub\n$/);
  const idx = readApkIndexArchive(readFileSync(out), {
    keys: new Map([['me.rsa.pub', parsePublicKey(pair.publicPem, 'k')]]),
  });
  assert.equal(idx.signedBy, 'me.rsa.pub');
  assert.deepEqual(
    idx.packages.map((p) => `${p.name} ${p.identity} ${p.size}`),
    ['hello Q1DNWZeWkviN7MJedLpYM8yBvmnGM= 499'],
  );
  const ok = await runCli(['verify', '--keys-dir', keys, out]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /: OK\n$/);
  const no = await runCli(['verify', '--keys-dir', join(dir, 'nokeys'), out]);
  assert.equal(no.code, 1);
  assert.match(no.stdout, /INDEX_UNTRUSTED/);
});

test('lupine index --merge keeps existing entries; without it OUT holds only the given packages', async () => {
  const out = join(work, 'merge', 'APKINDEX.tar.gz');
  assert.equal((await runCli(['index', ...KEYS, '-o', out, '--no-warnings', HELLO, PRETEND])).code, 0);
  const merged = await runCli(['index', ...KEYS, '-o', out, '--merge', '--json', '--rewrite-arch', 'x86_64', ALPINE]);
  assert.equal(merged.code, 0, merged.stderr);
  const result = JSON.parse(merged.stdout);
  assert.deepEqual(
    { ...result, bytes: typeof result.bytes },
    {
      output: out,
      packages: 3,
      new: 1,
      bytes: 'number',
      signedBy: null,
      unprovided: ['/bin/sh', 'alpine-baselayout-data', 'busybox', 'so:libc.musl-aarch64.so.1'],
    },
  );
  const idx = readApkIndexArchive(readFileSync(out), { allowUntrusted: true });
  assert.deepEqual(
    idx.packages.map((p) => `${p.name}/${p.arch}`),
    ['alpine-baselayout/x86_64', 'hello/x86_64', 'pretend-baselayout/x86_64'],
  );
  assert.equal((await runCli(['index', ...KEYS, '-o', out, '--no-warnings', ALPINE])).code, 0);
  const only = readApkIndexArchive(readFileSync(out), { allowUntrusted: true });
  assert.deepEqual(
    only.packages.map((p) => `${p.name}/${p.arch}`),
    ['alpine-baselayout/aarch64'],
  );
});

test('lupine index leaves OUT untouched when a package cannot be read', async () => {
  const dir = join(work, 'bad');
  const out = join(dir, 'APKINDEX.tar.gz');
  assert.equal((await runCli(['index', ...KEYS, '-o', out, '--no-warnings', HELLO])).code, 0);
  const before = readFileSync(out);
  const junk = join(dir, 'junk.apk');
  writeFileSync(junk, 'this is not a package');
  const r = await runCli(['index', ...KEYS, '-o', out, PRETEND, junk, join(dir, 'missing.apk')]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /junk\.apk/);
  assert.match(r.stderr, /missing\.apk/);
  assert.match(r.stderr, /2 of 3 packages could not be read/);
  assert.ok(readFileSync(out).equals(before));
});

test('lupine index: usage errors and --help', async () => {
  assert.equal((await runCli(['index', HELLO])).code, 2);
  assert.equal((await runCli(['index', ...KEYS, '-o', join(work, 'u.tar.gz')])).code, 2);
  assert.equal((await runCli(['index', '--bogus'])).code, 2);
  assert.ok(!existsSync(join(work, 'u.tar.gz')));
  const h = await runCli(['index', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /^Usage: lupine index -o OUT/);
  assert.match((await runCli(['--help'])).stdout, /\bindex\s+build a repository index/);
});

test('bin/lupine index runs as a process', () => {
  const out = join(work, 'spawn', 'APKINDEX.tar.gz');
  const r = spawnCli(['index', ...KEYS, '-o', out, '-d', 'lupine test index', PRETEND, HELLO, ALPINE]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(tarOf(out).equals(tarOf(vector('apk-tools-out', 'index', 'APKINDEX.tar.gz'))));
});

test('lupine index refuses untrusted and unsigned packages as apk index does; --allow-untrusted takes them', async () => {
  const dir = join(work, 'trust');
  mkdirSync(join(dir, 'nokeys'), { recursive: true });
  const { keys, make } = await signedPackages(dir);
  const signed = make('signed', true);
  const unsigned = make('unsigned', false);
  const out = join(dir, 'APKINDEX.tar.gz');
  const untrusted = await runCli(['index', '--keys-dir', join(dir, 'nokeys'), '-o', out, signed]);
  assert.equal(untrusted.code, 3);
  assert.match(untrusted.stderr, /APK_UNTRUSTED/);
  assert.ok(!existsSync(out));
  const none = await runCli(['index', '--keys-dir', keys, '-o', out, signed, unsigned]);
  assert.equal(none.code, 3);
  assert.match(none.stderr, /APK_NO_SIGNATURE/);
  assert.match(none.stderr, /1 of 2 packages could not be read/);
  assert.ok(!existsSync(out));
  const trusted = await runCli(['index', '--keys-dir', keys, '--no-warnings', '-o', out, signed]);
  assert.equal(trusted.code, 0, trusted.stderr);
  const allowed = await runCli(['index', '--allow-untrusted', '--no-warnings', '-o', out, signed, unsigned]);
  assert.equal(allowed.code, 0, allowed.stderr);
  const idx = readApkIndexArchive(readFileSync(out), { allowUntrusted: true });
  assert.deepEqual(
    idx.packages.map((p) => p.name),
    ['signed', 'unsigned'],
  );
});

test('lupine index reads only the signature and control members: damage in the data member goes unnoticed', async () => {
  const dir = join(work, 'control-only');
  mkdirSync(dir, { recursive: true });
  const bytes = readFileSync(HELLO);
  const members = readGzipMembers(bytes);
  const data = members[members.length - 1] as { start: number };
  // The data member's gzip header turned into garbage: inflating it would fail.
  const damaged = Buffer.from(bytes);
  damaged.fill(0x55, data.start, data.start + 4);
  writeFileSync(join(dir, 'hello-0.1.0-r0.apk'), damaged);
  const out = join(dir, 'APKINDEX.tar.gz');
  const r = await runCli(['index', ...KEYS, '--no-warnings', '-o', out, join(dir, 'hello-0.1.0-r0.apk')]);
  assert.equal(r.code, 0, r.stderr);
  const idx = readApkIndexArchive(readFileSync(out), { allowUntrusted: true });
  assert.equal(idx.packages[0]?.identity, 'Q1DNWZeWkviN7MJedLpYM8yBvmnGM=');
  // lupine inspect does read the data, and says so.
  const v = await runCli(['inspect', join(dir, 'hello-0.1.0-r0.apk')]);
  assert.equal(v.code, 3, v.stderr);
  assert.match(v.stderr, /APK_BAD_DATAHASH/);
});

test('lupine index takes the tar mtime from SOURCE_DATE_EPOCH (0 without it)', async () => {
  const dir = join(work, 'sde');
  const a = join(dir, 'a.tar.gz');
  const b = join(dir, 'b.tar.gz');
  const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
  assert.equal((await runCli(['index', ...KEYS, '--no-warnings', '-o', a, HELLO], { env })).code, 0);
  const noEnv = { ...process.env, SOURCE_DATE_EPOCH: undefined };
  assert.equal((await runCli(['index', ...KEYS, '--no-warnings', '-o', b, HELLO], { env: noEnv })).code, 0);
  const mtimes = (f: string) => readTar(tarOf(f)).items.map((i) => i.entry.mtime);
  assert.deepEqual(mtimes(a), [1700000000]);
  assert.deepEqual(mtimes(b), [0]);
  const again = join(dir, 'c.tar.gz');
  assert.equal((await runCli(['index', ...KEYS, '--no-warnings', '-o', again, HELLO], { env })).code, 0);
  assert.ok(readFileSync(again).equals(readFileSync(a)), 'same inputs and SOURCE_DATE_EPOCH, same bytes');
  const bad = await runCli(['index', ...KEYS, '-o', join(dir, 'd.tar.gz'), HELLO], {
    env: { ...process.env, SOURCE_DATE_EPOCH: 'yesterday' },
  });
  assert.equal(bad.code, 2);
});

test('lupine index --merge verifies the existing index against --keys-dir before keeping its entries (issue 11 follow-up F3)', async () => {
  const dir = join(work, 'merge-trust');
  const { keys, make } = await signedPackages(dir);
  const good = make('good');
  const evil = make('evil');
  const out = join(dir, 'APKINDEX.tar.gz');
  const trusted = ['--keys-dir', keys, '--signing-key', join(dir, 'signer.rsa'), '--no-warnings'];

  // A planted, unsigned index: --merge must not re-sign its entries.
  const planted = await runCli(['index', '--allow-untrusted', '--no-warnings', '-o', out, evil]);
  assert.equal(planted.code, 0, planted.stderr);
  const before = readFileSync(out);
  const unsigned = await runCli(['index', ...trusted, '--merge', '-o', out, good]);
  assert.notEqual(unsigned.code, 0);
  assert.match(unsigned.stderr, /APK_NO_SIGNATURE/);
  assert.match(unsigned.stderr, /APKINDEX\.tar\.gz/);
  assert.deepEqual(readFileSync(out), before, 'OUT is unchanged');

  // Signed by a key not in --keys-dir: refused as untrusted.
  const other = await generateRsaKeyPair(2048);
  writeFileSync(join(dir, 'other.rsa'), other.privatePem);
  const foreign = await runCli([
    'index',
    '--allow-untrusted',
    '--signing-key',
    join(dir, 'other.rsa'),
    '--no-warnings',
    '-o',
    out,
    evil,
  ]);
  assert.equal(foreign.code, 0, foreign.stderr);
  const before2 = readFileSync(out);
  const untrusted = await runCli(['index', ...trusted, '--merge', '-o', out, good]);
  assert.notEqual(untrusted.code, 0);
  assert.match(untrusted.stderr, /APK_UNTRUSTED/);
  assert.deepEqual(readFileSync(out), before2, 'OUT is unchanged');

  // With --allow-untrusted the operator takes the entries as they are.
  const allowed = await runCli(['index', '--allow-untrusted', '--no-warnings', '--merge', '-o', out, good]);
  assert.equal(allowed.code, 0, allowed.stderr);

  // An index signed by a trusted key merges.
  const fresh = await runCli(['index', ...trusted, '-o', out, evil]);
  assert.equal(fresh.code, 0, fresh.stderr);
  const merged = await runCli(['index', ...trusted, '--merge', '-o', out, good]);
  assert.equal(merged.code, 0, merged.stderr);
  const idx = readApkIndexArchive(readFileSync(out), { allowUntrusted: true });
  assert.deepEqual(
    idx.packages.map((p) => p.name),
    ['evil', 'good'],
  );
});
