import assert from 'node:assert/strict';
import { createHash, type KeyObject } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parsePublicKey } from '../../../src/apk/index.js';
import {
  decodePackedIndex,
  PACKS_KEPT,
  PackDirectory,
  type PackStore,
  readApkIndexArchive,
  readIndexThroughPacks,
} from '../../../src/repo/index.js';
import { assertCode } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';

const ALPINE = vector('apk', 'alpine-v3.17-main-aarch64-APKINDEX.tar.gz');

function pub(name: string): KeyObject {
  return parsePublicKey(readFileSync(vector('apk', name)), name);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A fresh cache directory, removed after `fn`. */
async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lupine-packs-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const packFiles = (store: PackDirectory) => readdirSync(store.dir).filter((n) => n.endsWith('.pack'));

test('first read stores a pack (0600 in a 0700 dir), the second read uses it with the same records', async () => {
  await inTemp(async (dir) => {
    const bytes = readFileSync(ALPINE);
    const parsed = readApkIndexArchive(bytes, { allowUntrusted: true });
    const store = new PackDirectory(dir);
    assert.equal(store.dir, join(dir, 'packs'));
    const first = await readIndexThroughPacks(bytes, store, { allowUntrusted: true });
    assert.equal(first.fromPack, false);
    assert.equal(first.packages.length, 5004);
    assert.deepEqual(first.packages, parsed.packages);
    assert.equal(first.description, parsed.description);
    const file = join(store.dir, `${sha256(bytes)}.pack`);
    assert.deepEqual(packFiles(store), [`${sha256(bytes)}.pack`]);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(store.dir).mode & 0o777, 0o700);
    // No temp files are left behind.
    assert.deepEqual(readdirSync(store.dir), [`${sha256(bytes)}.pack`]);

    const second = await readIndexThroughPacks(bytes, store, { allowUntrusted: true });
    assert.equal(second.fromPack, true);
    assert.equal(second.description, parsed.description);
    assert.equal(second.packed.packageCount, 5004);
    assert.deepEqual(second.packages, parsed.packages);
    assert.equal(second.packed.lookupName('musl'), first.packed.lookupName('musl'));
  });
});

/** The multisig vector read once through a fresh store: its bytes, records, store, pack file and bytes. */
async function storedPack(dir: string) {
  const bytes = readFileSync(vector('apk', 'multisig-APKINDEX.tar.gz'));
  const parsed = readApkIndexArchive(bytes, { allowUntrusted: true });
  const store = new PackDirectory(dir);
  await readIndexThroughPacks(bytes, store, { allowUntrusted: true });
  const file = join(store.dir, `${sha256(bytes)}.pack`);
  return { bytes, parsed, store, file, good: readFileSync(file) };
}

test('a corrupted pack is not used: the index is read again and the pack rewritten', async () => {
  await inTemp(async (dir) => {
    const { bytes, parsed, store, file, good } = await storedPack(dir);
    const bad = Buffer.from(good);
    bad[bad.length - 5] = (bad[bad.length - 5] as number) ^ 0x40;
    writeFileSync(file, bad, { mode: 0o600 });
    const r = await readIndexThroughPacks(bytes, store, { allowUntrusted: true });
    assert.equal(r.fromPack, false);
    assert.equal(r.packages.length, 16);
    assert.deepEqual(r.packages, parsed.packages);
    assert.deepEqual(readFileSync(file), good, 'the pack is rewritten');
    assert.equal((await readIndexThroughPacks(bytes, store, { allowUntrusted: true })).fromPack, true);

    // Truncated, and not a pack at all.
    for (const junk of [good.subarray(0, 100), Buffer.from('hello')]) {
      writeFileSync(file, junk, { mode: 0o600 });
      const again = await readIndexThroughPacks(bytes, store, { allowUntrusted: true });
      assert.equal(again.fromPack, false);
      assert.deepEqual(again.packages, parsed.packages);
      assert.deepEqual(readFileSync(file), good);
    }
  });
});

test('a pack with a damaged header is not used either (the index is read again)', async () => {
  await inTemp(async (dir) => {
    const { bytes, parsed, store, file, good } = await storedPack(dir);
    // One digit of the first table's offset ("pkgNum",0 → "pkgNum",1): one changed byte.
    const at = good.indexOf('["pkgNum",0,');
    assert.ok(at > 0);
    const bad = Buffer.from(good);
    bad[at + '["pkgNum",'.length] = '1'.charCodeAt(0);
    writeFileSync(file, bad, { mode: 0o600 });
    const r = await readIndexThroughPacks(bytes, store, { allowUntrusted: true });
    assert.equal(r.fromPack, false);
    assert.deepEqual(r.packages, parsed.packages);
  });
});

test('a pack writable by group or others is ignored (and replaced)', async () => {
  await inTemp(async (dir) => {
    const bytes = readFileSync(vector('apk', 'melange-x86_64-APKINDEX.tar.gz'));
    const store = new PackDirectory(dir);
    await readIndexThroughPacks(bytes, store, { allowUntrusted: true });
    const file = join(store.dir, `${sha256(bytes)}.pack`);
    for (const mode of [0o666, 0o620, 0o602]) {
      chmodSync(file, mode);
      assert.equal(await store.get(sha256(bytes)), undefined, `mode ${mode.toString(8)}`);
      const r = await readIndexThroughPacks(bytes, store, { allowUntrusted: true });
      assert.equal(r.fromPack, false, `mode ${mode.toString(8)}`);
      assert.equal(r.packages.length, 4);
      assert.equal(statSync(file).mode & 0o777, 0o600);
    }
    chmodSync(file, 0o644);
    assert.equal((await readIndexThroughPacks(bytes, store, { allowUntrusted: true })).fromPack, true);
  });
});

test('a pack reached through a symlink, owned by another user, or edited in place is ignored (and replaced)', async () => {
  await inTemp(async (dir) => {
    const { bytes, parsed, store, file, good } = await storedPack(dir);
    const key = sha256(bytes);
    const fresh = () => readIndexThroughPacks(bytes, store, { allowUntrusted: true });
    // A symlink to a good pack elsewhere (another user could plant one): opened no-follow.
    const elsewhere = join(dir, 'elsewhere.pack');
    renameSync(file, elsewhere);
    symlinkSync(elsewhere, file);
    assert.equal(await store.get(key), undefined, 'through a symlink');
    const r = await fresh();
    assert.equal(r.fromPack, false);
    assert.deepEqual(r.packages, parsed.packages);
    assert.ok(!lstatSync(file).isSymbolicLink(), 'the symlink is replaced by a pack of our own');
    assert.deepEqual(readFileSync(file), good);
    assert.equal((await fresh()).fromPack, true);
    // Owned by another user (root can give it away; others cannot make one).
    if (process.geteuid?.() === 0) {
      chownSync(file, 65534, 65534);
      assert.equal(await store.get(key), undefined, 'owned by another user');
      assert.equal((await fresh()).fromPack, false);
      assert.equal(statSync(file).uid, 0);
    }
    // Edited in place, still well-formed: a package's version in the string table.
    const text = good.toString('latin1');
    const m = /\d+\.\d+-r\d/.exec(text);
    assert.ok(m, 'a version in the pack');
    const bump = m[0].replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    const edited = Buffer.from(text.slice(0, m.index) + bump + text.slice(m.index + m[0].length), 'latin1');
    assert.equal(edited.length, good.length);
    writeFileSync(file, edited, { mode: 0o600 });
    assert.equal(await store.get(key), undefined, 'edited');
    const again = await fresh();
    assert.equal(again.fromPack, false);
    assert.deepEqual(again.packages, parsed.packages);
    // The seal binds the pack to its source: the same pack under another key is not used.
    writeFileSync(join(store.dir, `${'0'.repeat(64)}.pack`), good, { mode: 0o600 });
    assert.equal(await store.get('0'.repeat(64)), undefined, 'another key');
  });
});

test('a stored pack never bypasses the signature check', async () => {
  await inTemp(async (dir) => {
    const bytes = readFileSync(vector('apk', 'rsa256-abuild-APKINDEX.tar.gz'));
    const store = new PackDirectory(dir);
    await readIndexThroughPacks(bytes, store, { allowUntrusted: true });
    assert.equal(packFiles(store).length, 1);
    const otherKey = new Map([['melange.rsa.pub', pub('melange.rsa.pub')]]);
    await assertCode(
      () => readIndexThroughPacks(bytes, store, { keys: otherKey, allowUntrusted: false }),
      'INDEX_UNTRUSTED',
    );
    await assertCode(() => readIndexThroughPacks(bytes, store, {}), 'INDEX_UNTRUSTED');
    // A changed signed byte: the pack is keyed by the exact bytes, and the signature fails first.
    const keys = new Map([['test-rsa256.rsa.pub', pub('test-rsa256.rsa.pub')]]);
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 30] = (tampered[tampered.length - 30] as number) ^ 1;
    writeFileSync(
      join(store.dir, `${sha256(tampered)}.pack`),
      readFileSync(join(store.dir, packFiles(store)[0] as string)),
      {
        mode: 0o600,
      },
    );
    await assertCode(() => readIndexThroughPacks(tampered, store, { keys }), 'INDEX_BAD_SIGNATURE');
  });
});

for (const [file, keyName, count] of [
  ['rsa256-abuild-APKINDEX.tar.gz', 'test-rsa256.rsa.pub', 1],
  ['melange-x86_64-APKINDEX.tar.gz', 'melange.rsa.pub', 4],
] as const) {
  test(`${file}: signed by ${keyName}, read through the pack with its real key`, async () => {
    await inTemp(async (dir) => {
      const bytes = readFileSync(vector('apk', file));
      const keys = new Map([[keyName, pub(keyName)]]);
      const parsed = readApkIndexArchive(bytes, { keys });
      assert.equal(parsed.signedBy, keyName);
      const store = new PackDirectory(dir);
      const first = await readIndexThroughPacks(bytes, store, { keys });
      const second = await readIndexThroughPacks(bytes, store, { keys });
      assert.deepEqual([first.fromPack, second.fromPack], [false, true]);
      assert.equal(second.packages.length, count);
      assert.deepEqual(second.packages, parsed.packages);
      assert.deepEqual(first.packages, parsed.packages);
    });
  });
}

test(`a directory keeps the newest ${PACKS_KEPT} packs`, async () => {
  await inTemp(async (dir) => {
    const store = new PackDirectory(dir);
    const key = (i: number) => `k${String(i).padStart(3, '0')}`;
    const old = Date.now() / 1000 - 10_000;
    for (let i = 0; i < PACKS_KEPT; i++) {
      await store.put(key(i), Buffer.from(`pack ${i}`));
      // Older ones first, by clearly different times.
      utimesSync(join(store.dir, `${key(i)}.pack`), old + i * 10, old + i * 10);
    }
    assert.equal(packFiles(store).length, PACKS_KEPT);
    const extra = 3;
    // Later runs (one PackDirectory each), one new pack each: the oldest go.
    for (let i = PACKS_KEPT; i < PACKS_KEPT + extra; i++)
      await new PackDirectory(dir).put(key(i), Buffer.from(`pack ${i}`));
    const kept = packFiles(store).sort();
    const want = Array.from({ length: PACKS_KEPT }, (_, j) => `${key(j + extra)}.pack`);
    assert.deepEqual(kept, want);
    const later = new PackDirectory(dir);
    assert.deepEqual(await later.get(key(PACKS_KEPT + extra - 1)), Buffer.from(`pack ${PACKS_KEPT + extra - 1}`));
    assert.equal(await later.get(key(0)), undefined);
    // Only .pack files count; other files are left alone.
    writeFileSync(join(store.dir, 'notes.txt'), 'x');
    await new PackDirectory(dir).put(key(99), Buffer.from('pack 99'));
    assert.equal(packFiles(store).length, PACKS_KEPT);
    assert.ok(readdirSync(store.dir).includes('notes.txt'));
  });
});

test(`a run never evicts the packs it used, even more than ${PACKS_KEPT}; the next run finds them all`, async () => {
  await inTemp(async (dir) => {
    const key = (i: number) => `s${String(i).padStart(3, '0')}`;
    const n = PACKS_KEPT + 2;
    // Another run's older packs, then a run that reads one of them and writes n new ones.
    const before = new PackDirectory(dir);
    for (let i = 100; i < 100 + PACKS_KEPT; i++) await before.put(key(i), Buffer.from(`old ${i}`));
    const old = Date.now() / 1000 - 10_000;
    for (const f of packFiles(before)) utimesSync(join(before.dir, f), old, old);
    const run = new PackDirectory(dir);
    assert.deepEqual(await run.get(key(100)), Buffer.from('old 100'));
    for (let i = 0; i < n; i++) await run.put(key(i), Buffer.from(`pack ${i}`));
    const want = [...Array.from({ length: n }, (_, i) => `${key(i)}.pack`), `${key(100)}.pack`].sort();
    assert.deepEqual(packFiles(run).sort(), want);
    // The next run with the same sources reads every pack: nothing to compile again.
    const next = new PackDirectory(dir);
    for (let i = 0; i < n; i++) assert.deepEqual(await next.get(key(i)), Buffer.from(`pack ${i}`), key(i));
    // A run that writes one new pack keeps it and the newest others, PACKS_KEPT in all.
    await next.put(key(50), Buffer.from('pack 50'));
    assert.equal(packFiles(next).length, n + 1);
    await new PackDirectory(dir).put(key(51), Buffer.from('pack 51'));
    assert.equal(packFiles(next).length, PACKS_KEPT);
    assert.ok(packFiles(next).includes(`${key(51)}.pack`));
  });
});

test('readIndexThroughPacks keeps working when the store fails', async () => {
  const failing: PackStore = {
    get: () => Promise.reject(new Error('disk on fire')),
    put: () => Promise.reject(new Error('disk on fire')),
  };
  const bytes = readFileSync(vector('apk', 'melange-x86_64-APKINDEX.tar.gz'));
  const r = await readIndexThroughPacks(bytes, failing, { allowUntrusted: true });
  assert.equal(r.fromPack, false);
  assert.equal(r.packages.length, 4);
  // And a pack from a store is decoded with the index bytes' digest as its source.
  const stored = new Map<string, Uint8Array>();
  const mem: PackStore = {
    get: async (k) => stored.get(k),
    put: async (k, b) => {
      stored.set(k, b);
    },
  };
  await readIndexThroughPacks(bytes, mem, { allowUntrusted: true });
  assert.deepEqual([...stored.keys()], [sha256(bytes)]);
  assert.equal(decodePackedIndex(stored.get(sha256(bytes)) as Uint8Array, sha256(bytes)).packageCount, 4);
});
