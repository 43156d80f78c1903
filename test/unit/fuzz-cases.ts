/**
 * (Run by fuzz.test.ts in a child process with a deadline, so that a hang fails instead of stalling CI.)
 * Mutation fuzzing of every reader over every vector: each mutated input must end in a result or a
 * LupineError; anything else (TypeError, RangeError, InternalError, …) fails, naming the case and seed.
 *
 * Deterministic: a seeded PRNG (no Math.random). FUZZ_SEED=<n> changes the seed, FUZZ_SCALE=<n>
 * multiplies the case counts. A case is replayed with FUZZ_CASE=<n> (same seed).
 */
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as apk from '../../src/apk/index.js';
import { type GzipMember, gzipMember, readGzipMembers, readTar } from '../../src/archive/index.js';
import { isLupineError, type Limits } from '../../src/core/index.js';
import * as install from '../../src/install/index.js';
import { parseApkIndexText, readApkIndexArchive } from '../../src/repo/index.js';
import { vector } from '../helpers/paths.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x1f8b0800);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const ONLY = process.env.FUZZ_CASE === undefined ? undefined : Number(process.env.FUZZ_CASE);

/** Tight limits so that a mutated size field cannot make a reader allocate without bound. */
const limits: Limits = {
  maxUncompressedBytes: 64 * 1024 * 1024,
  maxCompressionRatio: 1000,
  maxEntryBytes: 16 * 1024 * 1024,
  maxHeaderBytes: 64 * 1024,
  maxEntries: 100_000,
};

/** splitmix32: small, fast, and the same on every platform. */
class Prng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    this.#s = (this.#s + 0x9e3779b9) >>> 0;
    let z = this.#s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
}

const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x20, 0x0a, 0x30, 0x37, 0x38, 0x3a, 0x2e, 0x2f, 0x1f, 0x8b];

/** One mutation of a byte string; returns the new bytes and a description for the failure report. */
function mutateBytes(r: Prng, input: Buffer, members?: readonly GzipMember[]): { bytes: Buffer; what: string } {
  const b = Buffer.from(input);
  const kind = members && members.length > 1 ? r.int(6) : r.int(5);
  switch (kind) {
    case 0: {
      const n = 1 + r.int(8);
      const at: number[] = [];
      for (let i = 0; i < n && b.length; i++) {
        const p = r.int(b.length);
        b[p] = (b[p] as number) ^ (1 << r.int(8));
        at.push(p);
      }
      return { bytes: b, what: `bit flips at ${at.join(',')}` };
    }
    case 1: {
      const n = 1 + r.int(4);
      const at: number[] = [];
      for (let i = 0; i < n && b.length; i++) {
        const p = r.int(b.length);
        b[p] = r.int(2) ? r.pick(INTERESTING) : r.int(256);
        at.push(p);
      }
      return { bytes: b, what: `byte sets at ${at.join(',')}` };
    }
    case 2: {
      const p = r.int(b.length + 1);
      return { bytes: b.subarray(0, p), what: `truncated to ${p}` };
    }
    case 3: {
      const p = r.int(b.length + 1);
      const ins = Buffer.alloc(1 + r.int(16));
      for (let i = 0; i < ins.length; i++) ins[i] = r.int(2) ? r.pick(INTERESTING) : r.int(256);
      return {
        bytes: Buffer.concat([b.subarray(0, p), ins, b.subarray(p)]),
        what: `${ins.length} bytes inserted at ${p}`,
      };
    }
    case 4: {
      // Overwrite a 512-byte-aligned run with a copy of another (confuses tar header/data boundaries).
      const blocks = Math.floor(b.length / 512);
      if (blocks < 2) return { bytes: b.subarray(0, Math.max(0, b.length - 1)), what: 'last byte dropped' };
      const from = r.int(blocks);
      const to = r.int(blocks);
      b.copy(b, to * 512, from * 512, from * 512 + 512);
      return { bytes: b, what: `block ${from} copied over block ${to}` };
    }
    default: {
      // Gzip members shuffled, dropped or duplicated.
      const ms = members as readonly GzipMember[];
      const order = ms.map((_, i) => i);
      const op = r.int(3);
      if (op === 0) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = r.int(i + 1);
          [order[i], order[j]] = [order[j] as number, order[i] as number];
        }
      } else if (op === 1) order.splice(r.int(order.length), 1);
      else order.splice(r.int(order.length + 1), 0, r.int(order.length));
      return {
        bytes: Buffer.concat(order.map((i) => input.subarray((ms[i] as GzipMember).start, (ms[i] as GzipMember).end))),
        what: `gzip members reordered as [${order.join(',')}]`,
      };
    }
  }
}

/** Mutates one gzip member's inflated content and recompresses it, so readers past gzip see the damage. */
function mutateInside(r: Prng, input: Buffer, members: readonly GzipMember[]): { bytes: Buffer; what: string } {
  const i = r.int(members.length);
  const m = members[i] as GzipMember;
  const inner = mutateBytes(r, m.data);
  const parts = members.map((x, j) => (j === i ? gzipMember(inner.bytes) : input.subarray(x.start, x.end)));
  return { bytes: Buffer.concat(parts), what: `member ${i} inflated, ${inner.what}, recompressed` };
}

type Reader = (bytes: Buffer) => unknown;

interface Target {
  readonly name: string;
  readonly bytes: Buffer;
  readonly cases: number;
  /** 'gzip': mutate raw bytes and recompressed member content; 'raw': mutate raw bytes only. */
  readonly kind: 'gzip' | 'raw';
  readonly readers: ReadonlyArray<readonly [string, Reader]>;
}

function pub(name: string): [string, KeyObject] {
  return [name, apk.parsePublicKey(readFileSync(vector('apk', name)), name)];
}
const keys = new Map([
  pub('alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub'),
  pub('melange.rsa.pub'),
  pub('test-rsa256.rsa.pub'),
  pub('chainguard-0106f58bac88057c2ff5c2829850df492717a876ed700443550353c7ab23f5a0.rsa.pub'),
]);

/** Readers another engineer provides; used when present. */
const optional = apk as unknown as Record<string, unknown>;
const readPackage = optional.readPackage as ((b: Buffer, o?: unknown) => unknown) | undefined;
const verifyPackage = optional.verifyPackage as ((b: Buffer, k: unknown, o?: unknown) => unknown) | undefined;
const parsePkgInfo = optional.parsePkgInfo as ((t: Buffer) => unknown) | undefined;

const gzipReaders: Array<readonly [string, Reader]> = [
  ['readGzipMembers', (b) => readGzipMembers(b, limits)],
  [
    'readTar(inflated)',
    (b) => {
      const ms = readGzipMembers(b, limits);
      return readTar(Buffer.concat(ms.map((m) => m.data)), { limits, mode: 'archive' });
    },
  ],
];
const packageReaders: Array<readonly [string, Reader]> = [...gzipReaders];
if (readPackage) packageReaders.push(['readPackage', (b) => readPackage(b, { limits })]);
if (verifyPackage)
  packageReaders.push(['verifyPackage', (b) => verifyPackage(b, keys, { limits, requireSignature: false })]);
const indexReaders: Array<readonly [string, Reader]> = [
  ...gzipReaders,
  ['readApkIndexArchive(keys)', (b) => readApkIndexArchive(b, { keys, limits })],
  ['readApkIndexArchive(untrusted)', (b) => readApkIndexArchive(b, { allowUntrusted: true, limits })],
];
const text =
  (f: (s: string) => unknown): Reader =>
  (b) =>
    f(b.toString('utf8'));

function targets(): Target[] {
  const out: Target[] = [];
  const scaled = (n: number) => Math.max(1, Math.round(n * SCALE));
  for (const f of ['alpine-baselayout-3.2.0-r23.apk', 'hello-0.1.0-r0.apk', 'pretend-baselayout-1.0.0-r0.apk']) {
    out.push({
      name: f,
      bytes: readFileSync(vector('apk', f)),
      cases: scaled(400),
      kind: 'gzip',
      readers: packageReaders,
    });
  }
  const indexes: Array<[string, string[], number]> = [
    ['alpine-v3.17 index', ['apk', 'alpine-v3.17-main-aarch64-APKINDEX.tar.gz'], 24],
    ['melange index', ['apk', 'melange-x86_64-APKINDEX.tar.gz'], 300],
    ['multisig index', ['apk', 'multisig-APKINDEX.tar.gz'], 300],
    ['rsa256-abuild index', ['apk', 'rsa256-abuild-APKINDEX.tar.gz'], 300],
    ['apk-tools-out index', ['apk-tools-out', 'index', 'APKINDEX.tar.gz'], 300],
  ];
  for (const [name, path, n] of indexes) {
    out.push({ name, bytes: readFileSync(vector(...path)), cases: scaled(n), kind: 'gzip', readers: indexReaders });
  }
  // APKINDEX text: the multisig one whole, and the first ~64 KiB of Alpine's (cut at a record end).
  const alpine = readApkIndexArchive(readFileSync(vector('apk', 'alpine-v3.17-main-aarch64-APKINDEX.tar.gz')), {
    allowUntrusted: true,
  }).text;
  const cut = alpine.indexOf('\n\n', 64 * 1024) + 2;
  const multisig = readApkIndexArchive(readFileSync(vector('apk', 'multisig-APKINDEX.tar.gz')), {
    allowUntrusted: true,
  });
  for (const [name, t] of [
    ['alpine APKINDEX text (64 KiB)', alpine.slice(0, cut)],
    ['multisig APKINDEX text', multisig.text],
  ] as const) {
    out.push({
      name,
      bytes: Buffer.from(t),
      cases: scaled(name.startsWith('alpine') ? 100 : 300),
      kind: 'raw',
      readers: [['parseApkIndexText', text(parseApkIndexText)]],
    });
  }
  const inst = install as unknown as Record<string, unknown>;
  const dbReaders: Array<readonly [string, Reader]> = [['parseApkIndexText', text(parseApkIndexText)]];
  if (typeof inst.parseInstalledDb === 'function') {
    dbReaders.push(['parseInstalledDb', text(inst.parseInstalledDb as (s: string) => unknown)]);
  }
  out.push({
    name: 'db/installed',
    bytes: readFileSync(vector('apk', 'db', 'installed')),
    cases: scaled(300),
    kind: 'raw',
    readers: dbReaders,
  });
  const tarReaders: Array<readonly [string, Reader]> = [['readTar', (b) => readTar(b, { limits })]];
  if (typeof inst.parseScriptsTar === 'function') {
    tarReaders.push(['parseScriptsTar', inst.parseScriptsTar as Reader]);
  }
  out.push({
    name: 'db/scripts.tar',
    bytes: readFileSync(vector('apk', 'db', 'scripts.tar')),
    cases: scaled(200),
    kind: 'raw',
    readers: tarReaders,
  });
  if (typeof inst.parseTriggersDb === 'function') {
    out.push({
      name: 'db/triggers',
      bytes: readFileSync(vector('apk', 'db', 'triggers')),
      cases: scaled(100),
      kind: 'raw',
      readers: [['parseTriggersDb', text(inst.parseTriggersDb as (s: string) => unknown)]],
    });
  }
  if (parsePkgInfo && readPackage) {
    // .PKGINFO of a real package, extracted with the archive layer.
    const ms = readGzipMembers(readFileSync(vector('apk', 'alpine-baselayout-3.2.0-r23.apk')));
    const control = readTar((ms[1] as GzipMember).data, { mode: 'fragment' });
    const pkginfo = control.items.find((i) => i.entry.name === '.PKGINFO');
    if (pkginfo) {
      out.push({
        name: '.PKGINFO',
        bytes: Buffer.from(pkginfo.data),
        cases: scaled(200),
        kind: 'raw',
        readers: [['parsePkgInfo', parsePkgInfo as Reader]],
      });
    }
  }
  return out;
}

interface Failure {
  readonly caseNo: number;
  readonly seed: number;
  readonly target: string;
  readonly mutation: string;
  readonly reader: string;
  readonly error: string;
}

test('fuzz: every reader ends each mutated vector in a result or a LupineError', async () => {
  const all = targets();
  const failures: Failure[] = [];
  let caseNo = 0;
  let runs = 0;
  let lupineErrors = 0;
  // The loop is bounded by the case count alone: every reader is synchronous or settles, so no timer is needed.
  const maxCases = all.reduce((n, t) => n + t.cases, 0);
  for (const t of all) {
    const members = t.kind === 'gzip' ? readGzipMembers(t.bytes) : undefined;
    for (let i = 0; i < t.cases; i++, caseNo++) {
      assert.ok(caseNo < maxCases, 'the case loop is bounded');
      if (ONLY !== undefined && caseNo !== ONLY) continue;
      const seed = (SEED + Math.imul(caseNo, 0x9e3779b1)) >>> 0;
      const r = new Prng(seed);
      const m = members && r.int(2) === 0 ? mutateInside(r, t.bytes, members) : mutateBytes(r, t.bytes, members);
      for (const [reader, read] of t.readers) {
        runs++;
        try {
          await read(m.bytes);
        } catch (err) {
          if (isLupineError(err)) {
            lupineErrors++;
            continue;
          }
          const e = err as Error;
          failures.push({
            caseNo,
            seed,
            target: t.name,
            mutation: m.what,
            reader,
            error: `${e?.name}: ${e?.message}\n${(e?.stack ?? '').split('\n').slice(1, 4).join('\n')}`,
          });
        }
      }
    }
  }
  const report = failures
    .slice(0, 10)
    .map(
      (f) =>
        `case ${f.caseNo} (FUZZ_SEED=${SEED} FUZZ_CASE=${f.caseNo}, case seed ${f.seed}): ${f.target}, ${f.mutation}, ${f.reader}: ${f.error}`,
    )
    .join('\n');
  assert.equal(failures.length, 0, `${failures.length} of ${runs} reader runs threw a non-LupineError:\n${report}`);
  if (ONLY === undefined) {
    assert.equal(caseNo, maxCases);
    assert.ok(maxCases >= 2000, `a few thousand cases (${maxCases})`);
    // The mutations reach the readers: most mutated inputs are rejected, some are still read.
    assert.ok(lupineErrors > runs / 4, `${lupineErrors} of ${runs} runs rejected`);
    assert.ok(lupineErrors < runs, 'some mutated inputs are still accepted');
  }
});

test('fuzz: the PRNG is deterministic and the mutations change their input', () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const xs = Array.from({ length: 8 }, () => a.next());
  assert.deepEqual(
    xs,
    Array.from({ length: 8 }, () => b.next()),
  );
  assert.equal(new Set(xs).size, 8);
  const input = readFileSync(vector('apk', 'hello-0.1.0-r0.apk'));
  const ms = readGzipMembers(input);
  for (let s = 0; s < 50; s++) {
    const m1 = mutateBytes(new Prng(s), input, ms);
    const m2 = mutateBytes(new Prng(s), input, ms);
    assert.ok(m1.bytes.equals(m2.bytes), `seed ${s} mutates the same way twice`);
    assert.ok(!m1.bytes.equals(input) || m1.what.includes('reordered'), `seed ${s} changed the input (${m1.what})`);
  }
});
