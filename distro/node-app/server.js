// An example Node.js web app for the lupine demo: a page and a JSON endpoint, node built-ins only
// (no production dependencies to vendor). PORT sets the port (default 3000; 0 picks a free one and
// prints it). Stops on SIGTERM.
import { createServer } from 'node:http';
import { renderPage } from './page.js';

const port = Number(process.env.PORT ?? 3000);
const started = new Date();

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, node: process.version, uid: process.getuid?.() ?? null }));
    return;
  }
  if (url.pathname !== '/') {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(renderPage({ node: process.version, started }));
});

server.listen(port, () => console.log(`node-app: listening on port ${server.address().port}`));
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
