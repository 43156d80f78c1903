/**
 * Issue 11 finding 10: a 3 MB package inflating to 3 GiB. `verify`, `inspect` and `apk add` must stay
 * under 256 MiB peak RSS (the child's VmHWM, polled from /proc) and fail with LIMIT_EXCEEDED, the root
 * unchanged; a device such as /dev/zero is refused rather than read without end.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateRsaKeyPair, parsePrivateKey } from '../../src/apk/index.js';
import { assemblePackage, pkginfoText, zeroBombMember } from '../helpers/hostile-packages.js';
import { MiB, measurePeakRss as measure, RSS_LIMIT } from '../helpers/peak-rss.js';
import { hashTree, tempRoot } from '../unit/install/fixtures.js';

describe('a gzip bomb package (issue 11 finding 10)', () => {
  const base = tempRoot('bomb');
  const keys = join(base, 'keys');
  const bomb = join(base, 'bomb-1.0-r0.apk');

  before(async () => {
    mkdirSync(keys);
    const pair = await generateRsaKeyPair(2048);
    writeFileSync(join(keys, 'bomb.rsa.pub'), pair.publicPem);
    const signingKey = { key: parsePrivateKey(pair.privatePem, 'bomb.rsa'), keyName: 'bomb.rsa.pub' };
    const data = await zeroBombMember('usr/share/bomb/zeros', 3 * 1024 * MiB);
    // It declares 4 KiB installed: the data member inflates to 3 GiB.
    writeFileSync(bomb, assemblePackage({ pkginfo: pkginfoText('bomb', '1.0-r0', 4096), data, signingKey }));
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('is about 3 MB on disk', () => {
    const size = readFileSync(bomb).length;
    assert.ok(size > 2 * MiB && size < 4 * MiB, `${size} bytes`);
  });

  it('lupine verify: LIMIT_EXCEEDED under 256 MiB RSS', async (t) => {
    const r = await measure(['verify', '--keys-dir', keys, bomb]);
    t.diagnostic(`verify peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.ok(r.peakRss > 0, 'the peak RSS was read');
    assert.ok(r.peakRss < RSS_LIMIT, `peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /\[LIMIT_EXCEEDED\]/);
  });

  it('lupine inspect: LIMIT_EXCEEDED under 256 MiB RSS', async (t) => {
    const r = await measure(['inspect', bomb]);
    t.diagnostic(`inspect peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.ok(r.peakRss < RSS_LIMIT, `peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /LIMIT_EXCEEDED/);
    assert.doesNotMatch(r.stderr, /internal error/);
  });

  it('lupine apk add ./bomb.apk: LIMIT_EXCEEDED under 256 MiB RSS, the root unchanged', async (t) => {
    const root = join(base, 'root');
    mkdirSync(root);
    const init = await measure(['apk', '--root', root, '--initdb', '--keys-dir', keys, 'add']);
    assert.equal(init.code, 0, init.stderr);
    const before = hashTree(root);
    const r = await measure(['apk', '--root', root, '--keys-dir', keys, 'add', bomb]);
    t.diagnostic(`apk add peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.ok(r.peakRss < RSS_LIMIT, `peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /LIMIT_EXCEEDED/);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.equal(hashTree(root), before);
  });

  it('lupine verify /dev/zero and a directory: refused as not regular files, without reading them', async () => {
    const r = await measure(['verify', '--keys-dir', keys, '/dev/zero', base]);
    assert.ok(r.peakRss < RSS_LIMIT, `peak RSS ${Math.round(r.peakRss / MiB)} MiB`);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /\/dev\/zero: .*not a regular file/);
  });
});
