import type { Command } from 'commander';
import { UsageError } from '../errors.js';
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
      const { editFleet } = await import('../fleet/file.js');
      const { removeEvent } = await import('../fleet/edit.js');
      const file = fleetPath(cmd);
      await editFleet(file, (current) => {
        if (!current) throw new UsageError(`${file}: no fleet file here (nothing to remove)`);
        return removeEvent(current.text, event);
      });
      out.line(`removed ${event}`);
    });
}
