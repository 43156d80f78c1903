/**
 * When to try a request again and how long to wait first, for every network client (one list of
 * transient failures, one back-off). The loops stay with the clients, which know what a status means.
 */

/** Network errors worth another try: the connection dropped, was refused mid-restart, or stalled. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

export function isTransientNetworkError(err: unknown): boolean {
  const e = err as { code?: string; message?: string; name?: string } | null;
  if (!e || e.name === 'LupineError' || e.name === 'AbortError') return false;
  if (e.code && TRANSIENT_CODES.has(e.code)) return true;
  return typeof e.message === 'string' && /socket hang up|ECONNRESET|other side closed/.test(e.message);
}

/** Statuses worth another try: 408, 429 and 5xx but 501 and 505 (which will not change). */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * The wait before try `attempt + 1` (attempt counts from 1): `backoffMs` doubling per try, or the
 * server's `Retry-After` seconds when larger, capped at `maxBackoffMs`.
 */
export function backoffDelay(
  attempt: number,
  policy: { readonly backoffMs: number; readonly maxBackoffMs: number },
  retryAfter?: string,
): number {
  const exp = policy.backoffMs * 2 ** (attempt - 1);
  const server = retryAfter !== undefined && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter.trim()) * 1000 : 0;
  return Math.min(policy.maxBackoffMs, Math.max(exp, server));
}
