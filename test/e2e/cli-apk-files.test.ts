import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { emptyPackageInfo, readPackage, writePackage } from '../../src/apk/index.js';
import { fixedClock } from '../../src/core/index.js';
import { readApkIndexArchive } from '../../src/repo/index.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { vector } from '../helpers/paths.js';

const ALPINE = vector('apk', 'alpine-baselayout-3.2.0-r23.apk');
const HELLO = vector('apk', 'hello-0.1.0-r0.apk');
const PRETEND = vector('apk', 'pretend-baselayout-1.0.0-r0.apk');
const MELANGE_INDEX = vector('apk', 'melange-x86_64-APKINDEX.tar.gz');

describe('keygen, sign, verify, inspect', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lupine-cli-apk-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('every command has a full --help', async () => {
    for (const [cmd, want] of [
      ['keygen', /--bits N[\s\S]*--out DIR[\s\S]*--force/],
      ['sign', /--signing-key KEY[\s\S]*--type/],
      ['verify', /--keys-dir DIR[\s\S]*Exit status/],
      ['inspect', /--json/],
    ] as const) {
      const r = await runCli([cmd, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^Usage: lupine ${cmd} `));
      assert.match(r.stdout, want);
    }
    const top = await runCli(['--help']);
    for (const cmd of ['keygen', 'sign', 'verify', 'inspect']) assert.match(top.stdout, new RegExp(`\\n  ${cmd} `));
  });

  test('verify: vectors with their keys (dir and file), one line per file, exit 1 when any fails', async () => {
    const ok = await runCli(['verify', '--keys-dir', vector('apk'), ALPINE, PRETEND, MELANGE_INDEX]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(ok.stdout, `${ALPINE}: OK\n${PRETEND}: OK\n${MELANGE_INDEX}: OK\n`);

    const byFile = await runCli(['verify', '--keys-dir', vector('apk', 'melange.rsa.pub'), PRETEND]);
    assert.equal(byFile.code, 0, byFile.stdout);

    const bad = await runCli(['verify', '--keys-dir', vector('apk', 'melange.rsa.pub'), ALPINE, HELLO, PRETEND]);
    assert.equal(bad.code, 1);
    const lines = bad.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /: signed by alpine-devel@.*none of which is trusted \[APK_UNTRUSTED\]$/);
    assert.match(lines[1] ?? '', /: the package is not signed \[APK_NO_SIGNATURE\]$/);
    assert.equal(lines[2], `${PRETEND}: OK`);

    const corrupt = join(dir, 'corrupt.apk');
    const bytes = await readFile(ALPINE);
    const { members } = readPackage(bytes);
    const at = Math.floor((members.data.start + members.data.end) / 2);
    bytes[at] = (bytes[at] as number) ^ 0xff;
    await writeFile(corrupt, bytes);
    const c = await runCli(['verify', '--keys-dir', vector('apk'), corrupt]);
    assert.equal(c.code, 1);
    assert.match(
      c.stdout,
      /corrupt\.apk: the data member's SHA-256 is [0-9a-f]{64}, \.PKGINFO says 1a3a8e47.*\[APK_BAD_DATAHASH\]\n$/,
    );

    const missing = await runCli(['verify', '--keys-dir', vector('apk'), join(dir, 'nope.apk')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /nope\.apk: cannot read .*\[IO_ERROR\]/);
  });

  test('keygen writes NAME.rsa (0600) and NAME.rsa.pub, refuses to overwrite without --force', async () => {
    const r = await runCli(['keygen', 'tester', '--bits', '2048', '--out', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /private key: .*tester\.rsa\npublic key: {2}.*tester\.rsa\.pub\n/);
    assert.equal((await stat(join(dir, 'tester.rsa'))).mode & 0o777, 0o600);
    assert.match(await readFile(join(dir, 'tester.rsa.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
    const again = await runCli(['keygen', 'tester', '--bits', '2048', '--out', dir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists[\s\S]*--force/);
    const before = await readFile(join(dir, 'tester.rsa.pub'), 'utf8');
    const forced = await runCli(['keygen', 'tester', '--bits', '2048', '--out', dir, '--force']);
    assert.equal(forced.code, 0);
    assert.notEqual(await readFile(join(dir, 'tester.rsa.pub'), 'utf8'), before);
    const badBits = await runCli(['keygen', 'x', '--bits', '1024', '--out', dir]);
    assert.equal(badBits.code, 2);
  });

  test('keygen default name: <user>-<hex time>, or lupine', async () => {
    const sub = join(dir, 'default-name');
    const r = await runCli(['keygen', '--bits', '2048', '--out', sub], { env: { USER: 'alice' } });
    assert.equal(r.code, 0, r.stderr);
    const names = (await readdir(sub)).sort();
    assert.equal(names.length, 2);
    assert.match(names[0] ?? '', /^alice-[0-9a-f]{8}\.rsa$/);
    const anon = join(dir, 'anon');
    const a = await runCli(['keygen', '--bits', '2048', '--out', anon], { env: {} });
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual((await readdir(anon)).sort(), ['lupine.rsa', 'lupine.rsa.pub']);
  });

  test('sign a package and an index in place; verify with the new key; old signatures are gone', async () => {
    const key = join(dir, 'signer.rsa');
    assert.equal((await runCli(['keygen', 'signer', '--bits', '2048', '--out', dir])).code, 0);
    const keysDir = join(dir, 'keys');
    await runCli(['keygen', 'unused', '--bits', '2048', '--out', keysDir]);
    await copyFile(join(dir, 'signer.rsa.pub'), join(keysDir, 'signer.rsa.pub'));

    const pkgPath = join(dir, 'hello-1.0-r0.apk');
    await writeFile(
      pkgPath,
      writePackage({
        files: [{ path: 'usr/bin/hello', type: 'file', mode: 0o755, data: Buffer.from('#!/bin/sh\n') }],
        info: { ...emptyPackageInfo('hello', '1.0-r0'), arch: 'x86_64' },
        clock: fixedClock(0),
      }),
    );
    const indexPath = join(dir, 'APKINDEX.tar.gz');
    await copyFile(MELANGE_INDEX, indexPath);
    const alpinePath = join(dir, 'alpine.apk');
    await copyFile(ALPINE, alpinePath);

    const unsigned = await runCli(['verify', '--keys-dir', keysDir, pkgPath]);
    assert.equal(unsigned.code, 1);

    const s = await runCli(['sign', '--signing-key', key, pkgPath, indexPath, alpinePath]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /hello-1\.0-r0\.apk: signed \(package, \.SIGN\.RSA256\.signer\.rsa\.pub\)/);
    assert.match(s.stdout, /APKINDEX\.tar\.gz: signed \(index, \.SIGN\.RSA256\.signer\.rsa\.pub\)/);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
      [],
      'no temporary files left',
    );

    const v = await runCli(['verify', '--keys-dir', keysDir, pkgPath, indexPath, alpinePath]);
    assert.equal(v.code, 0, v.stdout);
    const old = await runCli(['verify', '--keys-dir', vector('apk'), indexPath, alpinePath]);
    assert.equal(old.code, 1, 'the original signatures were replaced');
    assert.match(old.stdout, /INDEX_UNTRUSTED/);
    assert.match(old.stdout, /APK_UNTRUSTED/);
    const index = readApkIndexArchive(await readFile(indexPath), { allowUntrusted: true });
    assert.deepEqual(
      index.signatures.map((x) => x.keyName),
      ['signer.rsa.pub'],
    );
    assert.equal(index.packages.length, 4);
    // re-signing keeps the package identity (the control member is unchanged)
    assert.equal(readPackage(await readFile(alpinePath)).identity, 'Q1LLq2qDNrS/qRnhxQ3hsY/sHbQnc=');

    const typed = await runCli(['sign', '--signing-key', key, '--type', 'RSA', pkgPath]);
    assert.equal(typed.code, 0);
    assert.equal(readPackage(await readFile(pkgPath)).signatures[0]?.algorithm, 'RSA');
    const noKey = await runCli(['sign', pkgPath]);
    assert.equal(noKey.code, 2);
    const badKey = await runCli(['sign', '--signing-key', join(dir, 'signer.rsa.pub'), pkgPath]);
    assert.equal(badKey.code, 3);
    assert.match(badKey.stderr, /APK_BAD_KEY/);
  });

  test('inspect a package: identity, datahash, signatures, .PKGINFO, scripts, files', async () => {
    const r = await runCli(['inspect', ALPINE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^identity: {3}Q1LLq2qDNrS\/qRnhxQ3hsY\/sHbQnc=$/m);
    assert.match(r.stdout, /^datahash: {3}1a3a8e47d2287da6d505d973412cee1ad64bcc17bc5995069e4e932055ecb0c4$/m);
    assert.match(r.stdout, /^ {2}RSA alpine-devel@lists\.alpinelinux\.org-616ae350\.rsa\.pub \(512 bytes\)$/m);
    assert.match(r.stdout, /^ {2}packager = Buildozer <alpine-devel@lists\.alpinelinux\.org>$/m);
    assert.match(r.stdout, /^ {2}\.pre-install \(56 bytes, sha1 [0-9a-f]{40}\)$/m);
    assert.match(r.stdout, /^files \(83\):$/m);
    assert.match(r.stdout, /^ {2}-rw------- 0:0 +283 bdf9356a9516238c8b2468613517749098b17ef6 etc\/crontabs\/root$/m);
    assert.match(r.stdout, / -> /);

    const j = await runCli(['inspect', PRETEND, '--json']);
    assert.equal(j.code, 0);
    const doc = JSON.parse(j.stdout);
    assert.equal(doc.identity, 'Q1m6wB0UFePGN8Drz82pC8y2uAiu8=');
    assert.equal(doc.info.name, 'pretend-baselayout');
    assert.deepEqual(doc.signatures, [{ algorithm: 'RSA256', keyName: 'melange.rsa.pub', bytes: 512 }]);
    assert.deepEqual(doc.controlExtras, ['.melange.yaml']);
    const osRelease = doc.files.find((f: { name: string }) => f.name === 'etc/os-release');
    assert.deepEqual(osRelease, {
      name: 'etc/os-release',
      type: 'file',
      mode: '0644',
      uid: 501, // as melange wrote it (built on a macOS host)
      gid: 20,
      size: 99,
      mtime: 0,
      sha1: '2a1171b49b2e3d59abad728c7b0480736ff792eb',
    });
  });

  test('inspect an index: its packages', async () => {
    const r = await runCli(['inspect', MELANGE_INDEX]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^kind: {8}index$/m);
    assert.match(r.stdout, /^ {2}pretend-baselayout 1\.0\.0-r0 x86_64 Q1m6wB0UFePGN8Drz82pC8y2uAiu8= 2930$/m);
    const j = JSON.parse((await runCli(['inspect', '--json', vector('apk', 'rsa256-abuild-APKINDEX.tar.gz')])).stdout);
    assert.equal(j.kind, 'index');
    assert.equal(j.packages[0].identity, 'Q1LLq2qDNrS/qRnhxQ3hsY/sHbQnc=');
    const usage = await runCli(['inspect']);
    assert.equal(usage.code, 2);
  });

  test('bin/lupine verify runs as a process', () => {
    const r = spawnCli(['verify', '--keys-dir', vector('apk'), ALPINE]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${ALPINE}: OK\n`);
  });
});
