import type { Command } from 'commander';
import { out, upFor } from '../ui/output.js';
import { fleetPath } from './options.js';

export function register(program: Command): void {
  program
    .command('status')
    .alias('ps')
    .description('each event: its container (state, health, image, started) and its tailnet node (URL, Funnel, pending login)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  $ demo-fleet status\n  $ demo-fleet status --json | jq ".[] | select(.health != \\"healthy\\")"')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { status } = await import('../engine/status.js');
      const rows = await status({ fleetFile: fleetPath(cmd) });
      if (opts.json) return out.json(rows);
      out.table(
        rows.map((r) => ({
          ...r,
          event: r.inFleet ? r.event : `${r.event} (not in fleet)`,
          started: upFor(r.started),
          restarts: r.restarts ?? '-',
          tailnet: r.url ? `${r.url}${r.funnel ? ' (funnel)' : ''}` : r.loginUrl ? `waiting for login: ${r.loginUrl}` : r.tailnet,
        })),
        ['event', 'container', 'state', 'health', 'tailnet', 'image', 'started', 'restarts', 'hostname'],
      );
    });
}
