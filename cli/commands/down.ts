import type { Command } from 'commander';
import { out, reporter } from '../ui/output.js';
import { fleetPath, positiveInt } from './options.js';

export function register(program: Command): void {
  program
    .command('down')
    .description('stop and remove event containers (all of the fleet without arguments); state dirs are kept')
    .argument('[events...]', 'events to take down')
    .option('--concurrency <n>', 'containers stopped at once', positiveInt('--concurrency'), 8)
    .option('--force-unlock', 'remove a deploy lock left by a deploy that died')
    .option('--json', 'machine-readable result')
    .addHelpText('after', '\nExamples:\n  $ demo-fleet down cleveland\n  $ demo-fleet down            # the whole fleet')
    .action(async (events: string[], opts: { concurrency: number; forceUnlock?: boolean; json?: boolean }, cmd: Command) => {
      const { down } = await import('../engine/down.js');
      const result = await down(
        { fleetFile: fleetPath(cmd), events, forceUnlock: Boolean(opts.forceUnlock), concurrency: opts.concurrency },
        reporter(),
      );
      if (opts.json) return out.json(result);
      out.line(result.removed.length ? `removed ${result.removed.map((r) => r.container).join(', ')}` : 'nothing to remove');
    });
}
