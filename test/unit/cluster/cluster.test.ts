import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { jobIdFor, packInputs, redactRedisUrl, redisUrlOf, unpackInputs } from '../../../src/cluster/index.js';
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
