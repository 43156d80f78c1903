/**
 * A warm `image build` of 24 packages (~36 MB installed) made here, against `tar -c ROOT | gzip -6`
 * of the same root and against umoci building the same layer (`umoci init/new/insert`), in the same
 * run. Warm: the layer cache holds the compressed layer, so lupine installs, lists, tars and hashes
 * the root but compresses nothing — what a rebuild of an unchanged image costs.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  emptyPackageInfo,
  generateRsaKeyPair,
  type PackageInfo,
  readPackage,
  type TreeEntry,
  writePackage,
} from '../src/apk/index.js';
import { fixedClock } from '../src/core/index.js';
import { buildImage, type ImageBuildResult, parseImageConfig, resolveImageConfig } from '../src/image/index.js';
import { writeApkIndexArchive } from '../src/repo/index.js';
import { type BenchResult, runs, timeMedian, warmups } from './result.js';

const PACKAGES = 24;
const FILES_PER_PACKAGE = 6;
const FILE_BYTES = 256 * 1024;
const RUNS = runs(5);
const WARMUP = warmups(1);

/** Compressible but not trivial content (a word salad from a fixed generator; gzip ratio ≈ 0.3). */
function content(seed: number, size: number): Buffer {
  const words = Array.from({ length: 4096 }, (_, i) => (i * 2654435761).toString(36).slice(0, 3 + (i % 7)));
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  let n = 0;
  while (n < size) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    n += out.write(`${words[x % words.length]}${x % 11 === 0 ? '\n' : ' '}`, n);
  }
  return out;
}

async function makeRepo(dir: string): Promise<string> {
  const pair = await generateRsaKeyPair(2048);
  const key = createPrivateKey(pair.privatePem);
  const arch = 'x86_64';
  mkdirSync(join(dir, arch), { recursive: true });
  const infos: PackageInfo[] = [];
  for (let p = 0; p < PACKAGES; p++) {
    const name = `bench-pkg${String(p).padStart(2, '0')}`;
    const files: TreeEntry[] = [
      { path: 'usr', type: 'dir' },
      { path: 'usr/lib', type: 'dir' },
      { path: `usr/lib/${name}`, type: 'dir' },
    ];
    for (let f = 0; f < FILES_PER_PACKAGE; f++) {
      files.push({ path: `usr/lib/${name}/part${f}.so`, type: 'file', data: content(p * 100 + f + 1, FILE_BYTES) });
    }
    const info = {
      ...emptyPackageInfo(name, '1.0.0-r0'),
      arch,
      origin: name,
      license: 'MIT',
      depends: p > 0 ? ['bench-pkg00'] : [],
    };
    const bytes = writePackage({
      files,
      info,
      clock: fixedClock(1700000000),
      signingKey: { key, keyName: 'bench.rsa.pub' },
    });
    writeFileSync(join(dir, arch, `${name}-1.0.0-r0.apk`), bytes);
    infos.push(readPackage(bytes).info);
  }
  writeFileSync(
    join(dir, arch, 'APKINDEX.tar.gz'),
    writeApkIndexArchive(infos, { signingKey: key, keyName: 'bench.rsa.pub' }),
  );
  writeFileSync(join(dir, 'bench.rsa.pub'), pair.publicPem);
  return join(dir, 'bench.rsa.pub');
}

function sh(script: string): void {
  const r = spawnSync('sh', ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
}

export async function benchImage(): Promise<BenchResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'lupine-bench-image-'));
  try {
    const repo = join(work, 'repo');
    const key = await makeRepo(repo);
    const text = `contents:
  keyring: [${key}]
  repositories: [${repo}]
  packages: [${Array.from({ length: PACKAGES }, (_, p) => `bench-pkg${String(p).padStart(2, '0')}`).join(', ')}]
entrypoint:
  command: /bin/true
archs: [x86_64]
`;
    const parsed = parseImageConfig(text, { file: 'bench.yaml' });
    if (!parsed.config) throw new Error('bench config does not parse');
    const config = resolveImageConfig(parsed.config);
    const opts = {
      clock: fixedClock(1700000000),
      cacheDir: join(work, 'cache'),
      tempDir: work,
    } as const;
    // Cold build once (fills the layer cache), then keep one root for the baselines.
    const kept: ImageBuildResult = await buildImage(config, { ...opts, keepRoots: true });
    const root = kept.perArch[0]?.rootDir as string;
    const bytes = Number(execFileSync('du', ['-sb', root], { encoding: 'utf8' }).split('\t')[0]);
    const warm = await timeMedian(() => buildImage(config, opts), RUNS, WARMUP);
    const tarGzip = await timeMedian(() => sh(`tar -C '${root}' -c . | gzip -6 > /dev/null`), RUNS, WARMUP);
    const results: BenchResult[] = [
      {
        name: `image build, warm (${PACKAGES} pkgs, ${(bytes / 1e6).toFixed(0)} MB)`,
        ms: warm,
        baselineMs: tarGzip,
        ratio: warm / tarGzip,
        target: '≤ 1.3×',
        note: 'baseline: tar -c ROOT | gzip -6 > /dev/null of the same root',
      },
    ];
    if (spawnSync('umoci', ['--version']).status === 0) {
      let i = 0;
      const umoci = await timeMedian(
        () => {
          const layout = join(work, `umoci-${i++}`);
          sh(
            `umoci init --layout '${layout}' && umoci new --image '${layout}:t' && umoci insert --image '${layout}:t' '${root}' / && rm -rf '${layout}'`,
          );
        },
        RUNS,
        WARMUP,
      );
      results.push({
        name: 'image build, warm vs umoci',
        ms: warm,
        baselineMs: umoci,
        ratio: warm / umoci,
        target: '≤ 1×',
        note: 'baseline: umoci init + new + insert ROOT / (the same layer)',
      });
    }
    return results;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
