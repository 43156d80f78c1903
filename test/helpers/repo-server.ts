/**
 * A repository directory served over HTTP on 127.0.0.1 under `/repo/`, for tests of apk over the
 * network and of hostile servers. A `route` answers some requests itself (auth, endless streams,
 * a swapped package); the rest are the directory's files, counted per path in `gets`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

/** Answers the request (and returns true) or leaves it to the directory. `rel` is below /repo/. */
export type RepoRoute = (rel: string, req: IncomingMessage, res: ServerResponse) => boolean;

export interface ServedRepo {
  readonly server: Server;
  readonly port: number;
  /** `http://127.0.0.1:PORT/repo`. */
  readonly url: string;
  /** GETs answered from the directory, by path below /repo/. */
  readonly gets: Map<string, number>;
  /** Stops the server, dropping open connections (an endless stream never ends by itself). */
  close(): Promise<void>;
}

export function serveRepoDir(dir: string, route?: RepoRoute): Promise<ServedRepo> {
  const gets = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const rel = normalize(path).replace(/^\/repo\//, '');
    if (route?.(rel, req, res)) return;
    if (rel.startsWith('..') || rel === path) {
      res.writeHead(404).end();
      return;
    }
    gets.set(rel, (gets.get(rel) ?? 0) + 1);
    try {
      const body = readFileSync(join(dir, rel));
      res.writeHead(200, { 'content-length': body.length }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        server,
        port,
        url: `http://127.0.0.1:${port}/repo`,
        gets,
        close: () => {
          server.closeAllConnections();
          return new Promise((r) => server.close(() => r()));
        },
      });
    });
  });
}
