import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  checkJobData,
  INLINE_INPUTS_MAX,
  jobIdFor,
  packInputs,
  redactRedisUrl,
  redisUrlOf,
  unpackInputs,
} from '../../../src/cluster/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';

const dir = mkdtempSync(join(tmpdir(), 'lupine-cluster-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('redis URL', () => {
  it('comes from --redis, else LUPINE_REDIS_URL; anything else is a usage error', () => {
    assert.equal(redisUrlOf('redis://h:1', {}), 'redis://h:1');
    assert.equal(redisUrlOf(undefined, { LUPINE_REDIS_URL: 'rediss://h:2' }), 'rediss://h:2');
    assertCodeSync(() => redisUrlOf(undefined, {}), 'USAGE');
    assertCodeSync(() => redisUrlOf('http://h:1', {}), 'USAGE');
    assertCodeSync(() => redisUrlOf('not a url', {}), 'USAGE');
  });

  it('never shows the password', () => {
    assert.equal(redactRedisUrl('redis://user:pw-secret@h:6379'), 'redis://user:***@h:6379');
    assert.equal(redactRedisUrl('rediss://:pw-secret@h:6380/1'), 'rediss://:***@h:6380/1');
    assert.equal(redactRedisUrl('redis://h:6379'), 'redis://h:6379');
    try {
      redisUrlOf('http://:pw-secret@h:1', {});
      assert.fail('no error');
    } catch (err) {
      assert.doesNotMatch((err as Error).message, /pw-secret/);
    }
  });
});

describe('job ids', () => {
  it('are one per recipe identity and store, and valid BullMQ ids', () => {
    const a = jobIdFor('r:5000/x', 'ab');
    assert.equal(jobIdFor('r:5000/x', 'ab'), a);
    assert.notEqual(jobIdFor('r:5000/y', 'ab'), a);
    assert.notEqual(jobIdFor('r:5000/x', 'ac'), a);
    assert.doesNotMatch(a, /:/);
  });
});

describe('input bundles', () => {
  it('carry the recipe, its folder and the tree pipelines, byte for byte, and the same inputs give the same bytes', async () => {
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'foo', 'patches'), { recursive: true });
    mkdirSync(join(tree, 'pipelines'));
    mkdirSync(join(tree, 'other'));
    writeFileSync(join(tree, 'foo.yaml'), 'package: {name: foo}\n');
    writeFileSync(join(tree, 'foo', 'patches', 'a.patch'), Buffer.from([0, 1, 2, 255]));
    writeFileSync(join(tree, 'foo', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(tree, 'pipelines', 'p.yaml'), 'pipeline: []\n');
    writeFileSync(join(tree, 'other', 'not-mine'), 'x');
    writeFileSync(join(tree, 'bar.yaml'), 'package: {name: bar}\n');
    const bundle = await packInputs(join(tree, 'foo.yaml'));
    assert.ok(bundle.equals(await packInputs(join(tree, 'foo.yaml'))));
    const out = join(dir, 'out');
    await unpackInputs(bundle, out);
    assert.equal(readFileSync(join(out, 'foo.yaml'), 'utf8'), 'package: {name: foo}\n');
    assert.deepEqual([...readFileSync(join(out, 'foo', 'patches', 'a.patch'))], [0, 1, 2, 255]);
    assert.equal(readFileSync(join(out, 'pipelines', 'p.yaml'), 'utf8'), 'pipeline: []\n');
    assert.throws(() => readFileSync(join(out, 'bar.yaml')), /ENOENT/);
    assert.throws(() => readFileSync(join(out, 'other', 'not-mine')), /ENOENT/);
  });

  it('refuses an entry that leaves its directory, and a blob that is not a bundle', async () => {
    const evil = Buffer.from(JSON.stringify({ version: 1, entries: [{ path: '../escape', type: 'file', data: '' }] }));
    await assert.rejects(
      unpackInputs(evil, join(dir, 'evil')),
      (e: unknown) => (e as { code?: string }).code === 'CLUSTER_STORE_INVALID',
    );
    await assert.rejects(
      unpackInputs(Buffer.from('nope'), join(dir, 'nope')),
      (e: unknown) => (e as { code?: string }).code === 'CLUSTER_STORE_INVALID',
    );
  });
});

describe('hostile input bundles', () => {
  const bundle = (entries: unknown[]) => Buffer.from(JSON.stringify({ version: 1, entries }));
  const refused = (e: unknown) => (e as { code?: string }).code === 'CLUSTER_STORE_INVALID';

  it('refuses a link that points out of its directory, and writing through a link', async () => {
    const outside = join(dir, 'outside');
    mkdirSync(outside, { recursive: true });
    const cases: Array<[string, unknown[]]> = [
      [
        'an absolute link, then a file written through it',
        [
          { path: 'x', type: 'symlink', target: outside },
          { path: 'x/pwn', type: 'file', data: 'cHdu' },
        ],
      ],
      [
        'a link inside lexically whose parent is a link one level up: written through, it escapes',
        [
          { path: 'a', type: 'dir' },
          { path: 'a/b', type: 'symlink', target: '..' },
          { path: 'y', type: 'symlink', target: 'a/b/..' },
          { path: 'y/pwn', type: 'file', data: 'cHdu' },
        ],
      ],
      [
        'a file named twice: the second write would follow what the first made',
        [
          { path: 'l', type: 'symlink', target: 'f' },
          { path: 'l', type: 'file', data: 'cHdu' },
        ],
      ],
      [
        'a link through a link made after it: each inside lexically, together out',
        [
          { path: 'a', type: 'dir' },
          { path: 'a/b', type: 'symlink', target: '..' },
          { path: 'y', type: 'symlink', target: 'z/..' },
          { path: 'z', type: 'symlink', target: 'a/b' },
        ],
      ],
    ];
    for (const [i, [what, entries]] of cases.entries()) {
      await assert.rejects(unpackInputs(bundle(entries), join(dir, `h${i}`)), refused, what);
    }
    assert.deepEqual(readdirSync(outside), []);
    assert.throws(() => readFileSync(join(dir, 'pwn')), /ENOENT/);
  });
});

describe('job data from Redis', () => {
  const good = (): Record<string, unknown> => ({
    name: 'foo',
    arch: 'x86_64',
    identity: 'a'.repeat(64),
    store: '127.0.0.1:5000/distro',
    file: 'foo.yaml',
    node: {
      name: 'foo',
      fullVersion: '1.0-r0',
      runner: 'bubblewrap',
      packages: ['foo', 'foo-dev'],
      provides: ['so:libfoo.so.1'],
      buildNeeds: ['busybox'],
      testNeeds: [],
      runtimeNeeds: ['cmd:sh'],
    },
    inputs: { inline: 'e30=' },
    needs: [{ name: 'bar', identity: 'b'.repeat(64), packages: [{ file: 'bar-1.0-r0.apk', sha256: 'd'.repeat(64) }] }],
    test: true,
    sourceDateEpoch: 0,
  });

  it('is taken as it is when every field is sound', () => {
    assert.deepEqual(checkJobData(good()), good());
  });

  it('is refused field by field: paths out of the work directory, bad identities, digests, runners, sizes', () => {
    const need = (good().needs as unknown[])[0] as Record<string, unknown>;
    const bad: Array<[string, (d: Record<string, unknown>) => void]> = [
      ['file with a separator', (d) => (d.file = '../../etc/cron.d/x.yaml')],
      ['file that is not a recipe', (d) => (d.file = 'foo.sh')],
      ['dot name', (d) => (d.name = '..')],
      ['name with a separator', (d) => (d.name = 'a/b')],
      ['arch with a separator', (d) => (d.arch = '../x')],
      ['identity not hex', (d) => (d.identity = '../../x')],
      ['need identity', (d) => (d.needs = [{ ...need, identity: 'latest' }])],
      ['need without packages', (d) => (d.needs = [{ name: 'bar', identity: 'b'.repeat(64) }])],
      ['need package path', (d) => (d.needs = [{ ...need, packages: [{ file: '../x.apk', sha256: 'd'.repeat(64) }] }])],
      [
        'need package not an .apk',
        (d) => (d.needs = [{ ...need, packages: [{ file: 'x.sh', sha256: 'd'.repeat(64) }] }]),
      ],
      ['need package sha256', (d) => (d.needs = [{ ...need, packages: [{ file: 'x.apk', sha256: 'sha256:00' }] }])],
      ['digest', (d) => (d.inputs = { digest: 'sha256:../../x' })],
      ['huge inline inputs', (d) => (d.inputs = { inline: 'A'.repeat(INLINE_INPUTS_MAX * 2) })],
      ['runner', (d) => ((d.node as Record<string, unknown>).runner = 'chroot')],
      ['node name differs', (d) => ((d.node as Record<string, unknown>).name = 'other')],
      ['package named ..', (d) => ((d.node as Record<string, unknown>).packages = ['foo', '..'])],
      [
        'huge needs list',
        (d) => (d.needs = Array.from({ length: 20_000 }, () => ({ name: 'x', identity: 'c'.repeat(64) }))),
      ],
      ['not an object', () => undefined],
    ];
    for (const [what, change] of bad) {
      const d = good();
      change(d);
      const input = what === 'not an object' ? 'nope' : d;
      assert.throws(
        () => checkJobData(input),
        (e: unknown) => (e as { code?: string }).code === 'CLUSTER_JOB_INVALID',
        what,
      );
    }
  });
});
