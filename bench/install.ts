import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyPackageInfo, type PackageInfo, readPackage, type TreeEntry, writePackage } from '../src/apk/index.js';
import { gzipMember, type TarWriteEntry, writeTar } from '../src/archive/index.js';
import { fixedClock } from '../src/core/index.js';
import { resolveAndInstall } from '../src/install/index.js';
import { writeApkIndexArchive } from '../src/repo/index.js';
import { type BenchResult, median, runs, warmups } from './result.js';

const PACKAGES = 50;
const FILES = 40;
const RUNS = runs(7);
const WARMUP = warmups(2);

/** Deterministic pseudo-random bytes (so gzip has something to do). */
function bytes(seed: number, n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = i % 3 === 0 ? x >>> 24 : 97 + (i % 26);
  }
  return b;
}

/** Writes the packages and their (unsigned) APKINDEX.tar.gz as a local repository under `repo`. */
function makeRepository(repo: string): { names: string[]; all: TarWriteEntry[]; totalBytes: number } {
  const arch = join(repo, 'x86_64');
  mkdirSync(arch, { recursive: true });
  const infos: PackageInfo[] = [];
  const all: TarWriteEntry[] = [];
  let totalBytes = 0;
  for (let p = 0; p < PACKAGES; p++) {
    const name = `bench${p}`;
    const files: TreeEntry[] = [{ path: `usr/share/${name}`, type: 'dir' }];
    all.push({ name: `usr/share/${name}/`, type: 'dir', mode: 0o755, mtime: 0 });
    for (let f = 0; f < FILES; f++) {
      const size = f % 10 === 0 ? 200_000 : 2_000 + ((p * 7 + f * 13) % 20_000);
      const data = bytes(p * 1000 + f, size);
      totalBytes += size;
      files.push({ path: `usr/share/${name}/f${f}`, type: 'file', data });
      all.push({ name: `usr/share/${name}/f${f}`, type: 'file', mode: 0o644, mtime: 0, data });
    }
    const info = { ...emptyPackageInfo(name, '1.0-r0'), arch: 'x86_64', description: 'bench', license: 'MIT' };
    const apk = writePackage({ files, info, clock: fixedClock(0) });
    writeFileSync(join(arch, `${name}-1.0-r0.apk`), apk);
    infos.push(readPackage(apk, { source: name }).info);
  }
  writeFileSync(join(arch, 'APKINDEX.tar.gz'), writeApkIndexArchive(infos, { description: 'bench' }));
  return { names: infos.map((i) => i.name), all, totalBytes };
}

/**
 * Bench: install 50 packages (40 files each, ~25 MB) from a local repository on disk into an empty
 * root through `resolveAndInstall` — index, resolve, read and verify, stage, sync, journal, commit
 * with backups, databases, done marker — against `tar -xzf` of one tar.gz holding the same files,
 * spawned in the same run. Samples alternate; fresh roots each time; medians compared.
 */
export async function benchInstall(): Promise<BenchResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'lupine-bench-install-'));
  const repo = join(work, 'repo');
  const tgz = join(work, 'all.tar.gz');
  let names: string[] = [];
  let n = 0;
  const ours = async () => {
    const root = join(work, `r${n++}`);
    spawnSync('mkdir', [root]);
    const t0 = performance.now();
    const r = await resolveAndInstall(root, {
      repositories: [repo],
      arch: 'x86_64',
      allowUntrusted: true,
      packages: names,
      install: { clock: fixedClock(0) },
    });
    const ms = performance.now() - t0;
    if (r.installed.length !== PACKAGES) throw new Error(`installed ${r.installed.length} of ${PACKAGES} packages`);
    rmSync(root, { recursive: true, force: true });
    return ms;
  };
  const tar = () => {
    const root = join(work, `t${n++}`);
    spawnSync('mkdir', [root]);
    const t0 = performance.now();
    const r = spawnSync('tar', ['-xzf', tgz, '-C', root]);
    const ms = performance.now() - t0;
    rmSync(root, { recursive: true, force: true });
    if (r.status !== 0) throw new Error('tar -x failed');
    return ms;
  };
  try {
    const made = makeRepository(repo);
    names = made.names;
    writeFileSync(tgz, gzipMember(writeTar(made.all, { dialect: 'ustar' }), { level: 6 }));
    for (let i = 0; i < WARMUP; i++) {
      await ours();
      tar();
    }
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      a.push(await ours());
      b.push(tar());
    }
    const ms = median(a);
    const baselineMs = median(b);
    return [
      {
        name: `install ${PACKAGES} packages (${PACKAGES * FILES} files, ${(made.totalBytes / 1e6).toFixed(0)} MB) from a local repository into an empty root`,
        ms,
        baselineMs,
        ratio: ms / baselineMs,
        target: '≤ 1.5×',
        note: `baseline: tar -xzf of one tar.gz with the same files (spawned); medians of ${RUNS} alternating runs after ${WARMUP} warm-ups`,
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
