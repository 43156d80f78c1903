/**
 * Redis connections for the coordinator, the workers and `distro status`: from a URL
 * (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS), given by `--redis` or
 * LUPINE_REDIS_URL. The password never appears in what we print (see `redactRedisUrl`).
 */
import { Redis } from 'ioredis';
import { LupineError } from '../core/index.js';

export const REDIS_URL_ENV = 'LUPINE_REDIS_URL';

/** The Redis URL from the flag, else the environment; a clear error when neither says. */
export function redisUrlOf(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const url = flag ?? env[REDIS_URL_ENV];
  if (url === undefined || url === '') {
    throw new LupineError('USAGE', `no Redis: give --redis URL or set ${REDIS_URL_ENV}`, {
      hint: 'for example --redis redis://127.0.0.1:6379',
    });
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LupineError('USAGE', `not a Redis URL: ${redactRedisUrl(url)}`, {
      hint: 'redis://[user:password@]host:port or rediss:// for TLS',
    });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new LupineError('USAGE', `not a Redis URL (redis:// or rediss://): ${redactRedisUrl(url)}`, {
      hint: 'redis://[user:password@]host:port or rediss:// for TLS',
    });
  }
  return url;
}

/** The URL without its password, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

export interface RedisConnectOptions {
  /** Workers and event listeners block on Redis: commands must wait for a reconnect, not fail. */
  readonly blocking?: boolean;
}

/**
 * A connection that reconnects forever with a capped back-off (a Redis restart is a pause, not a
 * failure). `rediss://` turns TLS on (ioredis reads the scheme); user and password come from the URL.
 */
export function openRedis(url: string, options: RedisConnectOptions = {}): Redis {
  const conn = new Redis(url, {
    maxRetriesPerRequest: options.blocking ? null : 20,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    lazyConnect: false,
  });
  // Connection errors while Redis restarts are expected: ioredis reconnects, commands wait or fail.
  conn.on('error', () => undefined);
  return conn;
}

/** A clear error when Redis refuses our credentials or is unreachable (checked before work starts). */
export async function checkRedis(conn: Redis, url: string): Promise<void> {
  try {
    await Promise.race([
      conn.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref()),
    ]);
  } catch (err) {
    const msg = (err as Error).message;
    const auth = /NOAUTH|WRONGPASS|invalid password|invalid username|NOPERM/i.test(msg);
    throw new LupineError(
      auth ? 'CLUSTER_REDIS_AUTH' : 'CLUSTER_REDIS_UNAVAILABLE',
      `Redis ${redactRedisUrl(url)}: ${auth ? 'authentication failed' : 'not reachable'} (${msg})`,
      {
        cause: err,
        hint: auth
          ? 'put the password (and ACL user) in the URL: redis://USER:PASSWORD@HOST:PORT'
          : 'check that Redis runs and the URL is right',
      },
    );
  }
}
