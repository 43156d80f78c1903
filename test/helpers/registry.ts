import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A CNCF distribution registry (`docker-registry`) on 127.0.0.1, started for one test file. */
export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly port: number;
  readonly storage: string;
  stop(): Promise<void>;
}

export interface TestRegistryOptions {
  /** Require htpasswd (basic) auth with this user. */
  readonly htpasswd?: { readonly user: string; readonly pass: string };
}

/** A free TCP port on 127.0.0.1 (bound and released; the registry takes it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The status of GET /v2/, if the registry answering is the one tagged `id` (not another test's). */
function probe(port: number, id: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v2/', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers['x-lupine-test'] === id ? res.statusCode : undefined));
    });
    req.on('error', () => resolve(undefined));
    req.setTimeout(2000, () => req.destroy());
  });
}

async function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
}

/** Starts `docker-registry serve` with a generated config and temp storage; waits until `/v2/` answers. */
export async function startRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'lupine-registry-'));
  const storage = join(dir, 'storage');
  let auth = '';
  if (options.htpasswd) {
    const line = execFileSync('htpasswd', ['-Bbn', options.htpasswd.user, options.htpasswd.pass], {
      encoding: 'utf8',
    }).trim();
    writeFileSync(join(dir, 'htpasswd'), `${line}\n`);
    auth = `auth:\n  htpasswd:\n    realm: lupine-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const id = basename(dir);
  for (let tries = 0; ; tries++) {
    const port = await freePort();
    const config = [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: lupine-test-secret',
      '  headers:',
      `    X-Lupine-Test: [${id}]`,
      auth,
    ].join('\n');
    writeFileSync(join(dir, 'config.yml'), config);
    const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    // Safety net: never outlive the test process, even if a test forgets stop().
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    let up = false;
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      const status = await probe(port, id);
      if (status === 200 || status === 401) {
        up = true;
        break;
      }
      await sleep(50);
    }
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await waitExit(child);
      process.removeListener('exit', reap);
      rmSync(dir, { recursive: true, force: true });
    };
    if (up) return { host: `127.0.0.1:${port}`, port, storage, stop };
    if (child.exitCode === null) child.kill('SIGKILL');
    await waitExit(child);
    process.removeListener('exit', reap);
    if (tries >= 2) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`docker-registry did not start: ${stderr}`);
    }
  }
}

/** What a test proxy did, so a test can check its faults really happened. */
export interface ProxyStats {
  connections: number;
  requests: number;
  dropped: number;
  failed: number;
  tokens: number;
}

export interface TestProxyOptions {
  /** Drop every n-th connection (alternately before forwarding and after, losing the response). */
  readonly dropEvery?: number;
  /** Answer every n-th request that is not dropped with 503. */
  readonly fail503Every?: number;
  /** Require bearer tokens, issued by the proxy's own `/token` endpoint to this basic user. */
  readonly bearer?: { readonly user: string; readonly pass: string };
}

export interface TestProxy {
  readonly host: string;
  readonly port: number;
  readonly stats: ProxyStats;
  stop(): Promise<void>;
}

function requiredScope(method: string, path: string): string | undefined {
  const m = /^\/v2\/(.+?)\/(blobs|manifests|tags)\//.exec(path);
  if (!m) return undefined;
  return `repository:${m[1]}:${method === 'GET' || method === 'HEAD' ? 'pull' : 'pull,push'}`;
}

function tokenAllows(token: string, scope: string): boolean {
  const [, name, actions] = /^repository:(.+):(.+)$/.exec(scope) ?? [];
  const granted = token.replace(/^tok:/, '').split(' ');
  return (actions ?? '')
    .split(',')
    .every((a) =>
      granted.some(
        (g) => g.startsWith(`repository:${name}:`) && g.slice(`repository:${name}:`.length).split(',').includes(a),
      ),
    );
}

/**
 * A small fault-injecting HTTP proxy on 127.0.0.1 in front of a test registry. Every response says
 * `Connection: close`, so each request opens a new connection and `dropEvery` counts requests too.
 * The Host header passes through, so the registry's upload Locations point back at the proxy.
 */
export async function startProxy(targetPort: number, options: TestProxyOptions = {}): Promise<TestProxy> {
  const stats: ProxyStats = { connections: 0, requests: 0, dropped: 0, failed: 0, tokens: 0 };
  const doomed = new WeakSet<net.Socket>();
  const sockets = new Set<net.Socket>();
  let port = 0;
  const server = http.createServer((req, res) => {
    const sock = req.socket;
    const path = req.url ?? '/';
    if (doomed.has(sock)) {
      stats.dropped++;
      if (stats.dropped % 2 === 1) {
        sock.destroy();
        return;
      }
    } else {
      stats.requests++;
      if (options.fail503Every && stats.requests % options.fail503Every === 0) {
        stats.failed++;
        req.resume();
        req.on('end', () => {
          res.writeHead(503, { 'content-type': 'application/json', connection: 'close' });
          res.end('{"errors":[{"code":"UNAVAILABLE","message":"injected by the test proxy"}]}');
        });
        return;
      }
    }
    const headers = { ...req.headers };
    if (options.bearer) {
      if (path.startsWith('/token')) {
        req.resume();
        const want = `Basic ${Buffer.from(`${options.bearer.user}:${options.bearer.pass}`).toString('base64')}`;
        if (req.headers.authorization !== want) {
          res.writeHead(401, { connection: 'close' });
          res.end();
          return;
        }
        stats.tokens++;
        const scopes = new URL(path, 'http://x').searchParams.getAll('scope');
        res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify({ token: `tok:${scopes.join(' ')}` }));
        return;
      }
      const scope = requiredScope(req.method ?? 'GET', path);
      const auth = req.headers.authorization ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
      if (token === undefined || (scope !== undefined && !tokenAllows(token, scope))) {
        req.resume();
        const scopeParam = scope ? `,scope="${scope}"` : '';
        res.writeHead(401, {
          'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="lupine-test"${scopeParam}`,
          'content-type': 'application/json',
          connection: 'close',
        });
        res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        return;
      }
      delete headers.authorization;
    }
    const up = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path, headers, agent: false },
      (ures) => {
        if (doomed.has(sock)) {
          ures.resume();
          sock.destroy();
          return;
        }
        res.writeHead(ures.statusCode ?? 502, { ...ures.headers, connection: 'close' });
        ures.pipe(res);
      },
    );
    up.on('error', () => sock.destroy());
    req.pipe(up);
  });
  server.on('connection', (sock: net.Socket) => {
    stats.connections++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    if (options.dropEvery && stats.connections % options.dropEvery === 0) doomed.add(sock);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    port,
    stats,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
