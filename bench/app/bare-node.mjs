// bench/app (c): the practical ceiling for one Node process. A bare node:http server that renders the
// SAME page as the app (renderPage + readIdentity from the tsc build in dist/app) and sends it with the
// same response headers (helmet's set, computed once exactly as the app does), but with no framework:
// no routing, no hooks, no reply object. Whatever our app loses against this is Fastify's overhead.
//
//   HOST=127.0.0.1 PORT=5001 node bench/app/bare-node.mjs      (needs `npm run build` first)
import http from 'node:http';
import { readIdentity } from '../../dist/app/identity.js';
import { renderPage } from '../../dist/app/page.js';
import { helmetHeaders, helmetOptions } from '../../dist/app/security.js';

const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 5001);
const pageOptions = {};
const html = { ...(await helmetHeaders(helmetOptions)), 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
// Flat [name, value, ...]: the cheapest form for writeHead (no object spread, no setHeader per header).
const htmlHeaderList = Object.entries(html).flat();

const server = http.createServer((req, res) => {
  if ((req.method !== 'GET' && req.method !== 'HEAD') || (req.url !== '/' && !req.url.startsWith('/?'))) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
    return;
  }
  const identity = readIdentity(req.headers, req.socket.remoteAddress);
  const page = renderPage({ identity, rawHeaders: req.rawHeaders, options: pageOptions });
  // content-length as the app sends it (writeHead without it would make node fall back to chunked).
  const headers = htmlHeaderList.slice();
  headers.push('content-length', String(Buffer.byteLength(page)));
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : page);
});
// Same keep-alive behaviour as Fastify's default server (72 s), so idle sockets are treated alike.
server.keepAliveTimeout = 72_000;
server.listen(port, host, () => process.stdout.write(`bare node:http listening on http://${host}:${port}\n`));
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => server.close(() => process.exit(0)).closeAllConnections());
