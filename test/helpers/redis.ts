import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { freePort } from './registry.js';
import { selfSignedCert } from './self-signed.js';

/** A redis-server on 127.0.0.1 with its own port and data dir (append-only file: survives a restart). */
export interface TestRedis {
  readonly port: number;
  /** `redis://[:PASSWORD@]127.0.0.1:PORT` (`rediss://` with TLS) */
  readonly url: string;
  /** With TLS: the server's self-signed certificate (give it to clients as NODE_EXTRA_CA_CERTS). */
  readonly caFile?: string;
  readonly dir: string;
  /** Stops the server (SIGTERM: it writes its data) and starts it again on the same port and data. */
  restart(downMs?: number): Promise<void>;
  /** Runs one command with redis-cli semantics over RESP; returns the raw reply text. */
  command(...args: string[]): Promise<unknown>;
  stop(): Promise<void>;
}

export interface TestRedisOptions {
  readonly password?: string;
  /** Serve TLS only, with a self-signed certificate for 127.0.0.1 made here. */
  readonly tls?: boolean;
}

async function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
}

/** One RESP command on a fresh connection (enough for tests: PING, KEYS, GET, DUMP-free scans). */
function resp(port: number, password: string | undefined, args: readonly string[], secure = false): Promise<unknown> {
  const encode = (a: readonly string[]) =>
    `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const sock = secure
      ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
      : net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const replies: unknown[] = [];
    const want = password === undefined ? 1 : 2;
    sock.on('error', reject);
    sock.on(secure ? 'secureConnect' : 'connect', () => {
      if (password !== undefined) sock.write(encode(['AUTH', password]));
      sock.write(encode(args));
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const r = parse(buf, 0);
        if (r === undefined) return;
        replies.push(r.value);
        buf = buf.subarray(r.end);
        if (replies.length === want) {
          sock.end();
          resolve(replies[want - 1]);
          return;
        }
      }
    });
  });
}

function parse(b: Buffer, at: number): { value: unknown; end: number } | undefined {
  const nl = b.indexOf('\r\n', at);
  if (nl < 0) return undefined;
  const head = b.toString('latin1', at, nl);
  const kind = head[0];
  const rest = head.slice(1);
  if (kind === '+' || kind === ':') return { value: rest, end: nl + 2 };
  if (kind === '-') return { value: new Error(rest), end: nl + 2 };
  if (kind === '$') {
    const n = Number(rest);
    if (n < 0) return { value: null, end: nl + 2 };
    if (b.length < nl + 2 + n + 2) return undefined;
    return { value: b.subarray(nl + 2, nl + 2 + n), end: nl + 2 + n + 2 };
  }
  if (kind === '*') {
    const n = Number(rest);
    const out: unknown[] = [];
    let end = nl + 2;
    for (let i = 0; i < n; i++) {
      const r = parse(b, end);
      if (r === undefined) return undefined;
      out.push(r.value);
      end = r.end;
    }
    return { value: out, end };
  }
  throw new Error(`unexpected RESP reply ${head}`);
}

/** Starts redis-server on a random 127.0.0.1 port; waits until it answers PING. */
export async function startRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'lupine-redis-'));
  const port = await freePort();
  const secure = options.tls === true;
  const { cert, key } = secure ? selfSignedCert(dir, 'IP:127.0.0.1') : { cert: '', key: '' };
  let child: ChildProcess | undefined;
  const reap = () => child?.kill('SIGKILL');
  process.once('exit', reap);
  const launch = async () => {
    const args = [
      '--bind',
      '127.0.0.1',
      ...(secure
        ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', cert, '--tls-key-file', key]
        : ['--port', String(port)]),
      ...(secure ? ['--tls-ca-cert-file', cert, '--tls-auth-clients', 'no'] : []),
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'no',
      ...(options.password !== undefined ? ['--requirepass', options.password] : []),
    ];
    const c = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    let stderr = '';
    c.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    for (let i = 0; i < 200; i++) {
      if (c.exitCode !== null) break;
      const pong = await resp(port, options.password, ['PING'], secure).catch(() => undefined);
      if (pong === 'PONG') return;
      await sleep(25);
    }
    c.kill('SIGKILL');
    throw new Error(`redis-server did not start on ${port}: ${stderr}`);
  };
  const halt = async () => {
    const c = child;
    if (!c) return;
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await waitExit(c);
  };
  await launch();
  const auth = options.password !== undefined ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    port,
    url: `${secure ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`,
    dir,
    ...(secure ? { caFile: cert } : {}),
    async restart(downMs = 500) {
      await halt();
      await sleep(downMs);
      await launch();
    },
    command: (...args: string[]) => resp(port, options.password, args, secure),
    async stop() {
      await halt();
      process.removeListener('exit', reap);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
