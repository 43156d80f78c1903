/** The clocks commands record times with. */
import { type Clock, fixedClock, sourceDateEpochClock } from '../../../core/index.js';
import type { CliIo } from '../../io.js';

/** SOURCE_DATE_EPOCH, else the wall clock. */
export function wallOrEpochClock(io: CliIo): Clock {
  return sourceDateEpochClock(io.env, { now: () => Math.floor(Date.now() / 1000) });
}

/** SOURCE_DATE_EPOCH when it is set; undefined leaves the builder's own default. */
export function sourceDateClock(io: CliIo): Clock | undefined {
  return io.env.SOURCE_DATE_EPOCH ? sourceDateEpochClock(io.env, fixedClock(0)) : undefined;
}
