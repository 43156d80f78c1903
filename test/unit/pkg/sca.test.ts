import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readTree } from '../../../src/apk/index.js';
import type { Logger } from '../../../src/core/index.js';
import {
  analyzePackage,
  generateDependencies,
  type PackageTree,
  type PackageTreeEntry,
  treeFromEntries,
} from '../../../src/pkg/index.js';

/**
 * SCA over real objects: gcc builds a shared library with `-Wl,-soname,libgreet.so.1`, a program
 * linked against it, and a static program; readelf (binutils) is the independent oracle for the
 * interpreter, which is host-specific.
 */
const work = mkdtempSync(join(tmpdir(), 'lupine-sca-'));
after(() => rmSync(work, { recursive: true, force: true }));

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: work, encoding: 'utf8' });
let libBytes: Uint8Array;
let helloBytes: Uint8Array;
let staticBytes: Uint8Array;
let interp: string;

before(() => {
  writeFileSync(join(work, 'greet.c'), 'const char *greet(void) { return "hello"; }\n');
  writeFileSync(
    join(work, 'hello.c'),
    '#include <stdio.h>\nconst char *greet(void);\nint main(void) { puts(greet()); return 0; }\n',
  );
  writeFileSync(join(work, 'static.c'), '#include <stdio.h>\nint main(void) { puts("static"); return 0; }\n');
  sh('gcc', ['-shared', '-fPIC', '-Wl,-soname,libgreet.so.1', '-o', 'libgreet.so.1.2.3', 'greet.c']);
  symlinkSync('libgreet.so.1.2.3', join(work, 'libgreet.so'));
  sh('gcc', ['-o', 'hello', 'hello.c', '-L.', '-lgreet']);
  sh('gcc', ['-static', '-o', 'hello-static', 'static.c']);
  libBytes = readFileSync(join(work, 'libgreet.so.1.2.3'));
  helloBytes = readFileSync(join(work, 'hello'));
  staticBytes = readFileSync(join(work, 'hello-static'));
  const m = /Requesting program interpreter: ([^\]]+)\]/.exec(sh('readelf', ['-l', 'hello']));
  assert.ok(m, 'readelf shows the interpreter');
  interp = (m[1] as string).slice((m[1] as string).lastIndexOf('/') + 1);
});

const file = (path: string, data: Uint8Array | string, mode = 0o644): PackageTreeEntry => {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return { path, type: 'file', mode, size: bytes.length, content: () => bytes };
};
const link = (path: string, linkname: string): PackageTreeEntry => ({
  path,
  type: 'symlink',
  mode: 0o777,
  size: 0,
  linkname,
});

const PC = `prefix=/usr
libdir=\${prefix}/lib
Name: greet
Description: says hello
Version: 1.2.3
Requires: zlib >= 1.2.11, libfoo
Requires.private: libbar
Libs: -L\${libdir} -lgreet
`;

function mainTree(): PackageTree {
  return {
    name: 'greet',
    version: '1.2.3-r0',
    entries: [
      file('usr/bin/hello', helloBytes, 0o755),
      file('usr/bin/greet-script', '#!/usr/bin/env bash\necho hi\n', 0o755),
      file('usr/bin/report', '#!/usr/bin/perl -w\nprint 1;\n', 0o755),
      file('usr/bin/plain-sh', '#!/bin/sh\necho sh is ignored\n', 0o755),
      file('usr/bin/not-executable', 'data', 0o644),
      file('usr/lib/libgreet.so.1.2.3', libBytes, 0o755),
      link('usr/lib/libgreet.so.1', 'libgreet.so.1.2.3'),
      file('usr/lib/pkgconfig/greet.pc', PC),
    ],
  };
}

function devTree(): PackageTree {
  return {
    name: 'greet-dev',
    version: '1.2.3-r0',
    entries: [
      link('usr/lib/libgreet.so', 'libgreet.so.1.2.3'),
      file('usr/include/greet.h', 'const char *greet(void);\n'),
      file('usr/lib/pkgconfig/greet.pc', PC),
    ],
  };
}

function capture(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, debug() {}, warn: (m: string) => warnings.push(m) };
}

describe('SCA (melange pkg/sca)', () => {
  it('generates the so:, cmd:, pc: and shebang lines melange writes', async () => {
    const r = await analyzePackage({ tree: mainTree() });
    assert.deepEqual(r.provides, [
      'cmd:greet-script=1.2.3-r0',
      'cmd:hello=1.2.3-r0',
      'cmd:plain-sh=1.2.3-r0',
      'cmd:report=1.2.3-r0',
      'pc:greet=1.2.3-r0',
      'so-ver:libgreet.so.1=1.2.3-r0',
      'so:libgreet.so.1=1',
    ]);
    assert.deepEqual(r.runtime, [
      'cmd:bash',
      'cmd:perl',
      'pc:libbar',
      'pc:libfoo',
      'pc:zlib',
      `so:${interp}`,
      'so:libc.so.6',
      'so:libgreet.so.1',
    ]);
    assert.deepEqual(r.vendored, []);
  });

  it('drops depends the package provides itself (so:libgreet.so.1)', async () => {
    const r = await generateDependencies({
      tree: mainTree(),
      declared: { runtime: ['tzdata'], provides: ['greeter=1'] },
    });
    assert.deepEqual(r.runtime, [
      'cmd:bash',
      'cmd:perl',
      'pc:libbar',
      'pc:libfoo',
      'pc:zlib',
      `so:${interp}`,
      'so:libc.so.6',
      'tzdata',
    ]);
    assert.ok(r.provides.includes('greeter=1'));
    assert.ok(r.provides.includes('so:libgreet.so.1=1'));
  });

  it('a -dev package depends on the SONAME its .so symlink points at in a sibling package', async () => {
    const main = mainTree();
    const dev = devTree();
    const r = await generateDependencies({ tree: dev, related: [main, dev] });
    assert.deepEqual(r.runtime, ['pc:libbar', 'pc:libfoo', 'pc:zlib', 'so:libgreet.so.1']);
    assert.deepEqual(r.provides, ['pc:greet=1.2.3-r0']);
  });

  it('a static binary gives no so: depends and no provides beyond cmd:', async () => {
    const r = await analyzePackage({
      tree: { name: 's', version: '1-r0', entries: [file('usr/bin/hello-static', staticBytes, 0o755)] },
    });
    assert.deepEqual(r.runtime, []);
    assert.deepEqual(r.provides, ['cmd:hello-static=1-r0']);
  });

  it('libraries outside the library directories are vendored, and vendored depends are dropped', async () => {
    const tree: PackageTree = {
      name: 'app',
      version: '2.0-r1',
      entries: [
        file('usr/libexec/app/libgreet.so.1.2.3', libBytes, 0o755),
        file('usr/libexec/app/hello', helloBytes, 0o755),
        file('usr/libexec/app/pkgconfig/inner.pc', 'Name: inner\nVersion: 1\n'),
      ],
    };
    const r = await generateDependencies({ tree });
    assert.deepEqual(r.vendored, ['pc:inner=2.0-r1', 'so-ver:libgreet.so.1=2.0-r1', 'so:libgreet.so.1=1']);
    assert.deepEqual(r.provides, []);
    assert.deepEqual(r.runtime, [`so:${interp}`, 'so:libc.so.6']);
  });

  it('honours no-depends, no-provides and no-commands', async () => {
    const noDepends = await analyzePackage({ tree: mainTree(), options: { noDepends: true } });
    assert.deepEqual(noDepends.runtime, []);
    assert.equal(noDepends.provides.length, 7);
    const noProvides = await analyzePackage({ tree: mainTree(), options: { noProvides: true } });
    assert.deepEqual(noProvides.provides, []);
    assert.equal(noProvides.runtime.length, 8);
    const noCommands = await analyzePackage({ tree: mainTree(), options: { noCommands: true } });
    assert.ok(noCommands.provides.every((p) => !p.startsWith('cmd:')));
    assert.ok(noCommands.runtime.every((p) => !p.startsWith('cmd:')));
    assert.deepEqual(noCommands.provides, ['pc:greet=1.2.3-r0', 'so-ver:libgreet.so.1=1.2.3-r0', 'so:libgreet.so.1=1']);
  });

  it('skips a truncated ELF with a warning instead of failing', async () => {
    const log = capture();
    const r = await analyzePackage({
      tree: {
        name: 't',
        version: '1-r0',
        entries: [file('usr/lib/libbroken.so.1', helloBytes.subarray(0, 120), 0o755)],
      },
      logger: log,
    });
    assert.deepEqual(r, { runtime: [], provides: [], vendored: [] });
    assert.equal(log.warnings.length, 1);
    assert.match(log.warnings[0] as string, /usr\/lib\/libbroken\.so\.1: malformed ELF/);
  });

  it('versioned depends come from the provider index and the build guest', async () => {
    const r = await analyzePackage({
      tree: { name: 'h', version: '1-r0', entries: [file('usr/bin/hello', helloBytes, 0o755)] },
      providers: {
        index: [
          {
            name: 'glibc',
            version: '2.40-r3',
            provides: ['so:libc.so.6=6', 'so-ver:libc.so.6=2.40-r3', `so:${interp}=2`],
          },
          { name: 'greet', version: '1.0-r0', provides: ['so:libgreet.so.1=1'] },
        ],
        installed: { glibc: '2.40-r3', greet: '1.0-r0' },
      },
    });
    // glibc publishes so-ver: for libc only; greet publishes no so-ver: at all.
    assert.deepEqual(r.runtime, ['so-ver:libc.so.6>=2.40-r3', `so:${interp}`, 'so:libc.so.6', 'so:libgreet.so.1']);
    const off = await analyzePackage({
      tree: { name: 'h', version: '1-r0', entries: [file('usr/bin/hello', helloBytes, 0o755)] },
      options: { noVersionedShlibDeps: true },
      providers: {
        index: [{ name: 'glibc', version: '2.40-r3', provides: ['so-ver:libc.so.6=2.40-r3'] }],
        installed: {},
      },
    });
    assert.ok(off.runtime.every((d) => !d.startsWith('so-ver:')));
  });

  it('python, ruby, perl and -doc depends', async () => {
    const dir = (path: string): PackageTreeEntry => ({ path, type: 'dir', mode: 0o755, size: 0 });
    const r = await analyzePackage({
      tree: {
        name: 'mixed-doc',
        version: '1-r0',
        entries: [
          dir('usr/lib/python3.12/site-packages'),
          file('usr/lib/python3.12/site-packages/x.py', ''),
          dir('usr/lib/ruby/gems/3.2.0/gems'),
          dir('usr/lib/perl5/vendor_perl'),
          file('usr/share/man/man1/x.1', ''),
          file('usr/share/info/x.info', ''),
        ],
      },
    });
    assert.deepEqual(r.runtime, ['man-db', 'perl~5', 'python-3.12-base', 'ruby-3.2', 'texinfo']);
    const declared = await analyzePackage({
      tree: { name: 'p', version: '1-r0', entries: [dir('usr/lib/python3.12/site-packages')] },
      declaredRuntime: ['python-3.12'],
    });
    assert.deepEqual(declared.runtime, []);
  });

  it('reads a directory tree from disk (readTree) the same way', async () => {
    const root = join(work, 'tree');
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    mkdirSync(join(root, 'usr/lib'), { recursive: true });
    writeFileSync(join(root, 'usr/bin/hello'), helloBytes, { mode: 0o755 });
    writeFileSync(join(root, 'usr/lib/libgreet.so.1.2.3'), libBytes, { mode: 0o755 });
    symlinkSync('libgreet.so.1.2.3', join(root, 'usr/lib/libgreet.so.1'));
    const r = await generateDependencies({ tree: treeFromEntries('greet', '1.2.3-r0', await readTree(root)) });
    assert.deepEqual(r.provides, ['cmd:hello=1.2.3-r0', 'so-ver:libgreet.so.1=1.2.3-r0', 'so:libgreet.so.1=1']);
    assert.deepEqual(r.runtime, [`so:${interp}`, 'so:libc.so.6']);
  });

  it('a cgo + boringcrypto Go binary depends on the FIPS OpenSSL config', async () => {
    // A Go 1.18+ build-info blob (inline strings), embedded as .go.buildinfo with objcopy.
    const sentinel = Buffer.alloc(16, 0xaa);
    const mod = Buffer.concat([
      sentinel,
      Buffer.from('path\texample.com/fips\nbuild\tCGO_ENABLED=1\nbuild\tGOEXPERIMENT=boringcrypto\n'),
      sentinel,
    ]);
    const vers = Buffer.from('go1.24.0');
    const header = Buffer.alloc(32);
    header.write('\xff Go buildinf:', 0, 'latin1');
    header[14] = 8;
    header[15] = 2;
    writeFileSync(
      join(work, 'buildinfo.bin'),
      Buffer.concat([header, Buffer.from([vers.length]), vers, Buffer.from([mod.length]), mod]),
    );
    sh('objcopy', ['--add-section', '.go.buildinfo=buildinfo.bin', 'hello', 'hello-go']);
    const goBin = readFileSync(join(work, 'hello-go'));
    const r = await analyzePackage({
      tree: { name: 'g', version: '1-r0', entries: [file('usr/bin/g', goBin, 0o755)] },
    });
    assert.deepEqual(r.runtime, [
      'openssl-config-fipshardened',
      `so:${interp}`,
      'so:libc.so.6',
      'so:libcrypto.so.3',
      'so:libgreet.so.1',
    ]);
    const plain = await analyzePackage({
      tree: { name: 'g', version: '1-r0', entries: [file('usr/bin/g', helloBytes, 0o755)] },
    });
    assert.ok(!plain.runtime.includes('openssl-config-fipshardened'));
  });

  it('kernels provide linux:<version> and modules depend on their vermagic', async () => {
    const bz = Buffer.alloc(0x1000);
    bz.write('HdrS', 514, 'latin1');
    bz.writeUInt16LE(0x100, 526);
    bz.write('6.12.57-example (builder@host) #1 SMP PREEMPT\0', 0x300, 'latin1');
    const zimage = Buffer.concat([
      Buffer.alloc(64, 1),
      gzipSync(Buffer.from('\0\0Linux version 6.6.1-arm (gcc 14) #1\n')),
    ]);
    const ko = Buffer.from(
      '\x7fELF....\0license=GPL\0vermagic=6.12.57-example SMP preempt mod_unload \0author=x\0',
      'latin1',
    );
    const r = await analyzePackage({
      tree: {
        name: 'linux',
        version: '6.12.57-r0',
        entries: [
          file('boot/vmlinuz', bz),
          file('boot/zImage', zimage),
          file('usr/lib/modules/6.12.57-example/kernel/fs/foo.ko', ko),
          file('usr/lib/modules/6.12.57-example/kernel/fs/bar.ko.gz', gzipSync(ko)),
          file('usr/share/doc/not-a-kernel', 'Linux version 1.0 (docs)\n'),
        ],
      },
    });
    assert.deepEqual(r.provides, ['linux:6.12.57-example', 'linux:6.6.1-arm']);
    assert.deepEqual(r.runtime, ['linux:6.12.57-example']);
  });
});
