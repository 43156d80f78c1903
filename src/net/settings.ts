import { LupineError } from '../core/index.js';

/**
 * Limits of one HTTP request, the same for repositories, registries and advisory downloads.
 * Each can be set by the caller or from the environment (seconds / bytes per second):
 *
 * | setting             | variable                      | default  |
 * |---------------------|-------------------------------|----------|
 * | `deadlineMs`        | `LUPINE_HTTP_DEADLINE`        | 600 s    |
 * | `minBytesPerSecond` | `LUPINE_HTTP_MIN_RATE`        | 1024 B/s |
 * | `lowSpeedTimeMs`    | `LUPINE_HTTP_LOW_SPEED_TIME`  | 30 s     |
 * | `idleTimeoutMs`     | `LUPINE_HTTP_IDLE_TIMEOUT`    | 30 s     |
 * | `retries`           | `LUPINE_HTTP_RETRIES`         | 3        |
 * | `totalDeadlineMs`   | `LUPINE_NET_TOTAL_DEADLINE`   | off (0)  |
 *
 * A transfer that receives fewer than `minBytesPerSecond × lowSpeedTime` bytes in any
 * `lowSpeedTime` window fails (curl's `--speed-limit` / `--speed-time`); one that is not complete
 * within `deadline` fails, however fast it is going. `totalDeadline` bounds all the network work of one
 * command (measured from its start, across requests, retries and transports). All fail with
 * NET_TIMEOUT. 0 turns a limit off.
 */
export interface NetSettings {
  readonly deadlineMs: number;
  /** For the whole command (see `commandElapsedMs`); 0: none. */
  readonly totalDeadlineMs: number;
  readonly minBytesPerSecond: number;
  readonly lowSpeedTimeMs: number;
  readonly idleTimeoutMs: number;
  /** Retries after the first attempt, on transient failures. */
  readonly retries: number;
  /** First back-off delay in ms; doubles per retry. */
  readonly backoffMs: number;
  /** Largest back-off delay in ms (also caps `Retry-After`). */
  readonly maxBackoffMs: number;
  /** Largest response body, in bytes. */
  readonly maxBodyBytes: number;
}

export const DEFAULT_NET_SETTINGS: NetSettings = {
  deadlineMs: 600_000,
  totalDeadlineMs: 0,
  minBytesPerSecond: 1024,
  lowSpeedTimeMs: 30_000,
  idleTimeoutMs: 30_000,
  retries: 3,
  backoffMs: 500,
  maxBackoffMs: 8000,
  maxBodyBytes: 4 * 1024 ** 3,
};

/** The variables read, with the setting each sets and its unit scale. */
const VARIABLES = [
  ['LUPINE_HTTP_DEADLINE', 'deadlineMs', 1000],
  ['LUPINE_NET_TOTAL_DEADLINE', 'totalDeadlineMs', 1000],
  ['LUPINE_HTTP_MIN_RATE', 'minBytesPerSecond', 1],
  ['LUPINE_HTTP_LOW_SPEED_TIME', 'lowSpeedTimeMs', 1000],
  ['LUPINE_HTTP_IDLE_TIMEOUT', 'idleTimeoutMs', 1000],
  ['LUPINE_HTTP_RETRIES', 'retries', 1],
] as const;

/** Defaults, then the environment, then what the caller set explicitly. */
export function netSettings(
  env: Readonly<Record<string, string | undefined>>,
  explicit: Partial<NetSettings> = {},
): NetSettings {
  const fromEnv: Record<string, number> = {};
  for (const [name, key, scale] of VARIABLES) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    if (!/^\d+(\.\d+)?$/.test(v.trim())) {
      throw new LupineError('USAGE', `${name}=${v} is not a non-negative number`, {
        details: { variable: name, value: v },
        hint: `set ${name} to a number (${scale === 1000 ? 'seconds' : key === 'retries' ? 'a count' : 'bytes per second'}), 0 to turn it off`,
      });
    }
    fromEnv[key] = Math.round(Number(v) * scale);
  }
  const pick = <K extends keyof NetSettings>(k: K): NetSettings[K] =>
    (explicit[k] ?? (fromEnv[k] as NetSettings[K] | undefined) ?? DEFAULT_NET_SETTINGS[k]) as NetSettings[K];
  return {
    deadlineMs: pick('deadlineMs'),
    totalDeadlineMs: pick('totalDeadlineMs'),
    minBytesPerSecond: pick('minBytesPerSecond'),
    lowSpeedTimeMs: Math.max(1, pick('lowSpeedTimeMs')),
    idleTimeoutMs: pick('idleTimeoutMs'),
    retries: pick('retries'),
    backoffMs: pick('backoffMs'),
    maxBackoffMs: pick('maxBackoffMs'),
    maxBodyBytes: pick('maxBodyBytes'),
  };
}
