import { NetTransport, type NetTransportOptions } from '../../net/index.js';

export { isTransientNetworkError, isTransientStatus } from '../../net/index.js';

export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** Refuse a response body larger than this, counted as it streams in (LIMIT_EXCEEDED). */
  readonly maxBytes?: number;
}

export interface HttpResponse {
  readonly status: number;
  /** Lowercased names; repeated headers joined with `, ` (except none that matter here). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** Sends one request, no retries, no redirects. Network failures reject with the socket error. */
export interface HttpTransport {
  send(req: HttpRequest): Promise<HttpResponse>;
  /** Closes idle connections. */
  close(): void;
}

export interface NodeTransportOptions extends NetTransportOptions {
  /** Largest response body accepted, in bytes (the transport's `maxBodyBytes`). */
  readonly maxBodyBytes?: number;
  /** Socket inactivity timeout in ms. Default 60000. */
  readonly timeoutMs?: number;
}

/**
 * The registry's transport: the shared one (net/), with its deadline, minimum rate and proxy
 * settings. Registry authentication is the registry client's (a bearer token flow), so the
 * transport's own credential table is not applied.
 */
export function nodeTransport(options: NodeTransportOptions = {}): HttpTransport {
  const net = new NetTransport({
    ...options,
    idleTimeoutMs: options.timeoutMs ?? options.idleTimeoutMs ?? 60_000,
    userAgent: options.userAgent ?? 'lupine',
  });
  return {
    send: async (req) => {
      const res = await net.send({ ...req, auth: false });
      return { status: res.status, headers: res.headers, body: res.body };
    },
    close: () => net.close(),
  };
}
