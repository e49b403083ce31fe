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

  await app.listen({ host, port, listenTextResolver: (address) => `identity demo listening on ${address}` });
}

main().catch((err: unknown) => {
  process.stderr.write(`identity demo failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
