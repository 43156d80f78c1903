import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emptyPackageInfo, generateRsaKeyPair, parsePrivateKey, writePackage } from '../src/apk/index.js';
import { fixedClock } from '../src/core/index.js';
import { type BenchResult, median, QUICK, runs, warmups } from './result.js';

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
}

const RUNS = runs(7);
const WARMUP = warmups(2);
const COUNT = QUICK ? 5 : 50;

/** Text-like content that compresses about as well as binaries and docs do (roughly 3:1). */
function content(seed: number, bytes: number): Buffer {
  const words = ['lib', 'init', 'data', 'alloc', 'free', 'error', 'value', 'table', 'read', 'write', 'sym'];
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s;
  };
  const out = Buffer.alloc(bytes);
  let p = 0;
  while (p < bytes) {
    const r = rnd();
    if (r % 3 === 0) {
      p += out.write(`${words[r % words.length]}_${(r >>> 8).toString(36)} `, p, 'latin1');
    } else {
      out.writeUInt32LE(rnd(), Math.min(p, bytes - 4));
      p += 4;
    }
  }
  return out;
}

/**
 * Bench: `lupine index` (a process, signatures checked) over 50 real-sized signed packages (about
 * 1.3 MB each, 64 MB in all, as in issue 13), against `gzip -t` of the same files in the same run.
 * lupine reads only each package's signature and control members, as apk index does.
 */
export async function benchIndexBuild(): Promise<BenchResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'lupine-bench-index-'));
  try {
    const keys = join(work, 'keys');
    mkdirSync(keys);
    const pair = await generateRsaKeyPair(2048);
    writeFileSync(join(keys, 'bench.rsa.pub'), pair.publicPem);
    const signingKey = { key: parsePrivateKey(pair.privatePem, 'bench.rsa'), keyName: 'bench.rsa.pub' };
    const files: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      const name = `pkg${String(i).padStart(2, '0')}`;
      const bytes = writePackage({
        files: [
          { path: 'usr', type: 'dir' },
          { path: 'usr/lib', type: 'dir' },
          { path: `usr/lib/lib${name}.so.1`, type: 'file', data: content(i, 1536 * 1024) },
          { path: `usr/lib/${name}.txt`, type: 'file', data: content(i + 1000, 64 * 1024) },
        ],
        info: { ...emptyPackageInfo(name, '1.0-r0'), arch: 'x86_64', description: 'bench package', license: 'MIT' },
        clock: fixedClock(1700000000),
        signingKey,
      });
      const file = join(work, `${name}-1.0-r0.apk`);
      writeFileSync(file, bytes);
      files.push(file);
    }
    const lupine = join(repoRoot(), 'bin', 'lupine');
    const out = join(work, 'APKINDEX.tar.gz');
    const ours = () => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [lupine, 'index', '--keys-dir', keys, '-o', out, ...files], {
        stdio: 'ignore',
      });
      if (r.status !== 0) throw new Error(`lupine index failed (${r.status})`);
      return performance.now() - t0;
    };
    const gzip = () => {
      const t0 = performance.now();
      const r = spawnSync('gzip', ['-t', ...files], { stdio: 'ignore' });
      return r.status === 0 ? performance.now() - t0 : undefined;
    };
    let haveGzip = true;
    for (let i = 0; i < WARMUP; i++) {
      ours();
      if (haveGzip) haveGzip = gzip() !== undefined;
    }
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      a.push(ours());
      if (haveGzip) b.push(gzip() ?? Number.NaN);
    }
    const ms = median(a);
    const name = `lupine index, ${COUNT} signed packages (keys checked)`;
    if (!haveGzip || b.some(Number.isNaN)) return [{ name, ms, target: '≤ 3×', note: 'gzip -t failed: no baseline' }];
    const baselineMs = median(b);
    return [
      {
        name,
        ms,
        baselineMs,
        ratio: ms / baselineMs,
        target: '≤ 3×',
        note: `baseline: gzip -t of the same ${COUNT} files (spawned); medians of ${RUNS} alternating runs after ${WARMUP} warm-ups`,
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
