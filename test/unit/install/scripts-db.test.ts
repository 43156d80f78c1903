import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readTar } from '../../../src/archive/index.js';
import { formatScriptsTar, parseScriptsTar, splitScriptName } from '../../../src/install/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';

describe('scripts.tar', () => {
  for (const file of [vector('apk', 'db', 'scripts.tar'), vector('apk-tools-out', 'root-replayout', 'scripts.tar')]) {
    it(`round-trips ${file.split('/vectors/')[1]} byte for byte`, () => {
      const bytes = readFileSync(file);
      const entries = parseScriptsTar(bytes);
      assert.ok(formatScriptsTar(entries).equals(bytes));
    });
  }

  it('splits names at the last two dots, even with / in the id', () => {
    const entries = parseScriptsTar(readFileSync(vector('apk', 'db', 'scripts.tar')));
    assert.equal(entries.length, 7);
    const e = entries[3];
    assert.deepEqual(
      [e?.pkgver, e?.identity, e?.type],
      ['alpine-baselayout-3.2.0-r22', 'Q1PGxwzLd7SQ/SZjUGrncnpjjtpKY=', 'pre-install'],
    );
    assert.equal(splitScriptName('nodots'), undefined);
    assert.deepEqual(splitScriptName('a-1.X1abcdef.trigger'), { pkgver: 'a-1', identity: 'X1abcdef', type: 'trigger' });
  });

  it('writes a GNU long name for names over 99 bytes and ends with exactly 2 zero blocks', () => {
    const base = {
      identity: 'Q1PGxwzLd7SQ/SZjUGrncnpjjtpKY=',
      type: 'post-install',
      mode: 0o755,
      uid: 0,
      gid: 0,
      mtime: 5,
    };
    const short = { ...base, pkgver: `${'s'.repeat(99 - 46)}-1`, data: Buffer.from('#!/bin/sh\n') };
    const long = { ...base, pkgver: `${'x'.repeat(120)}-1.0-r0`, data: Buffer.from('#!/bin/sh\nexit 0\n') };
    const bytes = formatScriptsTar([short, long]);
    // short (exactly 99 bytes): header + 1 data block; long: L header + name block + header + data block; 2 zero blocks
    assert.equal(bytes.length, 512 * (2 + 4 + 2));
    assert.equal(
      bytes.subarray(bytes.length - 1024).every((b) => b === 0),
      true,
    );
    assert.equal(bytes.subarray(1024 + 156, 1024 + 157).toString(), 'L');
    const back = parseScriptsTar(bytes);
    assert.deepEqual(
      back.map((e) => [e.pkgver, e.data.toString()]),
      [
        [short.pkgver, '#!/bin/sh\n'],
        [long.pkgver, '#!/bin/sh\nexit 0\n'],
      ],
    );
    assert.equal(readTar(bytes).items[1]?.entry.name.length, 120 + 7 + 1 + 30 + 1 + 12);
  });

  it('refuses a damaged scripts.tar', () => {
    const bytes = Buffer.from(readFileSync(vector('apk', 'db', 'scripts.tar')));
    bytes[148] = 0x31;
    assertCodeSync(() => parseScriptsTar(bytes), 'DB_MALFORMED');
  });
});
