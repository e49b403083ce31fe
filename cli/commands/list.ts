import type { Command } from 'commander';
import type { Cli } from './context.js';
import { SUMMARY_FIELDS } from '../fleet/summary-fields.js';
import { jsonFields, jsonHelp, type JsonFlag, pickFields } from '../ui/json-fields.js';
import { fleetPath } from './options.js';

export function register(program: Command, cli: Cli): void {
  program
    .command('list')
    .alias('ls')
    .description('list the events in the fleet file')
    .option('--json [fields]', jsonHelp(SUMMARY_FIELDS))
    .addHelpText(
      'after',
      '\nExamples:\n  $ demo-fleet list\n  $ demo-fleet list --json event,hostname\n  $ demo-fleet list --json | jq -r ".[].event"',
    )
    .action(async (opts: { json?: JsonFlag }, cmd: Command) => {
      const fields = jsonFields(opts.json, SUMMARY_FIELDS);
      const { listEvents } = await import('../fleet/operations.js');
      const rows = await listEvents(fleetPath(cmd, cli.io), cli.io.cwd);
      if (opts.json) return cli.out.json(pickFields(rows, fields));
      if (rows.length === 0) return cli.out.line('no events yet: `demo-fleet add <event>`');
      cli.out.table(
        rows.map((r) => ({ ...r, funnel: r.funnel ? 'on' : 'off', inviteLink: r.inviteLink ?? '-', authKey: r.authKey })),
        ['event', 'container', 'hostname', 'funnel', 'serveMode', 'authKey', 'inviteLink'],
      );
    });
}
