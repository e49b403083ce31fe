import type { Command } from 'commander';
import type { Cli } from './context.js';
import { InvalidArgumentError } from 'commander';
import { deploymentFor } from './options.js';

function localPort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`--port must be a port number 1-65535, got "${value}"`);
  return n;
}

export function register(program: Command, cli: Cli): void {
  program
    .command('open')
    .description(
      "open an event's page from this machine: a port on 127.0.0.1 forwarded to the app in its container through the engine (nothing published), until Ctrl-C",
    )
    .argument('<event>', 'event name')
    .option('-p, --port <port>', 'local port (default: a free one)', localPort)
    .option('-n, --no-browser', 'print the URL only, do not open a browser (as `gh browse -n`)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ demo-fleet open cleveland\n  $ demo-fleet open cleveland --no-browser --port 8080   # then http://127.0.0.1:8080/\n  $ DOCKER_HOST=ssh://root@vps.example.com demo-fleet open cleveland',
    )
    .action(async (event: string, opts: { port?: number; browser: boolean }, cmd: Command) => {
      const { openEvent } = await import('../deploy/open.js');
      const { undoOnInterrupt } = await import('../util/interrupt.js');
      const d = await deploymentFor(cmd, cli.io);
      const forward = await openEvent(d, { event, port: opts.port }, cli.reporter());
      await undoOnInterrupt(forward.close, async () => {
        cli.out.line(forward.url);
        cli.io.stderr.write(
          `forwarding ${forward.url} to port ${forward.appPort} of ${forward.container} through ${d.target.endpoint}; Ctrl-C to stop\n`,
        );
        if (opts.browser) {
          const { openInBrowser } = await import('../ui/browser.js');
          const failed = await openInBrowser(forward.url);
          if (failed) cli.out.warn(`could not start a browser (${failed}): open ${forward.url} yourself (or set BROWSER)`);
        }
        // Runs until Ctrl-C (the bin's handler, main.ts exitOnSignals, closes the forward through undoOnInterrupt, then exits 130).
        await new Promise<never>(() => {});
      });
    });
}
