import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  decide,
  emptyState,
  formatState,
  hashFolder,
  hashRecipeInputs,
  parseState,
  readStateFile,
  recipeFolder,
  writeStateFile,
} from '../../../src/distro/index.js';
import { assertCode, assertCodeSync } from '../../helpers/assert-code.js';
import { node } from './nodes.js';

const dir = mkdtempSync(join(tmpdir(), 'lupine-distro-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const record = {
  fullVersion: '1.0-r0',
  recipeHash: 'r',
  folderHash: 'f',
  against: { dep: { version: '2.0-r1', identity: 'Q1a' } },
  outputs: [{ name: 'x', version: '1.0-r0', identity: 'Q1x', path: 'x86_64/x-1.0-r0.apk' }],
};
const inputs = { recipeHash: 'r', folderHash: 'f' };
const dep = { name: 'dep', version: '2.0-r1', identity: 'Q1a' };

describe('distro incremental state', () => {
  it('decides, with the first reason in a fixed order', () => {
    const x = node('x');
    assert.deepEqual(decide(x, inputs, record, [dep], undefined), { build: false, reason: 'up to date' });
    assert.equal(decide(x, inputs, undefined, [dep], undefined).reason, 'never built');
    assert.equal(decide(x, inputs, record, [dep], undefined, true).reason, 'forced');
    assert.equal(
      decide(node('x', { fullVersion: '1.1-r0' }), inputs, record, [dep], undefined).reason,
      'version changed (1.0-r0 → 1.1-r0)',
    );
    assert.equal(decide(x, { ...inputs, recipeHash: 's' }, record, [dep], undefined).reason, 'recipe changed');
    assert.equal(decide(x, { ...inputs, folderHash: 'g' }, record, [dep], undefined).reason, 'recipe folder changed');
    assert.equal(
      decide(x, { ...inputs, hostPackages: 'libc6=2.36-9+deb12u15' }, record, [dep], undefined).reason,
      'host packages changed (now libc6=2.36-9+deb12u15)',
    );
    assert.equal(
      decide(x, inputs, { ...record, hostPackages: 'libc6=1' }, [dep], undefined).reason,
      'host packages changed (now none)',
    );
    assert.equal(
      decide(x, inputs, record, [{ ...dep, identity: 'Q1b' }], undefined).reason,
      'dependency dep-2.0-r1 changed identity',
    );
    assert.equal(
      decide(x, inputs, record, [{ ...dep, version: '2.1-r0' }], undefined).reason,
      'dependency dep-2.1-r0 changed identity',
    );
    assert.equal(
      decide(x, inputs, record, [{ ...dep, identity: undefined }], undefined).reason,
      'dependency dep is rebuilt first',
    );
    assert.equal(
      decide(x, inputs, record, [dep, { name: 'e', version: '1', identity: 'Q' }], undefined).reason,
      'new dependency e-1',
    );
    assert.equal(decide(x, inputs, record, [], undefined).reason, 'dependency dep went away');
    assert.equal(
      decide(x, inputs, record, [dep], 'x86_64/x-1.0-r0.apk').reason,
      'output missing (x86_64/x-1.0-r0.apk)',
    );
  });

  it('round-trips the state file, sorted and stable', async () => {
    const out = join(dir, 'out');
    assert.deepEqual(await readStateFile(out), emptyState());
    const state = { version: 1 as const, arches: { x86_64: { x: record } } };
    await writeStateFile(out, state);
    assert.deepEqual(await readStateFile(out), state);
    assert.equal(formatState(parseState(formatState(state))), formatState(state));
    assertCodeSync(() => parseState('{"version":2}'), 'DISTRO_BAD_STATE');
    writeFileSync(join(out, '.lupine-distro-state.json'), 'not json');
    await assertCode(() => readStateFile(out), 'DISTRO_BAD_STATE');
  });

  it('hashes a recipe folder by content, names, modes and links, not times', async () => {
    const recipe = join(dir, 'hello.yaml');
    writeFileSync(recipe, 'package: {}\n');
    assert.equal(recipeFolder(recipe), join(dir, 'hello'));
    assert.equal((await hashRecipeInputs(recipe)).folderHash, '');
    mkdirSync(join(dir, 'hello', 'src'), { recursive: true });
    writeFileSync(join(dir, 'hello', 'src', 'a.c'), 'int main(){}\n');
    const h1 = await hashFolder(join(dir, 'hello'));
    assert.match(h1, /^[0-9a-f]{64}$/);
    writeFileSync(join(dir, 'hello', 'src', 'a.c'), 'int main(){}\n');
    assert.equal(await hashFolder(join(dir, 'hello')), h1, 'rewriting the same bytes changes nothing');
    chmodSync(join(dir, 'hello', 'src', 'a.c'), 0o755);
    const h2 = await hashFolder(join(dir, 'hello'));
    assert.notEqual(h2, h1);
    symlinkSync('a.c', join(dir, 'hello', 'src', 'b.c'));
    const h3 = await hashFolder(join(dir, 'hello'));
    assert.notEqual(h3, h2);
    writeFileSync(join(dir, 'hello', 'src', 'a.c'), 'int main(){return 1;}\n');
    assert.notEqual(await hashFolder(join(dir, 'hello')), h3);
    const before = await hashRecipeInputs(recipe);
    writeFileSync(recipe, 'package: {x: 1}\n');
    assert.notEqual((await hashRecipeInputs(recipe)).recipeHash, before.recipeHash);
  });
});
