import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTar } from '../src/archive/index.js';
import {
  buildImageConfig,
  buildManifest,
  layerDescriptor,
  layerFromTar,
  makeIndex,
  platformFor,
  writeLayout,
} from '../src/oci/index.js';
import { type BenchResult, median, runs, warmups } from './result.js';

const PACKAGES = 100;
const SECDB_PACKAGES = 5000;
const OSV_RECORDS = 10_000;
const RUNS = runs(9);
const WARMUP = warmups(2);

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
}

/** A root of 100 installed packages (50 origins with two subpackages each) and a wolfi os-release. */
function writeRoot(root: string): void {
  const records: string[] = [];
  for (let i = 0; i < PACKAGES; i++) {
    records.push(
      `P:pkg${i}\nV:1.${i % 7}.0-r${i % 3}\nA:x86_64\no:src${Math.floor(i / 2)}\nT:bench package\nL:MIT\nS:1000\nI:4096\n`,
    );
  }
  mkdirSync(join(root, 'lib/apk/db'), { recursive: true });
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'lib/apk/db/installed'), `${records.join('\n')}\n`);
  writeFileSync(join(root, 'etc/os-release'), 'ID=wolfi\nNAME="Wolfi"\nVERSION_ID=20230201\n');
}

/** The same root as a one-layer OCI image layout (`image/`): the scan then reads the image's layer. */
async function writeImage(root: string, layoutDir: string): Promise<void> {
  const read = (p: string) => readFileSync(join(root, p));
  const dir = (name: string) => ({ name: `${name}/`, type: 'dir' as const, mode: 0o755, mtime: 0 });
  const file = (name: string) => ({ name, type: 'file' as const, mode: 0o644, mtime: 0, data: read(name) });
  const tar = writeTar(
    [dir('etc'), file('etc/os-release'), dir('lib'), dir('lib/apk'), dir('lib/apk/db'), file('lib/apk/db/installed')],
    { dialect: 'ustar' },
  );
  const layer = await layerFromTar(tar);
  const platform = platformFor('x86_64');
  const config = buildImageConfig({
    architecture: platform.architecture,
    os: platform.os,
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    config: {},
  });
  const manifest = buildManifest({ config: config.descriptor, layers: [layerDescriptor(layer)] });
  const index = makeIndex({ manifests: [{ ...manifest.descriptor, platform }] });
  await writeLayout(layoutDir, {
    blobs: [layer.blob, config.bytes, manifest.bytes].map((bytes) => ({ bytes })),
    index,
  });
}

/**
 * 20,000 advisory entries: a secdb of 5,000 origins with a fix and a NAK each (10,000), and an OSV
 * list of 10,000 records (per-arch fixes, severities), spread over the same origins.
 */
function writeDb(dir: string): number {
  mkdirSync(dir, { recursive: true });
  const packages = [];
  for (let i = 0; i < SECDB_PACKAGES; i++) {
    packages.push({
      pkg: {
        name: `src${i}`,
        secfixes: { '0': [`CVE-2020-${10000 + i}`], [`1.${i % 5}.0-r1`]: [`CVE-2021-${10000 + i}`] },
      },
    });
  }
  writeFileSync(
    join(dir, 'security.json'),
    JSON.stringify({ urlprefix: 'https://packages.wolfi.dev', reponame: 'os', archs: ['x86_64'], packages }),
  );
  const records = [];
  for (let i = 0; i < OSV_RECORDS; i++) {
    records.push({
      id: `CGA-bench-${i}`,
      modified: '2026-01-01T00:00:00Z',
      aliases: [`CVE-2022-${10000 + i}`],
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N' }],
      affected: [
        {
          package: { ecosystem: 'Wolfi', name: `src${i % SECDB_PACKAGES}`, purl: `pkg:apk/wolfi/src${i}?arch=x86_64` },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `1.${i % 9}.0-r0` }] }],
        },
      ],
    });
  }
  writeFileSync(join(dir, 'osv.json'), JSON.stringify(records));
  return SECDB_PACKAGES * 2 + OSV_RECORDS;
}

/** Writes the bench's root (`root/`) and advisory database (`db/`) into `dir`; returns the entry count. */
export function writeScanBenchFixture(dir: string): number {
  writeRoot(join(dir, 'root'));
  return writeDb(join(dir, 'db'));
}

/**
 * The whole process: `bin/lupine scan ROOT --db DIR --format json` over 100 installed packages and
 * 20,000 advisory entries generated here (read, parsed, indexed, matched, reported); baseline
 * `node -e ''` (process start-up) spawned in the same run, samples alternating.
 */
export async function benchScan(): Promise<BenchResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'lupine-bench-scan-'));
  try {
    const entries = writeScanBenchFixture(work);
    const bin = join(repoRoot(), 'bin', 'lupine');
    await writeImage(join(work, 'root'), join(work, 'image'));
    let findings = -1;
    const scan = (target: string) => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [bin, 'scan', target, '--db', 'db', '--format', 'json'], {
        cwd: work,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      const ms = performance.now() - t0;
      if (r.status !== 0) throw new Error(`lupine scan failed (${r.status}): ${r.stderr}`);
      findings = (JSON.parse(r.stdout) as { findings: unknown[] }).findings.length;
      return ms;
    };
    const node = () => {
      const t0 = performance.now();
      spawnSync(process.execPath, ['-e', '']);
      return performance.now() - t0;
    };
    const results: BenchResult[] = [];
    for (const [target, what] of [
      ['image', 'an OCI image'],
      ['root', 'a root directory'],
    ] as const) {
      for (let i = 0; i < WARMUP; i++) {
        scan(target);
        node();
      }
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        a.push(scan(target));
        b.push(node());
      }
      const ms = median(a);
      const baselineMs = median(b);
      const name = `scan ${what} of ${PACKAGES} packages against ${entries} advisory entries (whole process)`;
      results.push(
        {
          name,
          ms,
          baselineMs,
          ratio: ms / baselineMs,
          note: `baseline: node -e '' (start-up), spawned; ${findings} findings; medians of ${RUNS} alternating runs after ${WARMUP} warm-ups`,
        },
        {
          name: `${name} vs the 1 s budget`,
          ms,
          baselineMs: 1000,
          ratio: ms / 1000,
          target: '≤ 1×',
          note: 'baseline here is the 1000 ms budget itself',
        },
      );
    }
    return results;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
