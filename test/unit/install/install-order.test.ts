import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyPackageInfo, type PackageInfo } from '../../../src/apk/index.js';
import { installOrder } from '../../../src/install/index.js';

const pkg = (name: string, depends: string[] = [], provides: string[] = []): { info: PackageInfo } => ({
  info: { ...emptyPackageInfo(name, '1-r0'), depends, provides },
});
const names = (xs: readonly { info: PackageInfo }[]) => xs.map((x) => x.info.name);

describe("apko's install order", () => {
  it('puts deeper dependencies first, in the order they are listed (go-apk’s own example)', () => {
    // A -> B -> C -> D and A -> C -> D gives D, C, B, A.
    const set = [pkg('A', ['B', 'C']), pkg('B', ['C']), pkg('C', ['D']), pkg('D')];
    assert.deepEqual(names(installOrder(['A'], set)), ['D', 'C', 'B', 'A']);
  });

  it('follows the world order and the listed dependency order, not names', () => {
    const set = [pkg('zlib'), pkg('app', ['zlib>=1', 'musl']), pkg('musl'), pkg('tool')];
    assert.deepEqual(names(installOrder(['tool', 'app'], set)), ['tool', 'zlib', 'musl', 'app']);
  });

  it('finds a dependency through what a package provides, and ignores conflicts', () => {
    const set = [pkg('sh-user', ['cmd:sh', '!nope']), pkg('busybox', [], ['cmd:sh=1.36'])];
    assert.deepEqual(names(installOrder(['sh-user'], set)), ['busybox', 'sh-user']);
  });

  it('survives a cycle and lists each package once', () => {
    const set = [pkg('x', ['y']), pkg('y', ['x', 'x'])];
    assert.deepEqual(names(installOrder(['x'], set)), ['y', 'x']);
  });

  it('appends what no world entry reaches (install_if), dependencies first, by name', () => {
    const set = [pkg('base'), pkg('docs-extra', ['man']), pkg('man'), pkg('a-extra')];
    assert.deepEqual(names(installOrder(['base', '!other'], set)), ['base', 'a-extra', 'man', 'docs-extra']);
  });
});
