import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  dependencyTokenName,
  emptyPackageInfo,
  type PackageInfo,
  packageMergeKey,
  tryParseDependency,
} from '../../../src/apk/index.js';
import {
  decodePackedIndex,
  encodePackedIndex,
  type PackedIndex,
  PF_DUPLICATE,
  PF_DUPLICATE_EMPTY,
  PROVIDER_SELF,
  PROVIDER_STRIDE,
  packIndex,
  readApkIndexArchive,
} from '../../../src/repo/index.js';
import { assertCodeSync } from '../../helpers/assert-code.js';
import { vector } from '../../helpers/paths.js';

const ALPINE = 'alpine-v3.17-main-aarch64-APKINDEX.tar.gz';

/** Every index vector with its pinned record count and description. */
const PINNED: Record<string, { count: number; desc: string }> = {
  'apk/alpine-v3.17-main-aarch64-APKINDEX.tar.gz': { count: 5004, desc: 'v3.17.3-216-g54a39ace82a' },
  'apk/rsa256-abuild-APKINDEX.tar.gz': { count: 1, desc: '' },
  'apk-tools-out/index/APKINDEX.tar.gz': { count: 3, desc: 'lupine test index' },
  'apk/melange-x86_64-APKINDEX.tar.gz': { count: 4, desc: '' },
  'apk/multisig-APKINDEX.tar.gz': { count: 16, desc: '' },
};

function indexFiles(): string[][] {
  const apk = readdirSync(vector('apk'))
    .filter((n) => n.endsWith('.tar.gz'))
    .sort()
    .map((n) => ['apk', n]);
  return [...apk, ['apk-tools-out', 'index', 'APKINDEX.tar.gz']];
}

function readIndex(...parts: string[]) {
  return readApkIndexArchive(readFileSync(vector(...parts)), { allowUntrusted: true });
}

/** A pack with every field (what the codec stores). */
const pack = (records: readonly PackageInfo[], description = ''): PackedIndex =>
  packIndex(records, description, { complete: true });

const roundTrip = (p: PackedIndex, key = 'k'): PackedIndex => decodePackedIndex(encodePackedIndex(p, key), key);

test('every index vector is pinned (a new vector must be added here)', () => {
  assert.deepEqual(
    indexFiles()
      .map((f) => f.join('/'))
      .sort(),
    Object.keys(PINNED).sort(),
  );
});

for (const file of indexFiles()) {
  const name = file.join('/');
  test(`${name}: pack → encode → decode keeps every record and the description`, () => {
    const archive = readIndex(...file);
    const pin = PINNED[name];
    assert.ok(pin, `${name} is not pinned`);
    assert.equal(archive.packages.length, pin.count);
    assert.equal(archive.description, pin.desc);
    const packed = pack(archive.packages, archive.description);
    assert.equal(packed.packageCount, pin.count);
    // The resolver's quick pack (records kept, not every field packed) hands back the records themselves.
    const quick = packIndex(archive.packages, archive.description);
    assert.equal(quick.description, pin.desc);
    const back = roundTrip(packed, `src-${name}`);
    assert.equal(back.packageCount, pin.count);
    assert.equal(back.description, pin.desc);
    assert.equal(back.infos().length, pin.count);
    for (let i = 0; i < pin.count; i++) {
      const rec = archive.packages[i] as PackageInfo;
      assert.deepEqual(back.info(i), rec, `${name} record ${i} (${rec.name})`);
      assert.deepEqual(packed.info(i), rec);
      assert.equal(quick.info(i), rec);
      assert.equal(back.version(i), rec.version);
      assert.equal(back.identity(i), rec.identity);
      assert.equal(back.arch(i), rec.arch);
      assert.equal(back.installedSize(i), rec.installedSize);
      assert.equal(back.providerPriority(i), rec.providerPriority);
    }
    // Packing the decoded records again gives the same bytes (nothing lost, nothing reordered).
    assert.deepEqual(encodePackedIndex(pack(back.infos(), back.description), 'x'), encodePackedIndex(packed, 'x'));
  });
}

function rich(name: string, version: string, extra: Partial<PackageInfo> = {}): PackageInfo {
  return { ...emptyPackageInfo(name, version), ...extra };
}

test('non-ASCII text survives the round trip (utf-8 pool), also from bytes at an odd offset', () => {
  const records = [
    rich('cafe', '1.0-r0', {
      description: 'café ✓',
      maintainer: 'Zoë <z@example.org>',
      identity: 'Q1AAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      arch: 'x86_64',
      size: 12,
      installedSize: 2 ** 40,
      buildTime: 1700000000,
      providerPriority: 7,
      replacesPriority: 3,
      depends: ['ünï>=1', 'so:libc.so'],
      provides: ['cmd:café=1.0-r0'],
      installIf: ['cafe-base', 'lang'],
      replaces: ['old-café'],
      triggers: ['/usr/share/ü/*'],
      datahash: 'ab'.repeat(32),
      uninstallable: true,
    }),
    rich('plain', '2'),
  ];
  const packed = pack(records, 'déscription ✓');
  const bytes = encodePackedIndex(packed, 'key');
  for (const at of [0, 1, 3]) {
    const shifted = new Uint8Array(bytes.length + at);
    shifted.set(bytes, at);
    const back = decodePackedIndex(shifted.subarray(at), 'key');
    assert.equal(back.description, 'déscription ✓');
    assert.deepEqual(back.infos(), records);
    assert.equal(back.info(0).description, 'café ✓');
    assert.notEqual(back.lookupName('ünï'), -1);
    assert.notEqual(back.lookupName('cmd:café'), -1);
  }
});

// --- tokens ---------------------------------------------------------------------------------

const CRAFTED_TOKENS = [
  'foo>',
  '=1',
  '!',
  '',
  '@tag',
  'foo@tag>=1',
  'foo><Q1abc',
  '!foo',
  '!foo<2',
  'foo~1.2',
  'foo=1.0-r0',
  'foo=not a version',
  'foo>=',
  'foo@',
  '@',
  '!@x',
  'so:libc.musl-x86_64.so.1',
  'ünï>=1',
  'foo<>1',
];

function checkTokens(p: PackedIndex, expected: Set<string>): number {
  assert.equal(p.tokenCount, expected.size, 'one token per distinct D:/i: string');
  let parsed = 0;
  const seen = new Set<string>();
  for (let t = 0; t < p.tokenCount; t++) {
    const s = p.str(p.tokStr[t] as number);
    assert.ok(expected.has(s), `token ${JSON.stringify(s)} is a D:/i: string`);
    seen.add(s);
    const want = tryParseDependency(s);
    assert.deepEqual(p.dependency(t), want, `token ${JSON.stringify(s)}`);
    if (want) parsed++;
  }
  assert.equal(seen.size, expected.size);
  return parsed;
}

test('tokens: every distinct D:/i: token of the Alpine index parses as tryParseDependency does', () => {
  const { packages } = readIndex('apk', ALPINE);
  const all = new Set(packages.flatMap((r) => [...r.depends, ...r.installIf]));
  assert.ok(all.size > 1000, `${all.size} tokens`);
  const packed = pack(packages);
  const parsed = checkTokens(packed, all);
  assert.equal(checkTokens(packIndex(packages), all), parsed);
  assert.equal(checkTokens(roundTrip(packed), all), parsed);
});

test('tokens: crafted tokens, including ones that do not parse', () => {
  const records = [
    rich('a', '1', { depends: CRAFTED_TOKENS.slice(0, 10) }),
    rich('b', '1', { installIf: CRAFTED_TOKENS.slice(8) }),
  ];
  const packed = pack(records);
  const all = new Set(CRAFTED_TOKENS);
  checkTokens(packIndex(records), all);
  const parsed = checkTokens(packed, all);
  const unparsed = CRAFTED_TOKENS.filter((t) => tryParseDependency(t) === undefined);
  // The crafted list really has both kinds (so both branches are checked).
  for (const t of ['foo>', '=1', '!', '', '@tag', 'foo>=']) assert.ok(unparsed.includes(t), t);
  assert.equal(parsed, CRAFTED_TOKENS.length - unparsed.length);
  checkTokens(roundTrip(packed), all);
  assert.equal(packed.dependency(packed.tokenCount), undefined);
});

// --- graph vs a naive reference -------------------------------------------------------------

interface RefProvider {
  pkg: number;
  version: string | null;
}

interface RefName {
  providers: RefProvider[];
  rinstallIf: string[];
  rdepends: string[];
}

/** apk-tools' database built by adding the packages one by one, in plain loops. */
function reference(records: readonly PackageInfo[]): Map<string, RefName> {
  const names = new Map<string, RefName>();
  const get = (n: string): RefName => {
    let r = names.get(n);
    if (!r) {
      r = { providers: [], rinstallIf: [], rdepends: [] };
      names.set(n, r);
    }
    return r;
  };
  const addOnce = (list: string[], n: string) => {
    if (!list.includes(n)) list.push(n);
  };
  const seenKeys = new Set<string>();
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as PackageInfo;
    get(r.name);
    const key = packageMergeKey(r.identity, r.name, r.version);
    const first = !seenKeys.has(key);
    seenKeys.add(key);
    if (!first) continue;
    get(r.name).providers.push({ pkg: i, version: r.version });
    for (const p of r.provides) {
      if (p === '' || p.startsWith('=')) continue;
      const eq = p.indexOf('=');
      const pn = eq < 0 ? p : p.slice(0, eq);
      get(pn).providers.push({ pkg: i, version: eq < 0 ? null : p.slice(eq + 1) });
    }
    for (const t of r.installIf) {
      const d = tryParseDependency(t);
      if (d) addOnce(get(d.name).rinstallIf, r.name);
    }
    for (const t of r.depends) {
      const n = dependencyTokenName(t);
      if (n !== undefined) addOnce(get(n).rdepends, r.name);
    }
  }
  return names;
}

function packedName(p: PackedIndex, id: number): RefName {
  const providers: RefProvider[] = [];
  for (let j = p.providersOff[id] as number; j < (p.providersOff[id + 1] as number); j += PROVIDER_STRIDE) {
    const pkg = p.providers[j] as number;
    const v = p.providers[j + 1] as number;
    providers.push({ pkg, version: v === PROVIDER_SELF ? p.version(pkg) : v < 0 ? null : p.str(v) });
  }
  const names = (off: Int32Array, vals: Int32Array): string[] => {
    const out: string[] = [];
    for (let j = off[id] as number; j < (off[id + 1] as number); j++) {
      const n = p.nameString(p.pkgName[vals[j] as number] as number);
      if (!out.includes(n)) out.push(n);
    }
    return out;
  };
  return {
    providers,
    rinstallIf: names(p.rinstallIfOff, p.rinstallIf),
    rdepends: names(p.rdependsOff, p.rdepends),
  };
}

function checkGraph(p: PackedIndex, records: readonly PackageInfo[]): number {
  const ref = reference(records);
  const empty: RefName = { providers: [], rinstallIf: [], rdepends: [] };
  for (const [n, want] of ref) {
    const id = p.lookupName(n);
    assert.notEqual(id, -1, `name ${JSON.stringify(n)} is found`);
    assert.equal(p.nameString(id), n);
    assert.deepEqual(packedName(p, id), want, `name ${JSON.stringify(n)}`);
  }
  // Names the pack knows beyond the reference (named only by tokens) have no edges of their own.
  for (let id = 0; id < p.nameCount; id++) {
    const n = p.nameString(id);
    assert.equal(p.lookupName(n), id, `lookupName(${JSON.stringify(n)})`);
    assert.deepEqual(packedName(p, id), ref.get(n) ?? empty, `name ${JSON.stringify(n)}`);
  }
  // Provider lists are in package order and name only first records.
  for (let j = 0; j < p.providers.length; j += PROVIDER_STRIDE) {
    assert.ok((p.providers[j] as number) < p.packageCount);
  }
  for (const absent of ['', '\u0000', '\uffff', '!', 'zzzzzzzzzzzz-absent', 'a-absent-name']) {
    if (!ref.has(absent)) assert.equal(p.lookupName(absent), -1, `lookupName(${JSON.stringify(absent)})`);
  }
  return ref.size;
}

const Q = (c: string) => `Q1${c.repeat(26)}A=`;

/** Duplicates by identity, doubled provides, odd `p:` and tokens that do not parse. */
const CRAFTED: PackageInfo[] = [
  rich('m', '1', {
    identity: Q('m'),
    provides: ['v', 'v=2', 'm', '=1', '', 'cmd:m=1', 'w='],
    depends: ['x>=1', '!y', 'foo>', '=1', '!', 'z@tag>=1', 'x', 'q><Q1abc'],
    installIf: ['m-base', '!m-conflict', 'bad>', 'lang'],
  }),
  // Same identity spelled with other unused bits: merged into the first 'm'.
  rich('m', '1', {
    identity: `Q1${'m'.repeat(26)}B=`,
    provides: ['dup-only-provide'],
    depends: ['dup-only-dep'],
    installIf: ['dup-only-iif'],
  }),
  rich('m', '2', { identity: Q('n'), provides: ['v=3'], depends: ['x'], installIf: ['lang', 'm-base'] }),
  rich('a', '1', { provides: ['v', 'a-virt=1'], depends: ['m', 'm>1', '@bad', 'x~1'], installIf: ['lang'] }),
  // No identity: merged by name-version.
  rich('a', '1', { provides: ['dup-noid'], depends: ['dup-noid-dep'] }),
  rich('b', '0.1', { identity: 'X1abcdef', provides: ['v=1', 'v=1'], depends: ['m'], installIf: ['!lang'] }),
  rich('c', '1', { identity: 'Q1other', provides: ['x=5'], installIf: ['x', 'x>=1'] }),
  rich('x', '4', { identity: Q('x'), depends: ['a', 'a', 'b'], installIf: ['m-base'] }),
];

test('graph: crafted records equal the reference model (providers, rinstallIf, rdepends)', () => {
  const packed = pack(CRAFTED);
  const count = checkGraph(packed, CRAFTED);
  checkGraph(packIndex(CRAFTED), CRAFTED);
  checkGraph(roundTrip(packed), CRAFTED);
  assert.ok(count >= 15, `${count} names`);
  // Spot checks, so a wrong reference cannot hide behind the generic comparison.
  const v = packedName(packed, packed.lookupName('v'));
  assert.deepEqual(v.providers, [
    { pkg: 0, version: null },
    { pkg: 0, version: '2' },
    { pkg: 2, version: '3' },
    { pkg: 3, version: null },
    { pkg: 5, version: '1' },
    { pkg: 5, version: '1' },
  ]);
  assert.deepEqual(packedName(packed, packed.lookupName('m')).providers, [
    { pkg: 0, version: '1' },
    { pkg: 0, version: null },
    { pkg: 2, version: '2' },
  ]);
  assert.deepEqual(packedName(packed, packed.lookupName('lang')).rinstallIf, ['m', 'a', 'b']);
  assert.deepEqual(packedName(packed, packed.lookupName('x')).rdepends, ['m', 'a']);
  assert.deepEqual(packedName(packed, packed.lookupName('foo')).rdepends, ['m']);
  for (const dupOnly of ['dup-only-provide', 'dup-only-dep', 'dup-only-iif', 'dup-noid', 'dup-noid-dep']) {
    const id = packed.lookupName(dupOnly);
    if (id >= 0) assert.deepEqual(packedName(packed, id), { providers: [], rinstallIf: [], rdepends: [] }, dupOnly);
  }
  // Merged records are flagged; an I:0 duplicate marks its first record.
  for (const p of [packed, roundTrip(packed)]) {
    const flags = Array.from(p.pkgFlags, (f) => f & (PF_DUPLICATE | PF_DUPLICATE_EMPTY));
    assert.deepEqual(flags, [PF_DUPLICATE_EMPTY, PF_DUPLICATE, 0, PF_DUPLICATE_EMPTY, PF_DUPLICATE, 0, 0, 0]);
  }
  // 'bad>' does not parse: it names 'bad' but is no install_if edge.
  assert.notEqual(packed.lookupName('bad'), -1);
  assert.deepEqual(packedName(packed, packed.lookupName('bad')).rinstallIf, []);
});

test('graph: every name of the Alpine index equals the reference model', () => {
  const { packages } = readIndex('apk', ALPINE);
  const packed = pack(packages);
  const count = checkGraph(packed, packages);
  checkGraph(packIndex(packages), packages);
  assert.ok(count > 5004, `${count} names`);
  checkGraph(roundTrip(packed), packages);
});

// --- codec rejections -----------------------------------------------------------------------

function sample(): PackedIndex {
  return pack(CRAFTED, 'sample');
}

function withHeader(bytes: Buffer, edit: (h: Record<string, unknown>) => void): Buffer {
  const len = bytes.readUInt32LE(8);
  const header = JSON.parse(bytes.toString('utf8', 12, 12 + len)) as Record<string, unknown>;
  edit(header);
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = ((json.length + 12 + 7) & ~7) - (json.length + 12);
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const head = Buffer.from(bytes.subarray(0, 12));
  head.writeUInt32LE(json.length, 8);
  return Buffer.concat([head, json, bytes.subarray(12 + len)]);
}

test('codec: the same pack and key encode to the same bytes; a rewritten unchanged header still decodes', () => {
  const a = encodePackedIndex(sample(), 'k');
  assert.deepEqual(encodePackedIndex(sample(), 'k'), a);
  assert.deepEqual(encodePackedIndex(decodePackedIndex(a, 'k'), 'k'), a);
  assert.notDeepEqual(encodePackedIndex(sample(), 'other'), a);
  // The header rewriter used below keeps a good pack good (so the rejections are about the edits).
  assert.deepEqual(
    decodePackedIndex(
      withHeader(a, () => {}),
      'k',
    ).infos(),
    CRAFTED,
  );
});

test('codec: rejections are INDEX_PACK_INVALID', () => {
  const good = encodePackedIndex(sample(), 'k');
  assertCodeSync(() => decodePackedIndex(good, 'other key'), 'INDEX_PACK_INVALID');
  const len = good.readUInt32LE(8);
  for (const at of [12 + len, 12 + len + 9, good.length - 1]) {
    const flipped = Buffer.from(good);
    flipped[at] = (flipped[at] as number) ^ 0x01;
    assertCodeSync(() => decodePackedIndex(flipped, 'k'), 'INDEX_PACK_INVALID');
  }
  for (const n of [good.length - 1, 12 + len + 8, 12 + len, 40, 11, 8]) {
    assertCodeSync(() => decodePackedIndex(good.subarray(0, n), 'k'), 'INDEX_PACK_INVALID');
  }
  const magic = Buffer.from(good);
  magic.write('LUPKIDX2', 0, 'latin1');
  assertCodeSync(() => decodePackedIndex(magic, 'k'), 'INDEX_PACK_INVALID');
  const format = withHeader(good, (h) => {
    h.format = 99;
  });
  const err = assertCodeSync(() => decodePackedIndex(format, 'k'), 'INDEX_PACK_INVALID');
  assert.match(err.message, /not usable/);
  assertCodeSync(() => decodePackedIndex(new Uint8Array(0), 'k'), 'INDEX_PACK_INVALID');
  assertCodeSync(() => decodePackedIndex(Buffer.alloc(64), 'k'), 'INDEX_PACK_INVALID');
});

test('codec: headers whose tables do not fit are INDEX_PACK_INVALID', () => {
  const good = encodePackedIndex(sample(), 'k');
  const edits: [string, (h: Record<string, unknown>) => void][] = [
    ['a table past the end', (h) => (h.tables as [string, number, number][]).push(['providers', 0, 1e9])],
    ['a missing table', (h) => (h.tables = (h.tables as [string, number, number][]).slice(1))],
    [
      'a shorter table',
      (h) => {
        const t = (h.tables as [string, number, number][]).find((e) => e[0] === 'pkgFlags');
        if (t) t[2] -= 1;
      },
    ],
    ['the pool out of bounds', (h) => (h.pool = [0, 1e9])],
    ['a negative offset', (h) => ((h.tables as [string, number, number][])[0] = ['pkgNum', -8, 1])],
  ];
  for (const [why, edit] of edits) {
    const bytes = withHeader(good, edit);
    assertCodeSync(() => decodePackedIndex(bytes, 'k'), 'INDEX_PACK_INVALID');
    assert.ok(why);
  }
});

test('codec: only a complete pack can be encoded', () => {
  assert.throws(() => encodePackedIndex(packIndex(CRAFTED), 'k'));
  assert.ok(encodePackedIndex(pack(CRAFTED), 'k').length > 12);
});

/** Every pack made from `good` with one header byte changed by `mask`, and where. */
function headerFlips(good: Buffer): [number, number, Buffer][] {
  const len = good.readUInt32LE(8);
  const out: [number, number, Buffer][] = [];
  for (let at = 12; at < 12 + len; at++) {
    for (const mask of [1, 2, 4]) {
      const b = Buffer.from(good);
      b[at] = (b[at] as number) ^ mask;
      out.push([at, mask, b]);
    }
  }
  return out;
}

test('codec: a damaged header is INDEX_PACK_INVALID, never another error', () => {
  const good = encodePackedIndex(sample(), 'k');
  const others: string[] = [];
  for (const [at, mask, b] of headerFlips(good)) {
    try {
      decodePackedIndex(b, 'k');
    } catch (err) {
      if ((err as { code?: string }).code !== 'INDEX_PACK_INVALID') others.push(`byte ${at}^${mask}: ${String(err)}`);
    }
  }
  assert.deepEqual(others, []);
  const unaligned = withHeader(good, (h) => {
    const t = (h.tables as [string, number, number][]).find((e) => e[0] === 'pkgFlags');
    if (t) t[1] += 2;
  });
  assertCodeSync(() => decodePackedIndex(unaligned, 'k'), 'INDEX_PACK_INVALID');
  for (const edit of [
    (h: Record<string, unknown>) => (h.tables = 5),
    (h: Record<string, unknown>) => (h.pool = null),
  ]) {
    assertCodeSync(() => decodePackedIndex(withHeader(good, edit), 'k'), 'INDEX_PACK_INVALID');
  }
});

test('codec: one flipped byte in the header never changes what decodes (the digest covers the header)', () => {
  const good = encodePackedIndex(sample(), 'k');
  const want = decodePackedIndex(good, 'k');
  const changed: string[] = [];
  for (const [at, mask, b] of headerFlips(good)) {
    let got: PackedIndex;
    try {
      got = decodePackedIndex(b, 'k');
    } catch {
      continue;
    }
    try {
      assert.equal(got.description, want.description);
      assert.deepEqual(got.infos(), want.infos());
    } catch {
      changed.push(`byte ${at} (${JSON.stringify(String.fromCharCode(good[at] as number))})^${mask}`);
    }
  }
  assert.deepEqual(changed, []);
});
