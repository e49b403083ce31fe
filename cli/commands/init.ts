import type { Command } from 'commander';
import type { Cli } from './context.js';
import { shownPath } from '../fleet/path.js';
import { fleetPath } from './options.js';

export function register(program: Command, cli: Cli): void {
  program
    .command('init')
    .description('create a commented fleet file (and fleet.schema.json for editors); in an older fleet file without `id:`, add one')
    .option('--name <name>', 'fleet name (containers are <name>-<event>)')
    .option('--image <repo>', 'image repository, e.g. ghcr.io/you/demo-id-headers')
    .addHelpText('after', '\nExample:\n  $ demo-fleet init --image ghcr.io/acme/demo-id-headers')
    .action(async (opts: { name?: string; image?: string }, cmd: Command) => {
      const { initFleet } = await import('../fleet/operations.js');
      const file = fleetPath(cmd, cli.io);
      const rel = shownPath(file, cli.io.cwd);
      if ((await initFleet(file, opts, cli.io.cwd)) === 'identified')
        cli.out.line(`added a fleet id to ${rel} (its containers are adopted on the next up)`);
      else cli.out.line(`created ${rel}`);
    });
}
