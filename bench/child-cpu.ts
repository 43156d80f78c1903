import { type SpawnSyncOptionsWithStringEncoding, type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A command's wall time and the CPU time of everything it ran, sandboxed work included. */
export interface Measured {
  readonly run: SpawnSyncReturns<string>;
  readonly ms: number;
  /** user + system CPU time, ms */
  readonly cpuMs: number;
  /** how cpuMs was counted: a cgroup (everything) or rusage of reaped children (misses bubblewrap's) */
  readonly cpuSource: 'cgroup' | 'rusage';
}

interface CgroupKind {
  /** where child cgroups are made */
  readonly dir: string;
  /** CPU nanoseconds used by the cgroup `d` */
  usageNs(d: string): number;
}

// cgroup v1's cpuacct counts in ns; cgroup v2's cpu.stat in µs. Either counts every process that
// starts inside, whatever namespaces it enters: bubblewrap's pid namespace hides its processes from
// rusage (their CPU never reaches wait4 of the build), so /usr/bin/time reports almost nothing.
const KINDS: readonly CgroupKind[] = [
  {
    dir: '/sys/fs/cgroup/cpuacct',
    usageNs: (d) => Number(readFileSync(join(d, 'cpuacct.usage'), 'utf8').trim()),
  },
  ...['/sys/fs/cgroup/unified', '/sys/fs/cgroup'].map(
    (dir): CgroupKind => ({
      dir,
      usageNs: (d) => {
        const m = /^usage_usec (\d+)$/m.exec(readFileSync(join(d, 'cpu.stat'), 'utf8'));
        if (!m) throw new Error(`${d}/cpu.stat has no usage_usec`);
        return Number(m[1]) * 1000;
      },
    }),
  ),
];

function makeCgroup(): { dir: string; kind: CgroupKind } | undefined {
  for (const kind of KINDS) {
    if (!existsSync(kind.dir)) continue;
    const dir = join(kind.dir, `lupine-bench-${process.pid}-${Date.now()}`);
    try {
      mkdirSync(dir);
      kind.usageNs(dir);
      if (!statSync(join(dir, 'cgroup.procs')).isFile()) throw new Error('no cgroup.procs');
      return { dir, kind };
    } catch {
      try {
        rmdirSync(dir);
      } catch {}
    }
  }
  return undefined;
}

/**
 * Runs `cmd args` and measures it. In a fresh cgroup when this machine lets us make one (root, as on
 * the CI machine), so the CPU of sandboxed build steps is counted; otherwise through /usr/bin/time
 * (Debian's `time` package), which sees only the children that reach wait4.
 */
export function measureCommand(
  cmd: string,
  args: readonly string[],
  opts: SpawnSyncOptionsWithStringEncoding,
): Measured {
  const cg = makeCgroup();
  const t0 = performance.now();
  if (cg) {
    try {
      // the shell joins the cgroup, then becomes the command: every descendant starts inside it
      const run = spawnSync('/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cg.dir, cmd, ...args], opts);
      const ms = performance.now() - t0;
      return { run, ms, cpuMs: cg.kind.usageNs(cg.dir) / 1e6, cpuSource: 'cgroup' };
    } finally {
      try {
        rmdirSync(cg.dir);
      } catch {}
    }
  }
  const run = spawnSync('/usr/bin/time', ['-f', 'LUPINE_CPU %U %S', cmd, ...args], opts);
  const ms = performance.now() - t0;
  const m = /LUPINE_CPU ([\d.]+) ([\d.]+)/.exec(run.stderr ?? '');
  if (!m) throw new Error("no CPU time from /usr/bin/time (./setup.sh installs Debian's time package)");
  return { run, ms, cpuMs: (Number(m[1]) + Number(m[2])) * 1000, cpuSource: 'rusage' };
}
