import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeTar, type TarWriteEntry } from '../../../src/archive/index.js';
import {
  countLicenses,
  escapeHtml,
  formatBytes,
  formatCount,
  LayerTree,
  licenseIds,
  resolveUser,
  shortLabel,
} from '../../../src/report/index.js';

const file = (name: string, text: string): TarWriteEntry => ({
  name,
  type: 'file',
  mode: 0o644,
  mtime: 0,
  data: Buffer.from(text),
});
const link = (name: string, linkname: string): TarWriteEntry => ({
  name,
  type: 'symlink',
  mode: 0o777,
  mtime: 0,
  linkname,
});
const dir = (name: string): TarWriteEntry => ({ name: `${name}/`, type: 'dir', mode: 0o755, mtime: 0 });
const tar = (entries: TarWriteEntry[]) => writeTar(entries, { dialect: 'ustar' });

describe('report text', () => {
  it('formatBytes: binary units, three significant digits', () => {
    assert.deepEqual([0, 1023, 1024, 1536, 10 * 1024 + 512, 130_023_424, 5 * 1024 ** 3].map(formatBytes), [
      '0 B',
      '1023 B',
      '1.00 KiB',
      '1.50 KiB',
      '10.5 KiB',
      '124 MiB',
      '5.00 GiB',
    ]);
  });
  it('formatCount, escapeHtml, shortLabel', () => {
    assert.equal(formatCount(1234567), '1,234,567');
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    assert.equal(shortLabel('abcdefghij', 5), '…ghij');
    assert.equal(shortLabel('abc', 5), 'abc');
  });
});

describe('licenses', () => {
  it('counts each SPDX id of an expression once per package, most first', () => {
    const counts = countLicenses([
      'MIT',
      'mit AND Apache-2.0',
      'GPL-2.0-or-later OR MIT',
      'MIT AND MIT',
      '',
      'Public Domain',
      'GPL-2.0+',
    ]);
    assert.deepEqual(counts, [
      { license: 'MIT', spdx: true, packages: 4 },
      { license: 'Apache-2.0', spdx: true, packages: 1 },
      { license: 'GPL-2.0+', spdx: true, packages: 1 },
      { license: 'GPL-2.0-or-later', spdx: true, packages: 1 },
      { license: 'NOASSERTION', spdx: false, packages: 1 },
      { license: 'Public Domain', spdx: false, packages: 1 },
    ]);
  });
  it('licenseIds: leaves of an expression, else the whole text', () => {
    assert.deepEqual(licenseIds('Apache-2.0 WITH LLVM-exception OR LicenseRef-foo'), [
      { license: 'Apache-2.0', spdx: true },
      { license: 'LicenseRef-foo', spdx: true },
    ]);
    assert.deepEqual(licenseIds('BSD'), [{ license: 'BSD', spdx: false }]);
    assert.deepEqual(licenseIds('custom (see COPYING'), [{ license: 'custom (see COPYING', spdx: false }]);
    assert.deepEqual(licenseIds('  '), [{ license: 'NOASSERTION', spdx: false }]);
  });
});

describe('resolveUser', () => {
  const passwd =
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/bin/false\nbroken line\n';
  it('a uid gets its name from etc/passwd, a name its uid; empty is root', () => {
    assert.deepEqual(resolveUser('65532', passwd), { configured: '65532', name: 'nonroot', uid: '65532', root: false });
    assert.deepEqual(resolveUser('nonroot:nonroot', passwd), {
      configured: 'nonroot:nonroot',
      name: 'nonroot',
      uid: '65532',
      root: false,
    });
    assert.deepEqual(resolveUser('', undefined), { configured: '', name: 'root', uid: '0', root: true });
    assert.deepEqual(resolveUser('0:0', passwd), { configured: '0:0', name: 'root', uid: '0', root: true });
  });
  it('what etc/passwd does not know stays unknown', () => {
    assert.deepEqual(resolveUser('1000', passwd), { configured: '1000', name: '', uid: '1000', root: false });
    assert.deepEqual(resolveUser('app', undefined), { configured: 'app', name: 'app', uid: '', root: false });
    assert.equal(resolveUser('root', undefined).root, true);
  });
});

describe('LayerTree', () => {
  const lower = tar([
    dir('bin'),
    file('bin/busybox', 'x'.repeat(1000)),
    link('bin/sh', 'busybox'),
    dir('etc'),
    file('etc/passwd', 'root:x:0:0::/root:/bin/sh\n'),
    dir('opt'),
    file('opt/a', 'a'.repeat(100)),
    file('opt/b', 'b'.repeat(50)),
    file('big', 'z'.repeat(4000)),
  ]);

  it('sums regular files; symlinks and directories add nothing', async () => {
    const t = new LayerTree();
    t.add(lower);
    assert.equal(t.unpackedSize(), 1000 + 26 + 150 + 4000);
    assert.deepEqual(await t.shells(), ['/bin/sh']);
    assert.equal((await t.read('etc/passwd'))?.toString(), 'root:x:0:0::/root:/bin/sh\n');
  });

  it('whiteouts and opaque directories remove lower files; hard links count once', async () => {
    const t = new LayerTree();
    t.add(lower);
    t.add(
      tar([
        file('.wh.big', ''),
        file('bin/.wh.busybox', ''),
        dir('opt'),
        file('opt/.wh..wh..opq', ''),
        file('opt/c', 'c'.repeat(7)),
        { name: 'opt/c2', type: 'hardlink', mode: 0o644, mtime: 0, linkname: 'opt/c' },
        dir('usr'),
        dir('usr/bin'),
        file('usr/bin/bash', 'b'.repeat(300)),
        link('bin/bash', '/usr/bin/bash'),
      ]),
    );
    assert.equal(t.unpackedSize(), 26 + 7 + 300);
    // /bin/sh now dangles (busybox is gone); /bin/bash resolves through an absolute symlink.
    assert.deepEqual(await t.shells(), ['/bin/bash', '/usr/bin/bash']);
  });

  it('a symlinked /bin (usrmerge) and a file replacing a directory', async () => {
    const t = new LayerTree();
    t.add(
      tar([link('bin', 'usr/bin'), dir('usr'), dir('usr/bin'), file('usr/bin/dash', 'd'), dir('x'), file('x/y', 'yy')]),
    );
    assert.deepEqual(await t.shells(), ['/bin/dash', '/usr/bin/dash']);
    t.add(tar([file('x', 'xxx')]));
    assert.equal(t.unpackedSize(), 1 + 3);
  });
});
