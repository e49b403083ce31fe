import type { Command } from 'commander';
import { out } from '../ui/output.js';
import { fleetPath } from './options.js';

export function register(program: Command): void {
  program
    .command('remove')
    .alias('rm')
    .description('remove an event from the fleet file (its container goes on the next `up`; its state dir stays)')
    .argument('<event>', 'event name')
    .addHelpText('after', '\nExample:\n  $ demo-fleet remove cleveland && demo-fleet up')
    .action(async (event: string, _opts: unknown, cmd: Command) => {
      const { removeFleetEvent } = await import('../fleet/operations.js');
      await removeFleetEvent(fleetPath(cmd), event);
      out.line(`removed ${event}`);
    });
}
