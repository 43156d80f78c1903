/** One line of the bench table. Times are medians in milliseconds, measured in the same run. */
export interface BenchResult {
  /** What was measured, e.g. `index parse+verify (alpine v3.17, 5004 pkgs)`. */
  name: string;
  /** lupine's median time. */
  ms: number;
  /** The baseline's median time, measured in the same run (e.g. `gzip -dc`). */
  baselineMs?: number;
  /** ms / baselineMs. */
  ratio?: number;
  /** The goal for `ratio`, written `≤ 3×`. */
  target?: string;
  /** What the baseline is, or why there is none. */
  note?: string;
}

/** The median of the samples (the mean of the middle two for an even count). */
export function median(samples: readonly number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times; returns the median in ms. */
export async function timeMedian(fn: () => unknown, runs = 9, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/** The number in a target such as `≤ 3×`; undefined when there is none. */
export function targetRatio(target: string | undefined): number | undefined {
  const m = target === undefined ? null : /(\d+(?:\.\d+)?)/.exec(target);
  return m ? Number(m[1]) : undefined;
}

/** `pass`, `over`, or `-` when there is no ratio or no target. */
export function verdict(r: BenchResult): 'pass' | 'over' | '-' {
  const t = targetRatio(r.target);
  if (t === undefined || r.ratio === undefined) return '-';
  return r.ratio <= t ? 'pass' : 'over';
}

/**
 * `LUPINE_BENCH_QUICK=1` runs each bench once with no warm-up: the
 * test suite uses it to check that every bench still runs. Figures from a quick run mean nothing.
 */
export const QUICK = process.env.LUPINE_BENCH_QUICK === '1';

export function runs(n: number): number {
  return QUICK ? 1 : n;
}

export function warmups(n: number): number {
  return QUICK ? 0 : n;
}
