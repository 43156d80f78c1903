import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, LupineError, silentLogger } from '../core/index.js';
import {
  backoffDelay,
  basicAuthorization,
  isTransientNetworkError,
  isTransientStatus,
  type NetResponse,
  NetTransport,
  type NetTransportOptions,
} from '../net/index.js';
import { DEFAULT_MAX_FETCH_BYTES, type Fetcher, type FetchOptions, type FetchResult, redactUrl } from './fetcher.js';

export interface HttpFetcherOptions extends NetTransportOptions {
  /** Socket inactivity timeout in ms (the transport's `idleTimeoutMs`). */
  readonly timeoutMs?: number;
  readonly maxRedirects?: number;
  readonly logger?: Logger;
  /** A transport to share (its settings and credentials then apply); default: one of its own. */
  readonly transport?: NetTransport;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type Attempt =
  | { kind: 'done'; result: FetchResult }
  | { kind: 'redirect'; location: string }
  | { kind: 'retry'; reason: string; retryAfter?: string; status?: number; cause?: unknown };

/**
 * GETs through the shared HTTP transport (net/): basic auth from the URL, the credential table or
 * HTTP_AUTH, redirects, conditional requests, and retries with back-off on transient failures.
 */
export class HttpFetcher implements Fetcher {
  readonly #options: HttpFetcherOptions;
  #transport: NetTransport | undefined;
  readonly #maxRedirects: number;
  readonly #logger: Logger;

  constructor(options: HttpFetcherOptions = {}) {
    this.#options = options;
    this.#transport = options.transport;
    this.#maxRedirects = options.maxRedirects ?? 10;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Made on first use: commands that only read local repositories never load http/tls. */
  get #net(): NetTransport {
    this.#transport ??= new NetTransport({
      ...this.#options,
      ...(this.#options.timeoutMs === undefined ? {} : { idleTimeoutMs: this.#options.timeoutMs }),
      userAgent: this.#options.userAgent ?? 'lupine/0.1.0',
    });
    return this.#transport;
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
    const { retries } = this.#net.settings;
    for (let attempt = 1; ; attempt++) {
      const r = await this.#attempt(target, original, options);
      if (r.kind !== 'retry') return r;
      if (attempt > retries) {
        const what = r.status === undefined ? r.reason : `HTTP ${r.status}`;
        throw new LupineError('REPO_UNREACHABLE', `cannot fetch ${shown}: ${what} (after ${attempt} attempts)`, {
          cause: r.cause,
          details: {
            url: shown,
            attempts: attempt,
            ...(r.status === undefined ? {} : { status: r.status }),
            ...(errnoOf(r.cause) ? { errno: errnoOf(r.cause) } : {}),
          },
          hint: 'the server or the network failed repeatedly; try again later, or use --no-network with a warm cache',
        });
      }
      const delay = backoffDelay(attempt, this.#net.settings, r.retryAfter);
      this.#logger.warn(`${shown}: ${r.reason}; retrying in ${delay} ms (attempt ${attempt + 1}/${retries + 1})`);
      await sleep(delay, undefined, { signal: options.signal });
    }
  }

  async #attempt(target: URL, original: URL, options: FetchOptions): Promise<Attempt> {
    const shown = redactUrl(target.toString());
    const headers: Record<string, string> = { accept: '*/*' };
    // Credentials written in the URL go to its own origin only: not to a redirect to another host,
    // nor in clear text to the same host over plain http (curl drops them too, CVE-2022-27774).
    const downgraded = original.protocol === 'https:' && target.protocol === 'http:';
    if (original.username !== '' && target.origin === original.origin) {
      headers.authorization = basicAuthorization({
        user: decodeURIComponent(original.username),
        password: decodeURIComponent(original.password),
      });
    }
    if (options.ifNoneMatch) headers['if-none-match'] = options.ifNoneMatch;
    if (options.ifModifiedSince) headers['if-modified-since'] = options.ifModifiedSince;
    let res: NetResponse;
    try {
      res = await this.#net.send({
        method: 'GET',
        url: target,
        headers,
        ...(downgraded ? { auth: false } : {}),
        maxBytes: options.maxBytes ?? DEFAULT_MAX_FETCH_BYTES,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      if (err instanceof LupineError) throw err;
      const e = err as NodeJS.ErrnoException;
      if (isTransientNetworkError(err))
        return { kind: 'retry', reason: e.code ? `${e.code} (${e.message})` : e.message, cause: err };
      throw new LupineError('REPO_UNREACHABLE', `cannot connect to ${shown}: ${e.code ?? e.message}`, {
        cause: err,
        details: { url: shown, ...(e.code ? { errno: e.code } : {}) },
        hint: 'check the repository URL, the network and that the server is running',
      });
    }
    const status = res.status;
    if (REDIRECTS.has(status) && res.headers.location) return { kind: 'redirect', location: res.headers.location };
    if (status === 304) return { kind: 'done', result: { status: 'not-modified', url: shown } };
    if (isTransientStatus(status)) {
      return {
        kind: 'retry',
        reason: `HTTP ${status}`,
        status,
        ...(res.headers['retry-after'] ? { retryAfter: res.headers['retry-after'] } : {}),
      };
    }
    if (status !== 200) throw statusError(status, shown, res.sentAuthorization);
    const bytes = res.body;
    return {
      kind: 'done',
      result: {
        status: 'ok',
        bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        url: shown,
        ...(res.headers.etag ? { etag: res.headers.etag } : {}),
        ...(res.headers['last-modified'] ? { lastModified: res.headers['last-modified'] } : {}),
      },
    };
  }
}

function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
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
