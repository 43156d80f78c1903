import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isLupineError } from '../../../src/core/index.js';
import { isElf, parseElf } from '../../../src/pkg/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';

/** The ELF reader against gcc output, with readelf (binutils) as the oracle. */
const work = mkdtempSync(join(tmpdir(), 'lupine-elf-'));
after(() => rmSync(work, { recursive: true, force: true }));
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: work, encoding: 'utf8' });

let lib: Buffer;
let exe: Buffer;
let stat: Buffer;

before(() => {
  writeFileSync(join(work, 'greet.c'), 'const char *greet(void) { return "hello"; }\n');
  writeFileSync(join(work, 'main.c'), 'const char *greet(void);\nint main(void) { return greet()[0] == 0; }\n');
  sh('gcc', ['-shared', '-fPIC', '-Wl,-soname,libgreet.so.1', '-o', 'libgreet.so.1.0', 'greet.c']);
  sh('ln', ['-s', 'libgreet.so.1.0', 'libgreet.so']);
  sh('gcc', ['-o', 'main', 'main.c', '-L.', '-lgreet', '-Wl,-rpath,/opt/greet/lib']);
  sh('gcc', ['-static', '-o', 'static', 'main.c', 'greet.c']);
  lib = readFileSync(join(work, 'libgreet.so.1.0'));
  exe = readFileSync(join(work, 'main'));
  stat = readFileSync(join(work, 'static'));
});

/** readelf -d's [NEEDED], [SONAME], [RPATH], [RUNPATH] values. */
function readelfDynamic(name: string): Record<string, string[]> {
  const out: Record<string, string[]> = { NEEDED: [], SONAME: [], RPATH: [], RUNPATH: [] };
  for (const m of sh('readelf', ['-dW', name]).matchAll(/\((NEEDED|SONAME|RPATH|RUNPATH)\)\s+[^[]*\[([^\]]*)\]/g)) {
    (out[m[1] as string] as string[]).push(m[2] as string);
  }
  return out;
}

describe('ELF reader', () => {
  it('reads an executable like readelf does', () => {
    const e = parseElf(exe, 'main');
    const d = readelfDynamic('main');
    assert.deepEqual(e.needed, d.NEEDED);
    assert.deepEqual([...e.needed].sort(), ['libc.so.6', 'libgreet.so.1']);
    assert.deepEqual(e.soname, []);
    assert.deepEqual([...e.runpath, ...e.rpath], ['/opt/greet/lib']);
    assert.deepEqual(e.runpath, d.RUNPATH);
    assert.deepEqual(e.rpath, d.RPATH);
    const interp = /Requesting program interpreter: ([^\]]+)\]/.exec(sh('readelf', ['-l', 'main']))?.[1];
    assert.equal(e.interpreter, interp);
    assert.equal(e.class, 64);
    assert.equal(e.endian, 'little');
    const header = sh('readelf', ['-hW', 'main']);
    assert.match(header, new RegExp(`Type:\\s+${e.type === 'dyn' ? 'DYN' : 'EXEC'}`));
    assert.equal(e.isStatic, false);
    assert.ok(e.sections.includes('.dynamic'));
  });

  it('reads a shared library SONAME', () => {
    const e = parseElf(lib, 'libgreet.so.1.0');
    assert.deepEqual(e.soname, ['libgreet.so.1']);
    assert.deepEqual(e.needed, readelfDynamic('libgreet.so.1.0').NEEDED);
    assert.equal(e.type, 'dyn');
    assert.equal(e.interpreter, undefined);
    assert.equal(e.isStatic, false);
  });

  it('knows a static binary', () => {
    const e = parseElf(stat, 'static');
    assert.equal(e.isStatic, true);
    assert.deepEqual(e.needed, []);
    assert.equal(e.interpreter, undefined);
  });

  it('reads a big-endian 32-bit object without section headers (PT_DYNAMIC fallback)', () => {
    const e = parseElf(tinyElf32be(), 'tiny');
    assert.equal(e.class, 32);
    assert.equal(e.endian, 'big');
    assert.equal(e.machine, 8);
    assert.equal(e.type, 'exec');
    assert.equal(e.interpreter, '/lib/ld.so.1');
    assert.deepEqual(e.needed, ['libc.so.6', 'libm.so.6']);
    assert.deepEqual(e.soname, []);
  });

  it('refuses truncated and corrupted files with ELF_MALFORMED, never another error', () => {
    assertCodeSync(() => parseElf(exe.subarray(0, 40), 'short'), 'ELF_MALFORMED');
    assertCodeSync(() => parseElf(exe.subarray(0, exe.length - 1), 'cut'), 'ELF_MALFORMED');
    assertCodeSync(() => parseElf(Buffer.from('#!/bin/sh\n'), 'script'), 'ELF_MALFORMED');
    assert.equal(isElf(Buffer.from('#!/bin/sh\n')), false);
    const bad = Buffer.from(exe);
    bad[4] = 9;
    assertCodeSync(() => parseElf(bad, 'class'), 'ELF_MALFORMED');
    // Every prefix length around the headers, and deterministic byte flips: a LupineError or a result.
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    let refused = 0;
    const cases: Buffer[] = [];
    for (let n = 0; n < 200; n++) cases.push(lib.subarray(0, n));
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(lib);
      for (let k = 0; k < 4; k++) b[64 + (rand() % 200)] = rand() % 256; // the program headers
      for (let k = 0; k < 4; k++) b[b.length - 1 - (rand() % 2048)] = rand() % 256; // the section headers
      cases.push(b);
    }
    for (const c of cases) {
      try {
        parseElf(c, 'fuzz');
      } catch (err) {
        assert.ok(isLupineError(err, 'ELF_MALFORMED'), `unexpected ${String(err)}`);
        refused++;
      }
    }
    assert.ok(refused >= 200, `expected every truncated prefix to be refused, got ${refused}`);
  });
});

/** A 32-bit big-endian MIPS executable: PT_INTERP, PT_LOAD, PT_DYNAMIC; no section headers. */
function tinyElf32be(): Buffer {
  const strtab = Buffer.from('\0libc.so.6\0libm.so.6\0');
  const interp = Buffer.from('/lib/ld.so.1\0');
  const phoff = 52;
  const phnum = 3;
  const interpOff = phoff + phnum * 32;
  const strOff = interpOff + interp.length;
  const dynOff = strOff + strtab.length + ((4 - ((strOff + strtab.length) % 4)) % 4);
  const dyn = [
    [1, 1],
    [1, 11],
    [5, 0x1000 + strOff],
    [10, strtab.length],
    [0, 0],
  ];
  const size = dynOff + dyn.length * 8;
  const b = Buffer.alloc(size);
  b.set([0x7f, 0x45, 0x4c, 0x46, 1, 2, 1], 0);
  b.writeUInt16BE(2, 16); // ET_EXEC
  b.writeUInt16BE(8, 18); // EM_MIPS
  b.writeUInt32BE(1, 20);
  b.writeUInt32BE(phoff, 28);
  b.writeUInt32BE(0, 32); // no section headers
  b.writeUInt16BE(52, 40);
  b.writeUInt16BE(32, 42);
  b.writeUInt16BE(phnum, 44);
  b.writeUInt16BE(40, 46);
  const ph = (i: number, type: number, off: number, vaddr: number, filesz: number) => {
    const o = phoff + i * 32;
    b.writeUInt32BE(type, o);
    b.writeUInt32BE(off, o + 4);
    b.writeUInt32BE(vaddr, o + 8);
    b.writeUInt32BE(vaddr, o + 12);
    b.writeUInt32BE(filesz, o + 16);
    b.writeUInt32BE(filesz, o + 20);
  };
  ph(0, 3, interpOff, 0x1000 + interpOff, interp.length);
  ph(1, 1, 0, 0x1000, size);
  ph(2, 2, dynOff, 0x1000 + dynOff, dyn.length * 8);
  interp.copy(b, interpOff);
  strtab.copy(b, strOff);
  dyn.forEach(([t, v], i) => {
    b.writeUInt32BE(t as number, dynOff + i * 8);
    b.writeUInt32BE(v as number, dynOff + i * 8 + 4);
  });
  return b;
}
