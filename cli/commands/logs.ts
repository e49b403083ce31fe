import type { Command } from 'commander';
import type { Cli } from './context.js';
import { deploymentFor, nonNegativeInt, sinceTime } from './options.js';

interface LogsFlags {
  follow?: boolean;
  tail?: number;
  since?: number;
  timestamps?: boolean;
  raw?: boolean;
}

export function register(program: Command, cli: Cli): void {
  program
    .command('logs')
    .description('container output of an event, or of every event with each line prefixed by its event')
    .argument('[event]', 'event name (default: all events)')
    .option('-f, --follow', 'keep streaming')
    .option('-n, --tail <lines>', 'only the last lines (0: none, e.g. with -f for new lines only)', nonNegativeInt('--tail'))
    .option('--since <time>', 'only output since a time: 10m, 2h, 30s ago, or an ISO date', sinceTime)
    .option('-t, --timestamps', 'show timestamps')
    .option('--raw', "the output as the engine keeps it: the app's lines as JSON (pino), for jq or a log shipper")
    .addHelpText(
      'after',
      "\nExamples:\n  $ demo-fleet logs cleveland --tail 50\n  $ demo-fleet logs cleveland -f\n  $ demo-fleet logs -f --tail 0          # new lines of every event\n  $ demo-fleet logs --since 10m -t\n  $ demo-fleet logs cleveland --raw | grep '^{' | jq .msg",
    )
    .action(async (event: string | undefined, opts: LogsFlags, cmd: Command) => {
      const { eventLogs } = await import('../deploy/logs.js');
      await eventLogs(await deploymentFor(cmd, cli.io), { event, ...opts, stdout: cli.io.stdout, stderr: cli.io.stderr });
    });
}
