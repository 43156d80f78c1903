import { LupineError } from './errors.js';

/** Where time comes from. Everything written to bytes takes its time from a Clock. */
export interface Clock {
  /** Seconds since the Unix epoch. */
  now(): number;
}

export function fixedClock(seconds: number): Clock {
  return { now: () => seconds };
}

/**
 * The clock for reproducible output: SOURCE_DATE_EPOCH when set, else the given fallback
 * (the caller decides: wall time for interactive use, 0 for fully reproducible output).
 */
export function sourceDateEpochClock(env: Readonly<Record<string, string | undefined>>, fallback: Clock): Clock {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) {
    throw new LupineError('USAGE', `SOURCE_DATE_EPOCH must be a whole number of seconds, got '${raw}'`, {
      hint: 'set SOURCE_DATE_EPOCH to e.g. $(git log -1 --format=%ct)',
    });
  }
  return fixedClock(Number(raw));
}
