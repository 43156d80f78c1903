import http from 'node:http';
import https from 'node:https';

export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
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

export interface NodeTransportOptions {
  /** Largest response body accepted, in bytes. */
  readonly maxBodyBytes?: number;
  /** Socket inactivity timeout in ms. Default 60000. */
  readonly timeoutMs?: number;
  /** Extra trusted CA certificates (PEM) for https. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  readonly userAgent?: string;
}

/** Error raised when a response body is over the limit. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`response body is larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The transport over node:http / node:https, with keep-alive agents owned by the transport. */
export function nodeTransport(options: NodeTransportOptions = {}): HttpTransport {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 8,
    ...(options.ca ? { ca: options.ca as string[] } : {}),
  });
  const maxBody = options.maxBodyBytes ?? 4 * 1024 ** 3;
  const timeout = options.timeoutMs ?? 60_000;
  return {
    send: (req) =>
      new Promise<HttpResponse>((resolve, reject) => {
        const isHttps = req.url.protocol === 'https:';
        const headers: Record<string, string> = { 'user-agent': options.userAgent ?? 'lupine', ...req.headers };
        if (req.body !== undefined) headers['content-length'] = String(req.body.length);
        else if (req.method === 'PUT' || req.method === 'POST' || req.method === 'PATCH')
          headers['content-length'] = '0';
        const r = (isHttps ? https : http).request(
          req.url,
          { method: req.method, headers, agent: isHttps ? httpsAgent : httpAgent, timeout },
          (res) => {
            const chunks: Buffer[] = [];
            let n = 0;
            res.on('data', (c: Buffer) => {
              n += c.length;
              if (n > maxBody) {
                res.destroy(new BodyTooLargeError(maxBody));
                return;
              }
              chunks.push(c);
            });
            res.on('error', reject);
            res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
            res.on('end', () => {
              if (!res.complete) {
                reject(Object.assign(new Error('response ended early'), { code: 'ECONNRESET' }));
                return;
              }
              const out: Record<string, string> = {};
              for (const [k, v] of Object.entries(res.headers)) {
                if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
              }
              resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks) });
            });
          },
        );
        r.on('timeout', () => r.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
        r.on('error', reject);
        r.end(
          req.body === undefined ? undefined : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength),
        );
      }),
    close: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

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
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && TRANSIENT_CODES.has(e.code)) return true;
  return typeof e.message === 'string' && /socket hang up|ECONNRESET|other side closed/.test(e.message);
}

/** Statuses worth another try. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}
