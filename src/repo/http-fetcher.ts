import { setTimeout as sleep } from 'node:timers/promises';
import { checkLimit, LupineError, type Logger, silentLogger } from '../core/index.js';
import {
  basicAuthorization,
  credentialFor,
  type HostCredential,
  parseHttpAuth,
  type UrlCredential,
} from '../net/index.js';
import { DEFAULT_MAX_FETCH_BYTES, type Fetcher, type FetchOptions, type FetchResult, redactUrl } from './fetcher.js';

export interface HttpFetcherOptions {
  /** The environment to read `HTTP_AUTH` from (passed in by the caller, never read from the global environment). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Retries after the first attempt, on 5xx, 429 and dropped connections. Default 3. */
  readonly retries?: number;
  /** First backoff delay in ms; doubles per retry. Default 500. */
  readonly backoffMs?: number;
  /** Largest backoff delay in ms (also caps `Retry-After`). Default 8000. */
  readonly maxBackoffMs?: number;
  /** Socket inactivity timeout in ms (connecting or waiting for bytes). Default 30000. */
  readonly timeoutMs?: number;
  readonly maxRedirects?: number;
  readonly userAgent?: string;
  /** Extra trusted CA certificates (PEM) for https. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  readonly logger?: Logger;
  /** Credentials split off repository and keyring URLs where they were read (see net/credentials.ts). */
  readonly credentials?: readonly UrlCredential[];
}

/** Errors of the network that mean "try again" (a dropped or stalled connection). */
const TRANSIENT = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED', 'LUPINE_TRUNCATED']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type Attempt =
  | { kind: 'done'; result: FetchResult }
  | { kind: 'redirect'; location: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number; status?: number; cause?: unknown };

class TransientError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** GETs over node:http/https with basic auth, redirects, timeouts and retries with backoff. */
export class HttpFetcher implements Fetcher {
  #auth: HostCredential | undefined;
  #credentials: readonly UrlCredential[];
  #retries: number;
  #backoffMs: number;
  #maxBackoffMs: number;
  #timeoutMs: number;
  #maxRedirects: number;
  #userAgent: string;
  #ca: HttpFetcherOptions['ca'];
  #logger: Logger;

  constructor(options: HttpFetcherOptions = {}) {
    this.#auth = parseHttpAuth(options.env?.HTTP_AUTH);
    this.#credentials = options.credentials ?? [];
    this.#retries = options.retries ?? 3;
    this.#backoffMs = options.backoffMs ?? 500;
    this.#maxBackoffMs = options.maxBackoffMs ?? 8000;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxRedirects = options.maxRedirects ?? 10;
    this.#userAgent = options.userAgent ?? 'lupine/0.1.0';
    this.#ca = options.ca;
    this.#logger = options.logger ?? silentLogger;
  }

  async get(url: string, options: FetchOptions = {}): Promise<FetchResult> {
    const original = parseHttpUrl(url);
    let current = original;
    for (let hop = 0; ; hop++) {
      const r = await this.#withRetries(current, original, options);
      if (r.kind === 'done') return r.result;
      if (hop >= this.#maxRedirects) {
        throw new LupineError('REPO_UNREACHABLE', `too many redirects fetching ${redactUrl(url)}`, {
          details: { url: redactUrl(url), redirects: hop },
        });
      }
      current = parseHttpUrl(new URL(r.location, current).toString());
    }
  }

  async #withRetries(target: URL, original: URL, options: FetchOptions): Promise<Exclude<Attempt, { kind: 'retry' }>> {
    const shown = redactUrl(target.toString());
    for (let attempt = 1; ; attempt++) {
      const r = await this.#attempt(target, original, options);
      if (r.kind !== 'retry') return r;
      if (attempt > this.#retries) {
        const what = r.status === undefined ? r.reason : `HTTP ${r.status}`;
        throw new LupineError('REPO_UNREACHABLE', `cannot fetch ${shown}: ${what} (after ${attempt} attempts)`, {
          cause: r.cause,
          details: { url: shown, attempts: attempt, ...(r.status === undefined ? {} : { status: r.status }) },
          hint: 'the server or the network failed repeatedly; try again later, or use --no-network with a warm cache',
        });
      }
      const backoff = Math.min(this.#maxBackoffMs, this.#backoffMs * 2 ** (attempt - 1));
      const delay = Math.min(this.#maxBackoffMs, Math.max(backoff, r.retryAfterMs ?? 0));
      this.#logger.warn(`${shown}: ${r.reason}; retrying in ${delay} ms (attempt ${attempt + 1}/${this.#retries + 1})`);
      await sleep(delay, undefined, { signal: options.signal });
    }
  }

  #headers(target: URL, original: URL, options: FetchOptions): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': this.#userAgent, accept: '*/*' };
    let cred: { user: string; password: string } | undefined;
    if (original.username !== '' && target.host === original.host) {
      cred = { user: decodeURIComponent(original.username), password: decodeURIComponent(original.password) };
    } else {
      cred = credentialFor(target, this.#credentials, this.#auth);
    }
    if (cred) headers.authorization = basicAuthorization(cred);
    if (options.ifNoneMatch) headers['if-none-match'] = options.ifNoneMatch;
    if (options.ifModifiedSince) headers['if-modified-since'] = options.ifModifiedSince;
    return headers;
  }

  async #attempt(target: URL, original: URL, options: FetchOptions): Promise<Attempt> {
    const shown = redactUrl(target.toString());
    const headers = this.#headers(target, original, options);
    // Loaded on first use: commands that never fetch over the network do not pay for http/tls.
    const lib =
      target.protocol === 'https:' ? (await import('node:https')).default : (await import('node:http')).default;
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_FETCH_BYTES;
    return new Promise<Attempt>((resolve, reject) => {
      const req = lib.request(
        {
          protocol: target.protocol,
          hostname: target.hostname.replace(/^\[|\]$/g, ''),
          port: target.port || undefined,
          path: `${target.pathname}${target.search}`,
          method: 'GET',
          headers,
          timeout: this.#timeoutMs,
          signal: options.signal,
          ...(this.#ca && target.protocol === 'https:'
            ? { ca: this.#ca as string | Buffer | (string | Buffer)[] }
            : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const done = (a: Attempt) => {
            res.resume();
            resolve(a);
          };
          if (REDIRECTS.has(status) && res.headers.location) {
            done({ kind: 'redirect', location: res.headers.location });
            return;
          }
          if (status === 304) {
            done({ kind: 'done', result: { status: 'not-modified', url: shown } });
            return;
          }
          if (status === 429 || status >= 500) {
            done({
              kind: 'retry',
              reason: `HTTP ${status}`,
              status,
              retryAfterMs: retryAfterMs(res.headers['retry-after']),
            });
            return;
          }
          if (status !== 200) {
            res.resume();
            reject(statusError(status, shown, 'authorization' in headers));
            return;
          }
          const declared =
            res.headers['content-length'] === undefined ? undefined : Number(res.headers['content-length']);
          try {
            if (declared !== undefined) checkLimit(`size of ${shown}`, declared, maxBytes);
          } catch (err) {
            req.destroy();
            reject(err);
            return;
          }
          const chunks: Buffer[] = [];
          let total = 0;
          res.on('data', (c: Buffer) => {
            total += c.length;
            if (total > maxBytes) {
              req.destroy();
              try {
                checkLimit(`size of ${shown}`, total, maxBytes);
              } catch (err) {
                reject(err);
              }
              return;
            }
            chunks.push(c);
          });
          res.on('error', (err) => resolve(transient(err)));
          res.on('close', () => {
            if (!res.complete)
              resolve(transient(new TransientError('connection dropped mid-body', 'LUPINE_TRUNCATED')));
          });
          res.on('end', () => {
            if (!res.complete || (declared !== undefined && total !== declared)) {
              resolve(transient(new TransientError(`connection dropped after ${total} bytes`, 'LUPINE_TRUNCATED')));
              return;
            }
            const bytes = Buffer.concat(chunks, total);
            resolve({
              kind: 'done',
              result: {
                status: 'ok',
                bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
                url: shown,
                ...(typeof res.headers.etag === 'string' ? { etag: res.headers.etag } : {}),
                ...(typeof res.headers['last-modified'] === 'string'
                  ? { lastModified: res.headers['last-modified'] }
                  : {}),
              },
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new TransientError(`no response for ${this.#timeoutMs} ms`, 'ETIMEDOUT')));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.name === 'AbortError' || options.signal?.aborted) {
          reject(options.signal?.reason ?? err);
          return;
        }
        if (isTransient(err)) {
          resolve(transient(err));
          return;
        }
        reject(
          new LupineError('REPO_UNREACHABLE', `cannot connect to ${shown}: ${err.code ?? err.message}`, {
            cause: err,
            details: { url: shown, ...(err.code ? { errno: err.code } : {}) },
            hint: 'check the repository URL, the network and that the server is running',
          }),
        );
      });
      req.end();
    });
  }
}

function parseHttpUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw new LupineError('REPO_UNREACHABLE', `'${redactUrl(url)}' is not a valid URL`, { cause: err });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new LupineError('REPO_UNREACHABLE', `'${redactUrl(url)}' is not an http(s) URL`, {
      details: { url: redactUrl(url) },
    });
  }
  return u;
}

function isTransient(err: NodeJS.ErrnoException): boolean {
  return TRANSIENT.has(err.code ?? '') || /socket hang up|aborted/i.test(err.message);
}

function transient(err: unknown): Attempt {
  const e = err as NodeJS.ErrnoException;
  return {
    kind: 'retry',
    reason: e.code && e.code !== 'LUPINE_TRUNCATED' ? `${e.code} (${e.message})` : e.message,
    cause: err,
  };
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

function statusError(status: number, shown: string, sentCredentials: boolean): LupineError {
  const details = { url: shown, status };
  if (status === 401 || status === 403) {
    return new LupineError('REPO_UNAUTHORIZED', `HTTP ${status} from ${shown}`, {
      details,
      hint: sentCredentials
        ? 'the server refused the credentials: check the user and password in the repository URL or in HTTP_AUTH=basic:HOST:USER:PASS'
        : 'the repository needs credentials: put them in the URL (https://user:pass@host/…) or set HTTP_AUTH=basic:HOST:USER:PASS',
    });
  }
  if (status === 404 || status === 410) {
    return new LupineError('REPO_NOT_FOUND', `HTTP ${status}: ${shown} does not exist`, {
      details,
      hint: 'check the repository URL and that it has an index for this architecture',
    });
  }
  return new LupineError('REPO_UNREACHABLE', `HTTP ${status} from ${shown}`, { details });
}
