import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePublicKey } from '../src/apk/index.js';
import { readApkIndexArchive } from '../src/repo/index.js';
import { type BenchResult, median, runs, warmups } from './result.js';

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
}

const KEY = 'alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub';
const INDEX = 'alpine-v3.17-main-aarch64-APKINDEX.tar.gz';
const RUNS = runs(15);
const WARMUP = warmups(5);

function time(fn: () => boolean): number | undefined {
  const t0 = performance.now();
  const ok = fn();
  const ms = performance.now() - t0;
  return ok ? ms : undefined;
}

/**
 * Bench 1: read, inflate, verify the signature of and parse Alpine v3.17's main/aarch64 index
 * (661 KB, 5004 packages) in-process, against `gzip -dc FILE > /dev/null` spawned in the same run.
 * Samples alternate between the two so that both see the same machine load; medians are compared.
 */
export async function benchIndexParse(): Promise<BenchResult[]> {
  const dir = resolve(repoRoot(), '..', 'shared', 'vectors', 'apk');
  const file = join(dir, INDEX);
  const keys = new Map([[KEY, parsePublicKey(readFileSync(join(dir, KEY)), KEY)]]);
  let count = 0;
  const ours = () => {
    const r = readApkIndexArchive(readFileSync(file), { keys });
    if (r.signedBy !== KEY) throw new Error('the index did not verify');
    count = r.packages.length;
    return true;
  };
  const devnull = openSync('/dev/null', 'w');
  const gzip = () => spawnSync('gzip', ['-dc', file], { stdio: ['ignore', devnull, 'ignore'] }).status === 0;
  try {
    let haveGzip = true;
    for (let i = 0; i < WARMUP; i++) {
      ours();
      if (haveGzip) haveGzip = gzip();
    }
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      a.push(time(ours) as number);
      if (haveGzip) b.push(time(gzip) ?? Number.NaN);
    }
    const ms = median(a);
    const name = `index read+verify+parse (alpine v3.17, ${count} pkgs)`;
    if (!haveGzip || b.some(Number.isNaN)) return [{ name, ms, target: '≤ 3×', note: 'gzip -dc failed: no baseline' }];
    const baselineMs = median(b);
    return [
      {
        name,
        ms,
        baselineMs,
        ratio: ms / baselineMs,
        target: '≤ 3×',
        note: `baseline: gzip -dc FILE > /dev/null (spawned); medians of ${RUNS} alternating runs after ${WARMUP} warm-ups`,
      },
    ];
  } finally {
    closeSync(devnull);
  }
}
