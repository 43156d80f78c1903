/**
 * The one HTTP transport under every network client (repository fetcher, registry client, advisory
 * downloads): one request over node:http(s) with keep-alive, an overall deadline, a minimum
 * transfer rate, an inactivity timeout, a body-size limit, `HTTPS_PROXY` / `HTTP_PROXY` /
 * `NO_PROXY`, and credentials from a table (see credentials.ts). Retries and back-off are in
 * retry.ts; status handling (redirects, 401, 404) stays with each client.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { checkLimit, commandElapsedMs, LupineError } from '../core/index.js';
import {
  basicAuthorization,
  credentialFor,
  type HostCredential,
  parseHttpAuth,
  type UrlCredential,
} from './credentials.js';
import { proxyFor } from './proxy.js';
import { type NetSettings, netSettings } from './settings.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface NetRequest {
  readonly method: HttpMethod;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** Refuse a body larger than this (LIMIT_EXCEEDED). Default: the settings' `maxBodyBytes`. */
  readonly maxBytes?: number;
  readonly signal?: AbortSignal;
  /** Add basic credentials from the table / HTTP_AUTH when the request has no authorization. Default true. */
  readonly auth?: boolean;
}

export interface NetResponse {
  readonly status: number;
  /** Lowercased names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** Whether the request carried an authorization header. */
  readonly sentAuthorization: boolean;
}

export interface NetTransportOptions extends Partial<NetSettings> {
  /** Where `HTTP_AUTH`, the proxy variables and the `LUPINE_HTTP_*` limits are read (passed in, never the process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Credentials split off URLs where they were read. */
  readonly credentials?: readonly UrlCredential[];
  readonly userAgent?: string;
  /** Extra trusted CA certificates (PEM) for https. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
}

/** A stalled or over-long transfer: `reason` says which limit. Not retried (the server is the problem). */
function timeoutError(
  url: URL,
  reason: 'deadline' | 'min-rate' | 'command-deadline',
  message: string,
  limit: Record<string, number>,
): LupineError {
  const shown = `${url.origin}${url.pathname}`;
  return new LupineError('NET_TIMEOUT', `${shown}: ${message}`, {
    details: { url: shown, reason, ...limit },
    hint:
      reason === 'command-deadline'
        ? "the command's network work took longer than LUPINE_NET_TOTAL_DEADLINE (seconds); raise it for a slow link"
        : reason === 'deadline'
          ? 'the server is too slow; raise LUPINE_HTTP_DEADLINE (seconds) if the transfer is expected to take this long'
          : 'the server sends too slowly; lower LUPINE_HTTP_MIN_RATE (bytes/s) or raise LUPINE_HTTP_LOW_SPEED_TIME (seconds) for a slow link',
  });
}

export class NetTransport {
  readonly settings: NetSettings;
  readonly #auth: HostCredential | undefined;
  readonly #credentials: readonly UrlCredential[];
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #userAgent: string;
  readonly #httpAgent: http.Agent;
  readonly #httpsAgent: https.Agent;
  readonly #ca: NetTransportOptions['ca'];

  constructor(options: NetTransportOptions = {}) {
    this.#env = options.env ?? {};
    this.settings = netSettings(this.#env, options);
    this.#auth = parseHttpAuth(this.#env.HTTP_AUTH);
    this.#credentials = options.credentials ?? [];
    this.#userAgent = options.userAgent ?? 'lupine';
    this.#ca = options.ca;
    this.#httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    this.#httpsAgent = new https.Agent({
      keepAlive: true,
      maxSockets: 8,
      ...(options.ca ? { ca: options.ca as (string | Buffer)[] } : {}),
    });
  }

  /** The basic credential the table or HTTP_AUTH has for a URL. */
  credentialFor(url: URL): { readonly user: string; readonly password: string } | undefined {
    return credentialFor(url, this.#credentials, this.#auth);
  }

  /**
   * One request, no retries, no redirects. Network failures reject with the socket error (see
   * `isTransientNetworkError`); the deadline and the minimum rate reject with NET_TIMEOUT.
   */
  // long: one request's event handlers (response, data, rate and deadline timers, abort) all settle through the one settle-once `finish`
  async send(req: NetRequest): Promise<NetResponse> {
    const headers: Record<string, string> = { 'user-agent': this.#userAgent, ...req.headers };
    if (req.auth !== false && headers.authorization === undefined) {
      const c = this.credentialFor(req.url);
      if (c) headers.authorization = basicAuthorization(c);
    }
    if (req.body !== undefined) headers['content-length'] = String(req.body.length);
    else if (req.method === 'PUT' || req.method === 'POST' || req.method === 'PATCH') headers['content-length'] = '0';
    const isHttps = req.url.protocol === 'https:';
    const proxy = proxyFor(req.url, this.#env);
    const target = await this.#target(req.url, proxy, headers, req.signal);
    const maxBytes = req.maxBytes ?? this.settings.maxBodyBytes;
    const { deadlineMs, minBytesPerSecond, lowSpeedTimeMs, idleTimeoutMs, totalDeadlineMs } = this.settings;
    // What is left of the whole command's network deadline, when one is set.
    const left = totalDeadlineMs > 0 ? totalDeadlineMs - commandElapsedMs() : Number.POSITIVE_INFINITY;
    const overTotal = () =>
      timeoutError(req.url, 'command-deadline', `the command's network work is past its ${totalDeadlineMs} ms`, {
        totalDeadlineMs,
      });
    if (left <= 0) throw overTotal();
    return new Promise<NetResponse>((resolve, reject) => {
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      const finish = (f: () => void) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        f();
      };
      const lib = isHttps && !proxy ? https : http;
      const r = lib.request(
        {
          ...target,
          method: req.method,
          headers,
          timeout: idleTimeoutMs,
          ...(req.signal ? { signal: req.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let n = 0;
          let windowBytes = 0;
          const declared = res.headers['content-length'];
          try {
            if (declared !== undefined) checkLimit(`size of ${shownUrl(req.url)}`, Number(declared), maxBytes);
          } catch (err) {
            r.destroy();
            finish(() => reject(err));
            return;
          }
          if (minBytesPerSecond > 0 && req.method !== 'HEAD') {
            const tick = () => {
              if (windowBytes < (minBytesPerSecond * lowSpeedTimeMs) / 1000) {
                const e = timeoutError(
                  req.url,
                  'min-rate',
                  `received ${windowBytes} bytes in ${lowSpeedTimeMs} ms, below the minimum of ${minBytesPerSecond} bytes/s`,
                  { minBytesPerSecond, lowSpeedTimeMs },
                );
                r.destroy();
                finish(() => reject(e));
                return;
              }
              windowBytes = 0;
              timers.push(setTimeout(tick, lowSpeedTimeMs).unref());
            };
            timers.push(setTimeout(tick, lowSpeedTimeMs).unref());
          }
          res.on('data', (c: Buffer) => {
            n += c.length;
            windowBytes += c.length;
            if (n > maxBytes) {
              try {
                checkLimit(`size of ${shownUrl(req.url)}`, n, maxBytes);
              } catch (err) {
                r.destroy();
                finish(() => reject(err));
              }
              return;
            }
            chunks.push(c);
          });
          res.on('error', (err) => finish(() => reject(err)));
          res.on('close', () => {
            if (!res.complete)
              finish(() => reject(Object.assign(new Error('connection dropped mid-body'), { code: 'ECONNRESET' })));
          });
          res.on('end', () => {
            if (!res.complete || (declared !== undefined && req.method !== 'HEAD' && n !== Number(declared))) {
              finish(() =>
                reject(Object.assign(new Error(`connection dropped after ${n} bytes`), { code: 'ECONNRESET' })),
              );
              return;
            }
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
            }
            const body = Buffer.concat(chunks, n);
            finish(() =>
              resolve({
                status: res.statusCode ?? 0,
                headers: out,
                body,
                sentAuthorization: headers.authorization !== undefined,
              }),
            );
          });
        },
      );
      if (Number.isFinite(left)) {
        timers.push(
          setTimeout(() => {
            const e = overTotal();
            r.destroy();
            finish(() => reject(e));
          }, left).unref(),
        );
      }
      if (deadlineMs > 0) {
        timers.push(
          setTimeout(() => {
            const e = timeoutError(req.url, 'deadline', `not complete after ${deadlineMs} ms`, { deadlineMs });
            r.destroy();
            finish(() => reject(e));
          }, deadlineMs).unref(),
        );
      }
      r.on('timeout', () =>
        r.destroy(Object.assign(new Error(`no data for ${idleTimeoutMs} ms`), { code: 'ETIMEDOUT' })),
      );
      r.on('error', (err) => finish(() => reject(req.signal?.aborted ? (req.signal.reason ?? err) : err)));
      r.end(
        req.body === undefined ? undefined : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength),
      );
    });
  }

  /**
   * Where to send a request: straight to the host; for http through a proxy, to the proxy with the
   * absolute URL as the path; for https through a proxy, TLS over a CONNECT tunnel.
   */
  async #target(
    url: URL,
    proxy: URL | undefined,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<http.RequestOptions> {
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const path = `${url.pathname}${url.search}`;
    const isHttps = url.protocol === 'https:';
    if (!proxy) {
      return {
        protocol: url.protocol,
        hostname,
        port: url.port || (isHttps ? 443 : 80),
        path,
        agent: isHttps ? this.#httpsAgent : this.#httpAgent,
      };
    }
    const proxyAuth = proxy.username
      ? basicAuthorization({ user: decodeURIComponent(proxy.username), password: decodeURIComponent(proxy.password) })
      : undefined;
    const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '');
    const proxyPort = proxy.port || 80;
    if (!isHttps) {
      if (proxyAuth) headers['proxy-authorization'] = proxyAuth;
      headers.host = url.host;
      return { protocol: 'http:', hostname: proxyHost, port: proxyPort, path: url.href, agent: this.#httpAgent };
    }
    const port = url.port || '443';
    headers.host = url.host;
    const socket = await new Promise<Duplex>((resolve, reject) => {
      const c = http.request({
        hostname: proxyHost,
        port: proxyPort,
        method: 'CONNECT',
        path: `${hostname}:${port}`,
        headers: { host: `${url.hostname}:${port}`, ...(proxyAuth ? { 'proxy-authorization': proxyAuth } : {}) },
        timeout: this.settings.idleTimeoutMs,
        ...(signal ? { signal } : {}),
      });
      c.on('connect', (res, s) => {
        if (res.statusCode !== 200) {
          s.destroy();
          reject(
            new LupineError(
              'NET_PROXY_REFUSED',
              `the proxy ${proxy.host} refused CONNECT ${url.host}: ${res.statusCode}`,
              {
                details: { proxy: proxy.host, status: res.statusCode ?? 0 },
                hint: 'check HTTPS_PROXY (and its credentials) or add the host to NO_PROXY',
              },
            ),
          );
          return;
        }
        resolve(s);
      });
      c.on('timeout', () => c.destroy(Object.assign(new Error('proxy CONNECT timed out'), { code: 'ETIMEDOUT' })));
      c.on('error', reject);
      c.end();
    });
    return {
      protocol: 'http:',
      hostname,
      port,
      path,
      createConnection: () =>
        tls.connect({
          socket,
          ...(isIP(hostname) ? {} : { servername: hostname }),
          ...(this.#ca ? { ca: this.#ca as (string | Buffer)[] } : {}),
        }),
    };
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }
}

function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
