/**
 * publishFiles / writeFileAtomic against a careless target: a file output given an existing
 * directory (`lupine sbom ROOT -o ~/project`) must be refused with nothing removed; it used to be
 * deleted recursively and replaced by the file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ownerTag, publishFiles, writeFileAtomic } from '../../../src/core/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { runCli } from '../../helpers/cli.js';
import { hashTree, tempRoot } from '../install/fixtures.js';

const base = tempRoot('publish');
after(() => rmSync(base, { recursive: true, force: true }));

function precious(name: string): string {
  const d = join(base, name);
  mkdirSync(join(d, 'sub'), { recursive: true });
  writeFileSync(join(d, 'sub', 'work'), 'precious\n');
  return d;
}

test('a file output onto an existing directory is IO_ERROR (EISDIR); the directory is untouched', async () => {
  const d = precious('dir-target');
  const before = hashTree(d);
  await assertCode(() => writeFileAtomic(d, 'text'), 'IO_ERROR');
  assert.equal(hashTree(d), before);
  assert.deepEqual(readdirSync(base).sort(), ['dir-target']);
});

test('nothing is published when one of several outputs is a directory', async () => {
  const d = precious('second');
  const first = join(base, 'first.txt');
  await assertCode(
    () =>
      publishFiles([
        { path: first, write: (tmp) => Promise.resolve(writeFileSync(tmp, 'a')) },
        { path: d, write: (tmp) => Promise.resolve(writeFileSync(tmp, 'b')) },
      ]),
    'IO_ERROR',
  );
  assert.deepEqual(readdirSync(base).sort(), ['dir-target', 'second']);
  assert.equal(readFileSync(join(d, 'sub', 'work'), 'utf8'), 'precious\n');
});

test('lupine sbom ROOT -o DIR refuses instead of deleting DIR', async () => {
  const root = join(base, 'root');
  mkdirSync(root);
  const d = precious('project');
  const r = await runCli(['sbom', root, '-o', d]);
  assert.notEqual(r.code, 0, r.stderr);
  assert.match(r.stderr, /IO_ERROR/);
  assert.equal(readFileSync(join(d, 'sub', 'work'), 'utf8'), 'precious\n');
});

test('a temporary left by a killed run (owner gone) is swept by the next publish; a live one is kept', async () => {
  const d = join(base, 'stale-tmp');
  mkdirSync(d, { recursive: true });
  const me = await ownerTag();
  assert.ok(me !== undefined, '/proc is readable here');
  // Our pid with another start time: a process that is certainly gone (SIGKILL between write and rename).
  const dead = me.replace(/-\d+$/, '-1');
  const stale = `.out.json.${dead}.0123456789ab.tmp`;
  const live = `.out.json.${me}.0123456789ab.tmp`;
  const other = `.other.json.${dead}.0123456789ab.tmp`;
  for (const n of [stale, live, other]) writeFileSync(join(d, n), 'partial');
  mkdirSync(join(d, `.out.json.${dead}.abcdef012345.tmp`, 'sub'), { recursive: true });
  await writeFileAtomic(join(d, 'out.json'), '{}\n');
  assert.deepEqual(readdirSync(d).sort(), [live, other, 'out.json'].sort());
});
