import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './result.js';

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
}

const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;

/** One demo run as a separate process (the whole job, as `npm run demo` runs it); its wall time in ms. */
function runDemo(root: string, out: string): number {
  const env = { ...process.env };
  delete env.SOURCE_DATE_EPOCH;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'dist', 'scripts', 'demo.js'), '--out', out], {
    cwd: root,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`demo exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return ms;
}

/**
 * `npm run demo` end to end, from empty caches (a fresh output directory: key, distro, 6 images,
 * SBOMs, report) and the no-change rerun, each once (a cold run is by nature a single sample).
 * Reported in ms with the seconds in the note; there is no baseline to compare against.
 */
export function benchDemo(): BenchResult[] {
  const root = repoRoot();
  if (!ok('bwrap', ['--version']) || !ok('dpkg-query', ['-W', 'busybox-static', 'gcc-12', 'libc6-dev', 'nodejs'])) {
    return [{ name: 'demo (skipped)', ms: 0, note: 'needs bwrap and the Debian packages of distro/README.md' }];
  }
  const work = mkdtempSync(join(tmpdir(), 'lupine-bench-demo-'));
  try {
    const out = join(work, 'out');
    const cold = runDemo(root, out);
    const warm = runDemo(root, out);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    return [
      {
        name: 'demo from empty caches (distro + catalog + report)',
        ms: cold,
        note: `${s(cold)}; one run; no baseline (the issue sets none)`,
      },
      {
        name: 'demo rerun, no change (builds nothing)',
        ms: warm,
        note: `${s(warm)}; one run; no baseline (the issue sets none)`,
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
