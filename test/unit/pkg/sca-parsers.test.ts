import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  goFipsDepends,
  goSupportsLibcrypto4,
  mergeDependencies,
  parsePkgConfig,
  readShebang,
  removeSelfProvided,
  sonameLibver,
} from '../../../src/pkg/index.js';

describe('SCA helpers', () => {
  it("reads shebangs as melange's getShbang does (its test table)", () => {
    const cases: Array<[string, string | undefined, RegExp?]> = [
      ['#!/usr/bin/env bash\n', 'bash'],
      ['#!/usr/bin/env python3.12\nwith open...\n', 'python3.12'],
      ['#!/bin/sh\necho hi world\n', undefined],
      ['#!/bin/dash\necho hi world\n', '/bin/dash'],
      ['#!/usr/bin/env -S bash -x\necho hi world\n', 'bash'],
      ['#!/usr/bin/env bash -x\necho hi world\n', undefined, /multiple arguments/],
      ['cs101 assignment', undefined],
      ['#!/usr/bin/perl', '/usr/bin/perl'],
      ['#!   \n', undefined],
      ['#!\t\n', undefined],
      ['#!\n', undefined],
      ['#!/usr/bin/env\n', undefined, /only '\/usr\/bin\/env'/],
      ['#!/usr/bin/awk -f\n', undefined],
    ];
    for (const [text, want, err] of cases) {
      const r = readShebang(Buffer.from(text));
      if (err) {
        assert.ok(r !== undefined && 'error' in r, text);
        assert.match(r.error, err);
      } else {
        assert.deepEqual(r, want === undefined ? undefined : { interpreter: want }, text);
      }
    }
  });

  it('looks at the first 80 bytes only', () => {
    assert.deepEqual(readShebang(Buffer.from(`#!/usr/bin/env ${'x'.repeat(70)}yz\n`)), { interpreter: 'x'.repeat(65) });
  });

  it('parses pkg-config files with variables and dependency lists', () => {
    const pc = parsePkgConfig(
      `# comment\nprefix=/usr\nlibdir=\${prefix}/lib\n\nName: zz\nversion: 1.2\nRequires: a >= 1, b,c\nRequires.private: d < 3 e\nLibs: -L\${libdir}\n`,
    );
    assert.ok(pc);
    assert.equal(pc.name, 'zz');
    assert.equal(pc.version, '1.2');
    assert.equal(pc.vars.libdir, '/usr/lib');
    assert.deepEqual(pc.requires, [
      { identifier: 'a', operator: '>=', version: '1' },
      { identifier: 'b' },
      { identifier: 'c' },
    ]);
    assert.deepEqual(pc.requiresPrivate, [{ identifier: 'd', operator: '<', version: '3' }, { identifier: 'e' }]);
    assert.equal(parsePkgConfig('this is not pkg-config\n'), undefined);
  });

  it('computes so: provide versions like melange', () => {
    assert.equal(sonameLibver('libfoo.so.1'), '1');
    assert.equal(sonameLibver('libfoo.so.1.2.3'), '1.2.3');
    assert.equal(sonameLibver('libaws-c-s3.so.0unstable'), '0');
    assert.equal(sonameLibver('libfoo.so'), '0');
  });

  it('removes self-provided depends (so-ver: compared without its >=version, as melange does)', () => {
    assert.deepEqual(
      removeSelfProvided(['so:libz.so.1', 'so:libc.so.6', 'cmd:sh'], ['so:libz.so.1=1', 'cmd:sh=1-r0']),
      ['so:libc.so.6'],
    );
    assert.deepEqual(removeSelfProvided(['so-ver:libz.so.1>=1.3-r0'], ['so-ver:libz.so.1=1.3-r0']), []);
    const merged = mergeDependencies(
      { runtime: ['b', 'a'], provides: ['x=1'] },
      { runtime: ['so:libv.so.1', 'x', 'c'], provides: ['so:libq.so.2=2'], vendored: ['so:libv.so.1=1'] },
    );
    assert.deepEqual(merged, {
      runtime: ['a', 'b', 'c'],
      provides: ['so:libq.so.2=2', 'x=1'],
      vendored: ['so:libv.so.1=1'],
    });
  });

  it("knows which go-msft toolchains have libcrypto.so.4 (melange's table)", () => {
    const table: Array<[string, boolean]> = [
      ['', false],
      ['go-1.27-1.27.1-r0', false],
      ['go-geomys-1.27-1.27.1-r0', false],
      ['go-msft-1.26-1.26.5.1-r3', false],
      ['go-msft-1.27-1.27.1.1-r9', false],
      ['go-msft-1.27-1.27.1.2-r0', false],
      ['go-msft-1.27-1.27.1.2-r1', true],
      ['go-msft-1.27-1.27.1.2-r2', true],
      ['go-msft-1.27-1.27.1.3-r0', true],
      ['go-msft-1.27-1.27.2.1-r0', true],
      ['go-msft-1.28-1.28.0.1-r0', true],
      ['go-msft-1.30-1.30.0.1-r0', true],
      ['go-msft-garbage', false],
    ];
    for (const [pkg, want] of table) assert.equal(goSupportsLibcrypto4(pkg), want, pkg);
  });

  it('derives the FIPS depends of Go binaries from their build settings', () => {
    const deps = (settings: Record<string, string>) => goFipsDepends({ goVersion: 'go1.27', settings });
    assert.deepEqual(deps({ CGO_ENABLED: '1', GOEXPERIMENT: 'boringcrypto' }), [
      'openssl-config-fipshardened',
      'so:libcrypto.so.3',
    ]);
    assert.deepEqual(deps({ CGO_ENABLED: '0', GOEXPERIMENT: 'boringcrypto' }), []);
    assert.deepEqual(
      deps({ chainguard_cryptographic_module: 'openssl+geomys', chainguard_go_package: 'go-msft-1.28-1.28.0.1-r0' }),
      ['openssl-config-fipshardened', 'so:libcrypto.so.4'],
    );
    assert.deepEqual(
      deps({
        chainguard_cryptographic_module: 'geomys',
        chainguard_entropy_source: 'geomys',
        GOFIPS140: 'v1.0.0-c2097c7c',
      }),
      ['NIST-CMVP-5247', 'NIST-ESV-318'],
    );
  });
});
