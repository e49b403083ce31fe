/**
 * demo-fleet: `run(argv, io)` builds a fresh commander program for one run, registers the commands (each
 * loaded lazily from cli/commands/) and owns the one error handler that turns a thrown error into one
 * line on stderr and an exit code. Importing it does nothing: bin.ts installs the signal handlers and
 * calls run() with the process's streams; tests call run() in-process with their own.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, FleetError } from './errors.js';
import { registerCommands } from './commands/index.js';
import { type Cli, type CliIo, cliOf } from './commands/context.js';
import { colorEnabled } from './ui/colors.js';
import { packageVersion } from './util/package-root.js';

export { type CliIo, processIo } from './commands/context.js';

function buildProgram(cli: Cli): Command {
  const { stdout, stderr, env } = cli.io;
  const program = new Command('demo-fleet')
    .description('Run one Tailscale identity-headers demo container per conference event on one VPS')
    // Before anything else, so every command inherits it: commander's own output (help, usage errors,
    // --version) goes to this run's streams, sized and coloured by them rather than by the process's.
    .configureOutput({
      writeOut: (s) => void stdout.write(s),
      writeErr: (s) => void stderr.write(s),
      // commander's own default: the terminal's width, else 80 (its help falls back to 80 on undefined).
      getOutHelpWidth: () => (stdout.isTTY && stdout.columns) || 80,
      getErrHelpWidth: () => (stderr.isTTY && stderr.columns) || 80,
      getOutHasColors: () => colorEnabled(stdout, env),
      getErrHasColors: () => colorEnabled(stderr, env),
    })
    .version(packageVersion())
    // No short form: `-f` is each command's own (`logs -f` follows, as in compose and kamal).
    .option('--file <path>', 'fleet file (default: $DEMO_FLEET_FILE or ./fleet.yaml)')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)')
    // Before the commands are registered, so they inherit it: usage errors reach run() as exit code 2.
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
  registerCommands(program, cli);
  return program;
}

/** Run `demo-fleet <argv>` (the arguments after the program name); resolves with the exit code, never rejects. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const cli = cliOf(io);
  try {
    await buildProgram(cli).parseAsync(argv, { from: 'user' });
    return cli.exitCode ?? EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (unknown option, --help, --version).
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof FleetError) {
      // One `error:` line per problem (validation lists every problem of the file).
      for (const line of err.message.split('\n')) io.stderr.write(`${err.label}: ${line}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    io.stderr.write(`error: ${e?.message ?? String(err)}\n`);
    if (io.env.DEMO_FLEET_DEBUG) io.stderr.write(`${e?.stack}\n`);
    return EXIT.unexpected;
  }
}

/**
 * A reader that stops early (`demo-fleet status | head -1`) closes the pipe: stop quietly, as other CLIs
 * do, instead of an unhandled EPIPE with a stack trace. For the bin, with the process's own streams.
 */
export function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    });
}

/**
 * Ctrl-C / SIGTERM: undo what must not be left behind (the deploy lock), then exit 130 / 143 as shells
 * do. A second signal exits at once. The bin installs these; an in-process run leaves signals alone.
 */
export function exitOnSignals(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
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
}
