import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 for the repository tests: serves files, optionally behind basic
 * auth, and counts requests per path. Behaviours are keyed by path prefix:
 * `/flaky-N/...` answers 503 N times then serves; `/drop/...` cuts the first response mid-body;
 * `/redirect?to=URL` answers 302; `/hang` never answers.
 */
export interface TestServer {
  readonly port: number;
  readonly base: string;
  readonly hits: Map<string, number>;
  /** Authorization headers seen, per path. */
  readonly auth: Map<string, (string | undefined)[]>;
  files: Map<string, Uint8Array>;
  close(): Promise<void>;
}

export async function startServer(
  options: {
    files?: Record<string, Uint8Array | string>;
    user?: string;
    password?: string;
    delayMs?: number;
    /** Holds a request until the promise it returns settles (to force requests to overlap). */
    gate?: (path: string) => Promise<void>;
  } = {},
): Promise<TestServer> {
  const files = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(options.files ?? {})) files.set(k, typeof v === 'string' ? Buffer.from(v) : v);
  const hits = new Map<string, number>();
  const auth = new Map<string, (string | undefined)[]>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    auth.set(path, [...(auth.get(path) ?? []), req.headers.authorization]);
    const respond = () => {
      if (path === '/hang') return;
      if (path === '/redirect') {
        res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
        return;
      }
      if (options.user !== undefined) {
        const want = `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}`;
        if (req.headers.authorization !== want) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end('unauthorized');
          return;
        }
      }
      const flaky = /^\/flaky-(\d+)(\/.*)$/.exec(path);
      if (flaky && n <= Number(flaky[1])) {
        res.writeHead(503, { 'retry-after': '0' }).end('busy');
        return;
      }
      const filePath = flaky ? (flaky[2] ?? '') : path.startsWith('/drop/') ? path.slice('/drop'.length) : path;
      const body = files.get(filePath);
      if (body === undefined) {
        res.writeHead(404).end('not found');
        return;
      }
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag }).end();
        return;
      }
      res.writeHead(200, { 'content-length': String(body.byteLength), etag });
      if (path.startsWith('/drop/') && n === 1) {
        res.write(body.subarray(0, Math.floor(body.byteLength / 2)));
        setImmediate(() => res.socket?.destroy());
        return;
      }
      res.end(body);
    };
    const go = () => (options.delayMs ? setTimeout(respond, options.delayMs) : respond());
    if (options.gate) options.gate(path).then(go, go);
    else go();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    hits,
    auth,
    files,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was just released). */
export async function refusedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
