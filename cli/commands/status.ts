import type { Command } from 'commander';
import type { Cli } from './context.js';
import { terminalWidth } from '../ui/table.js';
import { jsonFields, jsonHelp, type JsonFlag, pickFields } from '../ui/json-fields.js';
import { STATUS_FIELDS as FIELDS } from '../deploy/status-fields.js';
import { deploymentFor } from './options.js';
import { DeployError } from '../errors.js';

export function register(program: Command, cli: Cli): void {
  program
    .command('status')
    .alias('ps')
    .description(
      'each event: its container (state, health, image revision, up for, restarts) and its tailnet node (URL, Funnel, pending login)',
    )
    .option('--json [fields]', jsonHelp(FIELDS))
    .addHelpText(
      'after',
      '\nExamples:\n  $ demo-fleet status\n  $ demo-fleet status --json event,state,url\n  $ demo-fleet status --json | jq ".[] | select(.health != \\"healthy\\")"',
    )
    .action(async (opts: { json?: JsonFlag }, cmd: Command) => {
      const fields = jsonFields(opts.json, FIELDS);
      const { status } = await import('../deploy/status.js');
      const { statusRows, statusColumns } = await import('../ui/status-table.js');
      const { events: rows, leftovers, controlServer, revisions } = await status(await deploymentFor(cmd, cli.io));
      if (opts.json) cli.out.json(pickFields(rows, fields));
      else {
        if (controlServer)
          cli.out.line(
            `control server: ${controlServer.container} ${controlServer.state} (headscale ${controlServer.version}) ${controlServer.url}`,
          );
        cli.out.table(statusRows(rows, revisions), statusColumns(rows));
        // a login URL is what a person copies: whole, below a table that fits the terminal (it may cut cells)
        if (terminalWidth(cli.io.stdout, cli.io.env) !== undefined)
          for (const r of rows) if (r.loginUrl) cli.out.line(`${r.event}: log in at ${r.loginUrl}`);
      }
      for (const l of leftovers) {
        cli.out.warn(`${l.event}: ${l.container} (${l.state}) is left by an interrupted deploy; the next \`demo-fleet up\` settles it`);
      }
      if (controlServer?.state === 'foreign')
        cli.out.warn(
          `${controlServer.container} is not this fleet's control server: rename the fleet (name:) or have its owner free the name`,
        );
      else if (controlServer && controlServer.state !== 'running')
        cli.out.warn(`control server ${controlServer.container} is ${controlServer.state}: \`demo-fleet up\` starts it`);
      // every event's control plane is the fleet's own control server: not running is not fine
      if (controlServer && controlServer.state !== 'running')
        throw new DeployError(
          `the control server ${controlServer.container} is ${controlServer.state}: nodes cannot log in or get updates`,
        );
      const missing = rows.filter((r) => r.inFleet && r.state === 'missing').map((r) => r.event);
      if (missing.length)
        throw new DeployError(
          `${missing.length} of ${rows.filter((r) => r.inFleet).length} event(s) have no container: ${missing.join(', ')} (\`demo-fleet up\` creates them)`,
        );
    });
}
