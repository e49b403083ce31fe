/**
 * Entry point: read the env, listen, and shut down cleanly on SIGTERM/SIGINT.
 *
 * Every GET and HEAD (the page, /healthz, /whoami, /static files, and the 404 of anything else) is answered
 * on node's own server (raw-routes.ts) from the start; the Fastify app (app.ts) is loaded on the first
 * request of another method. An idle event's app (a visitor now and then, the health check every 10 s)
 * never loads Fastify, ajv and the rest: ~8 MB less per event (bench/README.md, bench/app).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pino from 'pino';
import type { AppOptions } from './app.js';
import { readConfig } from './config.js';
import { answerWithout, rawRoutes } from './raw-routes.js';
import { responseHeaders } from './response-headers.js';
import { loadStatic } from './static-files.js';
import { createVisitor } from './visit.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The Fastify app for everything the raw routes do not answer, built once, on first use. */
function lazyFastify(options: AppOptions, log: pino.Logger): { handle: Handler; close: () => Promise<void> } {
  let loading: Promise<{ handle: Handler; close: () => Promise<void> }> | undefined;
  const load = async () => {
    const { buildApp } = await import('./app.js');
    const app = buildApp({ ...options, loggerInstance: log });
    await app.ready();
    return { handle: app.routing as Handler, close: () => app.close() };
  };
  return {
    handle: (req, res) => {
      loading ??= load();
      loading.then(
        (app) => app.handle(req, res),
        (err: unknown) => {
          log.error({ err, url: req.url }, 'request failed');
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error');
        },
      );
    },
    close: async () => {
      if (loading) await (await loading).close();
    },
  };
}

async function main(): Promise<void> {
  const { host, port, options } = readConfig();
  const log = pino(options.logger as pino.LoggerOptions);
  const visit = createVisitor(options, log);
  const pageOptions = { inviteLink: options.inviteLink, tailscaleUrl: options.tailscaleUrl, funnel: options.funnel };
  const staticFiles = loadStatic(options.staticDir, log);
  const answer = answerWithout(rawRoutes({ visit, log, headers: responseHeaders(), pageOptions, staticFiles }));
  const fastify = lazyFastify(options, log);
  const server = createServer((req, res) => {
    if (!answer(req, res)) fastify.handle(req, res);
  });
  // Fastify's default (72 s, longer than the proxies' idle timeouts), which the app had when Fastify listened.
  server.keepAliveTimeout = 72_000;

  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    // Keep-alive clients must not hold the exit hostage.
    const force = setTimeout(() => process.exit(0), 10_000);
    force.unref();
    const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    server.closeIdleConnections();
    Promise.all([closed, fastify.close()]).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const where = address && typeof address === 'object' ? address : { address: host, port, family: 'IPv4' };
  const shown = where.family === 'IPv6' ? `[${where.address}]` : where.address;
  log.info({ host: where.address, port: where.port }, `identity demo listening on http://${shown}:${where.port}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`identity demo failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
