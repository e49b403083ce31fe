import type { Command } from 'commander';
import type { Cli } from './context.js';
import { fleetPath } from './options.js';

export function register(program: Command, cli: Cli): void {
  program
    .command('remove')
    .alias('rm')
    .description('remove an event from the fleet file (its container goes on the next `up`; its state dir stays)')
    .argument('<event>', 'event name')
    .addHelpText('after', '\nExample:\n  $ demo-fleet remove cleveland && demo-fleet up')
    .action(async (event: string, _opts: unknown, cmd: Command) => {
      const { removeFleetEvent } = await import('../fleet/operations.js');
      await removeFleetEvent(fleetPath(cmd, cli.io), event, cli.io.cwd);
      cli.out.line(`removed ${event}`);
    });
}
