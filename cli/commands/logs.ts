import type { Command } from 'commander';
import { fleetPath, positiveInt } from './options.js';

export function register(program: Command): void {
  program
    .command('logs')
    .description("an event's container output (stdout and stderr, demultiplexed)")
    .argument('<event>', 'event name')
    .option('-f, --follow', 'keep streaming')
    .option('-n, --tail <lines>', 'only the last lines', positiveInt('--tail'))
    .addHelpText('after', '\nExamples:\n  $ demo-fleet logs cleveland --tail 50\n  $ demo-fleet logs cleveland -f')
    .action(async (event: string, opts: { follow?: boolean; tail?: number }, cmd: Command) => {
      const { eventLogs } = await import('../engine/logs.js');
      await eventLogs({ fleetFile: fleetPath(cmd), event, ...opts, stdout: process.stdout, stderr: process.stderr });
    });
}
