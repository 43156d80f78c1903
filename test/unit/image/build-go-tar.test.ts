/**
 * Layer tar headers as Go's archive/tar writes them: USTAR with a prefix split for long names,
 * PAX (records sorted by key, a zero-mode, zero-time `PaxHeaders.0` header) only when USTAR cannot
 * hold the entry.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeHeader, readTar, tarEnd } from '../../../src/archive/index.js';
import { encodeGoEntry, splitUstarPath } from '../../../src/image/index.js';

const base = { type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 7 } as const;
const tarOf = (blocks: Buffer[]) => {
  const body = Buffer.concat(blocks);
  return Buffer.concat([body, tarEnd(body.length)]);
};

describe('Go tar headers', () => {
  test("splitUSTARPath splits at the last '/' that leaves a name of at most 100 bytes", () => {
    const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/file.txt`;
    assert.deepEqual(splitUstarPath(long), { prefix: `${'d'.repeat(60)}/${'e'.repeat(60)}`, suffix: 'file.txt' });
    assert.equal(splitUstarPath('short'), undefined);
    assert.equal(splitUstarPath(`dir/${'f'.repeat(101)}`), undefined, 'the last component alone is too long');
    assert.equal(splitUstarPath(`${'p'.repeat(160)}/x${'y'.repeat(40)}`), undefined, 'prefix over 155');
  });

  test('a long splittable name is one USTAR header with a prefix', () => {
    const name = `usr/lib/${'python3.12/site-packages/'.repeat(4)}module/__init__.py`;
    assert.ok(name.length > 100);
    const blocks = encodeGoEntry({ ...base, name, data: Buffer.from('x') });
    const h = decodeHeader(blocks[0] as Buffer, 0);
    assert.equal(h.typeflag, '0');
    assert.equal(h.name, '__init__.py');
    assert.equal(h.prefix, name.slice(0, name.lastIndexOf('/')));
    assert.equal(readTar(tarOf(blocks)).items[0]?.entry.name, name);
  });

  test('an entry USTAR cannot hold gets a PAX header: sorted records, mode/owner/mtime 0, Go name', () => {
    const name = `dir/${'f'.repeat(120)}`;
    const blocks = encodeGoEntry({
      ...base,
      type: 'symlink',
      name,
      uid: 5,
      linkname: 'l'.repeat(110),
      xattrs: { 'user.b': Buffer.from('2'), 'security.capability': Buffer.from('1') },
    });
    const x = decodeHeader(blocks[0] as Buffer, 0);
    assert.deepEqual(
      [x.typeflag, x.name, x.mode, x.uid, x.mtime],
      ['x', `dir/PaxHeaders.0/${'f'.repeat(120)}`.slice(0, 100), 0, 0, 0],
    );
    const keys = (blocks[1] as Buffer)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[1]?.split('=')[0]);
    assert.deepEqual(keys, ['SCHILY.xattr.security.capability', 'SCHILY.xattr.user.b', 'linkpath', 'path']);
    const item = readTar(tarOf(blocks)).items[0]?.entry;
    assert.equal(item?.name, name);
    assert.equal(item?.linkname, 'l'.repeat(110));
    assert.equal(item?.uid, 5);
    assert.equal(item?.xattrs['user.b']?.toString(), '2');
  });

  test('short names without xattrs need no PAX header', () => {
    assert.equal(encodeGoEntry({ ...base, type: 'dir', name: 'etc' }).length, 1);
  });
});
