import type { Command } from 'commander';
import { out } from '../ui/output.js';
import { fleetPath } from './options.js';

export function register(program: Command): void {
  program
    .command('list')
    .alias('ls')
    .description('list the events in the fleet file')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  $ demo-fleet list\n  $ demo-fleet list --json | jq -r ".[].event"')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { listEvents } = await import('../fleet/operations.js');
      const rows = await listEvents(fleetPath(cmd));
      if (opts.json) return out.json(rows);
      if (rows.length === 0) return out.line('no events yet: `demo-fleet add <event>`');
      out.table(
        rows.map((r) => ({ ...r, funnel: r.funnel ? 'on' : 'off', inviteLink: r.inviteLink ?? '-', authKey: r.authKey })),
        ['event', 'container', 'hostname', 'funnel', 'serveMode', 'authKey', 'inviteLink'],
      );
    });
}
