import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, LupineError, silentLogger } from '../../core/index.js';
import { backoffDelay, netSettings } from '../../net/index.js';
import { type Digest, sha256Digest } from '../digest.js';
import { MediaType } from '../media-types.js';
import { RegistryAuth, unauthorized } from './auth.js';
import { anonymous, type CredentialSource } from './credentials.js';
import {
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  isTransientNetworkError,
  isTransientStatus,
  nodeTransport,
} from './http-transport.js';
import { isLoopback, type Reference } from './reference.js';

/** Bounded retries with exponential backoff. */
export interface RetryPolicy {
  /** Tries in all (first one included). Default 6. */
  readonly attempts: number;
  /** Delay before the second try, in ms; doubles each time. Default 200. */
  readonly baseDelayMs: number;
  /** Largest delay (also caps Retry-After). Default 5000. */
  readonly maxDelayMs: number;
}

export interface RegistryClientOptions {
  readonly credentials?: CredentialSource;
  /** Allow plain HTTP (and http token realms) for every registry, not only loopback ones. */
  readonly insecure?: boolean;
  /** Scheme per registry (`host[:port]`), overriding the default (http for loopback, https otherwise). */
  readonly schemes?: Readonly<Record<string, 'http' | 'https'>>;
  readonly transport?: HttpTransport;
  /** For the default transport: proxy variables and `LUPINE_HTTP_*` limits (passed in, never the process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly retry?: Partial<RetryPolicy>;
  readonly logger?: Logger;
}

/** A repository on a registry (a Reference without tag or digest will do). */
export type Repo = Pick<Reference, 'registry' | 'repository'>;

export interface ClientRequest {
  readonly method: HttpRequest['method'];
  /** Path under the registry (`/v2/...`) or an absolute URL (an upload Location). */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** Auth scopes, e.g. `repository:a/b:pull,push`. */
  readonly scopes: readonly string[];
  /** Refuse a response body larger than this, counted as it streams in (LIMIT_EXCEEDED). */
  readonly maxBytes?: number;
  /** Retry on 5xx/429 and dropped connections (idempotent requests). Default true. */
  readonly retry?: boolean;
}

/** Thrown (internally) when an upload step failed in a way that restarting the upload may fix. */
export class TransientFailure extends Error {
  constructor(
    message: string,
    readonly detail: unknown,
  ) {
    super(message);
    this.name = 'TransientFailure';
  }
}

export interface RegistryErrorBody {
  readonly code?: string;
  readonly message?: string;
}

export function registryErrors(res: HttpResponse): RegistryErrorBody[] {
  try {
    const j = JSON.parse(res.body.toString('utf8')) as { errors?: RegistryErrorBody[] };
    return Array.isArray(j.errors) ? j.errors : [];
  } catch {
    return [];
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * The transport layer of the distribution client: scheme choice (HTTPS, plain HTTP only for loopback
 * or `insecure`), authentication, retries with backoff, redirects. Blob and manifest operations are
 * in `RegistryClient` (registry-client.ts).
 */
export class RegistryConnection {
  readonly #transport: HttpTransport;
  readonly #credentials: CredentialSource;
  readonly #insecure: boolean;
  readonly #retry: RetryPolicy;
  readonly #schemes: Readonly<Record<string, 'http' | 'https'>>;
  readonly #log: Logger;
  readonly #auth = new Map<string, RegistryAuth>();
  readonly #ownsTransport: boolean;

  constructor(options: RegistryClientOptions = {}) {
    this.#transport = options.transport ?? nodeTransport(options.env ? { env: options.env } : {});
    this.#ownsTransport = options.transport === undefined;
    this.#credentials = options.credentials ?? anonymous;
    this.#insecure = options.insecure ?? false;
    this.#schemes = options.schemes ?? {};
    // LUPINE_HTTP_RETRIES applies here as to every client; the registry's own default is 5 retries.
    const retries = options.env?.LUPINE_HTTP_RETRIES ? netSettings(options.env).retries : 5;
    this.#retry = { attempts: retries + 1, baseDelayMs: 200, maxDelayMs: 5000, ...options.retry };
    this.#log = options.logger ?? silentLogger;
  }

  get retryPolicy(): RetryPolicy {
    return this.#retry;
  }

  get logger(): Logger {
    return this.#log;
  }

  /** `http://` for loopback registries or with `insecure`, else `https://`, unless `schemes` says otherwise. */
  baseUrl(registry: string): URL {
    const scheme = this.#schemes[registry] ?? (isLoopback(registry) || this.#insecure ? 'http' : 'https');
    return new URL(`${scheme}://${registry}/`);
  }

  /** Refuses plain HTTP to a non-loopback host unless insecure. */
  checkScheme(url: URL, registry: string): void {
    if (url.protocol === 'http:' && !this.#insecure && !isLoopback(url.host)) {
      throw new LupineError('OCI_INSECURE_REFUSED', `${registry}: refusing plain HTTP to ${url.host}`, {
        details: { registry, url: url.origin },
        hint: 'plain HTTP is only used for loopback registries; set insecure to allow it for this one',
      });
    }
  }

  #authFor(registry: string): RegistryAuth {
    let a = this.#auth.get(registry);
    if (!a) {
      a = new RegistryAuth(
        registry,
        this.#credentials,
        (req) => this.sendWithRetry(req, true, registry),
        this.#insecure,
      );
      this.#auth.set(registry, a);
    }
    return a;
  }

  backoff(attempt: number, retryAfter?: string): number {
    return backoffDelay(
      attempt,
      { backoffMs: this.#retry.baseDelayMs, maxBackoffMs: this.#retry.maxDelayMs },
      retryAfter,
    );
  }

  /** One request through the transport, retried on transient failures when `retry`. */
  async sendWithRetry(req: HttpRequest, retry: boolean, registry: string): Promise<HttpResponse> {
    const attempts = retry ? this.#retry.attempts : 1;
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.#transport.send(req);
      } catch (err) {
        // The transport's own verdicts (NET_TIMEOUT, LIMIT_EXCEEDED) are final.
        if (err instanceof LupineError) throw err;
        if (!isTransientNetworkError(err)) {
          throw new LupineError(
            'OCI_UNREACHABLE',
            `${registry}: ${req.method} ${req.url.pathname} failed: ${(err as Error).message}`,
            {
              cause: err,
              details: { registry, url: req.url.href },
              hint: 'check the registry address and that it is running',
            },
          );
        }
        if (!retry) throw new TransientFailure(`${req.method} ${req.url.pathname}: ${(err as Error).message}`, err);
        if (attempt >= attempts) {
          throw new LupineError(
            'OCI_UNREACHABLE',
            `${registry}: ${req.method} ${req.url.pathname} failed ${attempts} times: ${(err as Error).message}`,
            {
              cause: err,
              details: { registry, url: req.url.href, attempts },
              hint: 'the registry keeps dropping connections; check it or the network and try again',
            },
          );
        }
        const delay = this.backoff(attempt);
        this.#log.debug(
          `${registry}: ${req.method} ${req.url.pathname}: ${(err as Error).message}; retrying in ${delay} ms`,
        );
        await sleep(delay);
        continue;
      }
      if (!isTransientStatus(res.status) || attempt >= attempts) return res;
      if (!retry) throw new TransientFailure(`${req.method} ${req.url.pathname}: status ${res.status}`, res);
      const delay = this.backoff(attempt, res.headers['retry-after']);
      this.#log.debug(`${registry}: ${req.method} ${req.url.pathname} answered ${res.status}; retrying in ${delay} ms`);
      await sleep(delay);
    }
  }

  /** An authenticated request to a repository's registry; follows redirects for GET and HEAD. */
  async request(repo: Repo, r: ClientRequest): Promise<HttpResponse> {
    const base = this.baseUrl(repo.registry);
    const auth = this.#authFor(repo.registry);
    await auth.ping(base);
    let url = new URL(r.path, base);
    this.checkScheme(url, repo.registry);
    let scopes = r.scopes;
    let authRetried = false;
    for (let redirects = 0; ; ) {
      const sameOrigin = url.origin === base.origin;
      const headers: Record<string, string> = { ...r.headers };
      if (sameOrigin) {
        const h = await auth.header(scopes);
        if (h) headers.authorization = h;
      }
      const res = await this.sendWithRetry(
        {
          method: r.method,
          url,
          headers,
          ...(r.body ? { body: r.body } : {}),
          ...(r.maxBytes !== undefined ? { maxBytes: r.maxBytes } : {}),
        },
        r.retry ?? true,
        repo.registry,
      );
      if (res.status === 401 && sameOrigin && !authRetried) {
        const next = await auth.onUnauthorized(res, scopes);
        authRetried = true;
        if (next) {
          scopes = next;
          continue;
        }
      }
      if (res.status === 401)
        throw unauthorized(repo.registry, `${r.method} ${url.pathname} was refused (401)`, { status: 401 });
      if (REDIRECTS.has(res.status) && (r.method === 'GET' || r.method === 'HEAD') && res.headers.location) {
        if (++redirects > 5) throw this.fail(repo, res, `${r.method} ${url.pathname}: too many redirects`);
        url = new URL(res.headers.location, url);
        this.checkScheme(url, repo.registry);
        continue;
      }
      return res;
    }
  }

  /** The error for an unexpected response. */
  fail(repo: Repo, res: HttpResponse, what: string): LupineError {
    const errs = registryErrors(res);
    const codes = errs.map((e) => e.code).filter((c): c is string => typeof c === 'string');
    const msg = errs.map((e) => `${e.code ?? ''}${e.message ? `: ${e.message}` : ''}`).join('; ');
    const details = { registry: repo.registry, repository: repo.repository, status: res.status, codes };
    const text = `${repo.registry}/${repo.repository}: ${what} (${res.status}${msg ? ` ${msg}` : ''})`;
    if (res.status === 401) return unauthorized(repo.registry, text, details);
    if (res.status === 403 || codes.includes('DENIED')) {
      return new LupineError('OCI_DENIED', text, {
        details,
        hint: 'the credentials are valid but lack permission for this repository',
      });
    }
    if (codes.includes('MANIFEST_UNKNOWN') || (codes.includes('NAME_UNKNOWN') && what.includes('manifest'))) {
      return new LupineError('OCI_MANIFEST_UNKNOWN', text, {
        details,
        hint: 'check the tag or digest and the repository name',
      });
    }
    if (codes.includes('BLOB_UNKNOWN') || codes.includes('MANIFEST_BLOB_UNKNOWN')) {
      return new LupineError('OCI_BLOB_UNKNOWN', text, {
        details,
        hint: 'push the blobs a manifest refers to before the manifest',
      });
    }
    if (codes.includes('MANIFEST_INVALID') || codes.includes('DIGEST_INVALID') || codes.includes('SIZE_INVALID')) {
      return new LupineError('OCI_MANIFEST_INVALID', text, {
        details,
        hint: 'the registry rejected the content; rebuild it',
      });
    }
    return new LupineError('OCI_REGISTRY_ERROR', text, {
      details,
      hint: 'the registry failed or refused the request; try again later',
    });
  }

  close(): void {
    if (this.#ownsTransport) this.#transport.close();
  }
}

/** Checks that `bytes` hash to `digest`, as a registry-side error. */
export function checkDownloaded(repo: Repo, bytes: Uint8Array, digest: Digest, what: string): void {
  const actual = sha256Digest(bytes);
  if (actual !== digest) {
    throw new LupineError(
      'OCI_DIGEST_MISMATCH',
      `${repo.registry}/${repo.repository}: ${what} hashes to ${actual}, expected ${digest}`,
      {
        details: { expected: digest, actual },
        hint: 'the registry served damaged content; try again',
      },
    );
  }
}

export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.dockerManifest,
].join(', ');
