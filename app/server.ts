/** Entry point: read the env, listen, and shut down cleanly on SIGTERM/SIGINT. */
import { buildApp } from './app.js';
import { readConfig } from './config.js';

async function main(): Promise<void> {
  const { host, port, options } = readConfig();
  const app = buildApp(options);

  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    // Keep-alive clients must not hold the exit hostage.
    const force = setTimeout(() => process.exit(0), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  // One start line, also for 0.0.0.0 (fastify would log one line per interface).
  const level = app.log.level;
  app.log.level = 'warn';
  try {
    await app.listen({ host, port });
  } finally {
    app.log.level = level;
  }
  const address = app.server.address();
  const where = address && typeof address === 'object' ? address : { address: host, port, family: 'IPv4' };
  const shown = where.family === 'IPv6' ? `[${where.address}]` : where.address;
  app.log.info({ host: where.address, port: where.port }, `identity demo listening on http://${shown}:${where.port}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`identity demo failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
