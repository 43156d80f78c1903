import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  emptyPackageInfo,
  generateRsaKeyPair,
  type PackageInfo,
  parsePrivateKey,
  readPackage,
  type TreeEntry,
  writePackage,
} from '../src/apk/index.js';
import { fixedClock } from '../src/core/index.js';
import { buildRecipe } from '../src/pkg/index.js';
import { writeApkIndexArchive } from '../src/repo/index.js';
import { type BenchResult, median, runs, warmups } from './result.js';

const PACKAGES = 10;
const FILES = 20;
const RUNS = runs(7);
const WARMUP = warmups(2);
const TARGET_MS = 300;

/** A signed repository of 10 packages: the host's dash (+ its libraries) as /bin/sh, and 9 small ones. */
async function makeRepo(dir: string): Promise<{ repo: string; keys: string; key: string; names: string[] }> {
  const repo = join(dir, 'repo');
  const keys = join(dir, 'keys');
  mkdirSync(join(repo, 'x86_64'), { recursive: true });
  mkdirSync(keys);
  const pair = await generateRsaKeyPair(2048);
  const key = join(dir, 'bench.rsa');
  writeFileSync(key, pair.privatePem);
  writeFileSync(join(keys, 'bench.rsa.pub'), pair.publicPem);
  const signingKey = { key: parsePrivateKey(pair.privatePem, key), keyName: 'bench.rsa.pub' };
  const shell: TreeEntry[] = [{ path: 'bin/sh', type: 'file', mode: 0o755, data: readFileSync('/usr/bin/dash') }];
  for (const line of execFileSync('ldd', ['/usr/bin/dash'], { encoding: 'utf8' }).split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) shell.push({ path: m[1].slice(1), type: 'file', mode: 0o755, data: readFileSync(m[1]) });
  }
  const specs: Array<{ name: string; files: TreeEntry[] }> = [{ name: 'bench-shell', files: shell }];
  for (let p = 1; p < PACKAGES; p++) {
    const files: TreeEntry[] = [
      { path: `usr/bin/tool${p}`, type: 'file', mode: 0o755, data: Buffer.from(`#!/bin/sh\necho ${p}\n`) },
    ];
    for (let f = 0; f < FILES; f++) {
      files.push({ path: `usr/share/pkg${p}/f${f}`, type: 'file', data: Buffer.from(`pkg ${p} file ${f}\n`) });
    }
    specs.push({ name: `bench-pkg${p}`, files });
  }
  const records: PackageInfo[] = [];
  for (const s of specs) {
    const info = { ...emptyPackageInfo(s.name, '1-r0'), arch: 'x86_64', origin: s.name, license: 'MIT' };
    const bytes = writePackage({ files: s.files, info, clock: fixedClock(0), signingKey });
    writeFileSync(join(repo, 'x86_64', `${s.name}-1-r0.apk`), bytes);
    const pkg = readPackage(bytes);
    records.push({ ...pkg.info, identity: pkg.identity, size: bytes.length });
  }
  writeFileSync(
    join(repo, 'x86_64', 'APKINDEX.tar.gz'),
    writeApkIndexArchive(records, { signingKey: signingKey.key, keyName: 'bench.rsa.pub' }),
  );
  return { repo, keys, key, names: specs.map((s) => s.name) };
}

/**
 * The whole `buildRecipe` for a recipe with one trivial `runs` step and a guest of 10 packages from
 * a warm cache: compile, resolve, assemble, sandbox, SCA, lint, SBOM, sign, publish and index. The
 * step's own time (as the build measures it) is subtracted: what is left is lupine's overhead
 * (target ≤ 300 ms).
 */
export async function benchPkgBuild(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lupine-bench-pkg-'));
  try {
    const r = await makeRepo(dir);
    const recipe = join(dir, 'recipe', 'trivial.yaml');
    mkdirSync(join(dir, 'recipe'));
    writeFileSync(
      recipe,
      `package:
  name: trivial
  version: "1.0"
  epoch: 0
  description: one trivial step
  copyright:
    - license: MIT
environment:
  contents:
    packages:
${r.names.map((n) => `      - ${n}\n`).join('')}pipeline:
  - runs: |
      echo done > \${{targets.destdir}}/trivial-done
`,
    );
    const total: number[] = [];
    const steps: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const t0 = performance.now();
      const res = await buildRecipe(recipe, {
        arch: 'x86_64',
        outDir: join(dir, `out${i}`),
        runner: 'bubblewrap',
        repositories: [r.repo],
        keys: [r.keys],
        signingKey: r.key,
        packageCacheDir: join(dir, 'pkg-cache'),
      });
      const t1 = performance.now();
      if (res.packages.length !== 1 || res.guest.length !== PACKAGES) throw new Error('unexpected build result');
      if (i >= WARMUP) {
        total.push(t1 - t0);
        steps.push(res.stepMs);
      }
    }
    const ms = median(total);
    const stepMs = median(steps);
    const overhead = median(total.map((t, i) => t - (steps[i] as number)));
    return [
      {
        name: `pkg build: one trivial runs step, ${PACKAGES}-package guest (warm cache)`,
        ms,
        baselineMs: stepMs,
        ratio: ms / stepMs,
        note:
          `overhead (wall time minus the step's own ${stepMs.toFixed(1)} ms) ${overhead.toFixed(1)} ms; ` +
          `target ≤ ${TARGET_MS} ms: ${overhead <= TARGET_MS ? 'met' : 'NOT met'}; baseline is the step inside the sandbox`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
