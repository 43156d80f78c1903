import { LupineError } from '../core/index.js';
import { redactCredentials } from '../net/index.js';

/**
 * The one effect the repository layer needs from the outside world: get the bytes at a URL.
 * `http(s)://` goes to the HTTP fetcher; `file://` and absolute paths to the file fetcher.
 */
export interface Fetcher {
  get(url: string, options?: FetchOptions): Promise<FetchResult>;
}

export interface FetchOptions {
  readonly signal?: AbortSignal;
  /** Refuse a body larger than this many bytes (LIMIT_EXCEEDED). */
  readonly maxBytes?: number;
  /** Conditional request: an `ETag` from an earlier fetch. */
  readonly ifNoneMatch?: string;
  /** Conditional request: a `Last-Modified` value from an earlier fetch. */
  readonly ifModifiedSince?: string;
}

export type FetchResult =
  | {
      readonly status: 'ok';
      readonly bytes: Uint8Array;
      /** Where the bytes finally came from (after redirects), credentials removed. */
      readonly url: string;
      readonly etag?: string;
      readonly lastModified?: string;
    }
  | { readonly status: 'not-modified'; readonly url: string };

/** Default largest body: 2 GiB. */
export const DEFAULT_MAX_FETCH_BYTES = 2 * 1024 ** 3;

/** Removes a password from a URL for messages and metadata (`http://user:***@host/…`). */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return redactCredentials(url);
  }
  if (u.password === '') return redactCredentials(url);
  u.password = '***';
  return u.toString();
}

/** Sends each URL to the fetcher for its scheme. */
export function routingFetcher(routes: { readonly http: Fetcher; readonly file: Fetcher }): Fetcher {
  return {
    get(url, options) {
      if (/^https?:\/\//i.test(url)) return routes.http.get(url, options);
      if (/^file:\/\//i.test(url) || url.startsWith('/')) return routes.file.get(url, options);
      return Promise.reject(
        new LupineError('REPO_UNREACHABLE', `cannot fetch '${redactUrl(url)}': not an http(s) or file URL`, {
          details: { url: redactUrl(url) },
          hint: 'repository URLs must be http://, https://, file:// or an absolute path',
        }),
      );
    },
  };
}
