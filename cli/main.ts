#!/usr/bin/env node
/**
 * demo-fleet: commander program. Registers the commands (each loaded lazily from cli/commands/) and
 * owns the one error handler that turns a thrown error into one line on stderr and an exit code.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, FleetError } from './errors.js';
import { registerCommands } from './commands/index.js';
import { packageVersion } from './util/package-root.js';

function buildProgram(): Command {
  const program = new Command('demo-fleet')
    .description('Run one Tailscale identity-headers demo container per conference event on one VPS')
    .version(packageVersion())
    // No short form: `-f` is each command's own (`logs -f` follows, as in compose and kamal).
    .option('--file <path>', 'fleet file (default: $DEMO_FLEET_FILE or ./fleet.yaml)')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)')
    // Before the commands are registered, so they inherit it: usage errors reach main() as exit code 2.
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  $ demo-fleet add cleveland --invite-link https://login.tailscale.com/admin/invite/abc --funnel
  $ demo-fleet render            # writes compose/docker-compose.yml
  $ demo-fleet up                # build once, one container per event, wait until healthy
  $ demo-fleet status --json
  $ demo-fleet logs cleveland -f`,
    );
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (unknown option, --help, --version).
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof FleetError) {
      // One `error:` line per problem (validation lists every problem of the file).
      for (const line of err.message.split('\n')) process.stderr.write(`${err.label}: ${line}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(`error: ${e?.message ?? String(err)}\n`);
    if (process.env.DEMO_FLEET_DEBUG) process.stderr.write(`${e?.stack}\n`);
    return EXIT.unexpected;
  }
}

/**
 * Ctrl-C / SIGTERM: undo what must not be left behind (the deploy lock), then exit 130 / 143 as shells
 * do. A second signal exits at once.
 */
function exitOnSignal(signal: 'SIGINT' | 'SIGTERM', code: number): void {
  process.once(signal, () => {
    process.once(signal, () => process.exit(code));
    process.stderr.write(`\ninterrupted (${signal}): cleaning up\n`);
    void import('./util/interrupt.js')
      .then(({ runInterruptCleanups }) =>
        runInterruptCleanups((err) => process.stderr.write(`warning: ${(err as Error)?.message ?? err}\n`)),
      )
      .finally(() => process.exit(code));
  });
}
exitOnSignal('SIGINT', 130);
exitOnSignal('SIGTERM', 143);

main(process.argv).then((code) => {
  process.exitCode = code;
});
