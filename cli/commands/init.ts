import type { Command } from 'commander';
import path from 'node:path';
import { out } from '../ui/output.js';
import { fleetPath } from './options.js';

export function register(program: Command): void {
  program
    .command('init')
    .description('create a commented fleet file (and fleet.schema.json for editors); in an older fleet file without `id:`, add one')
    .option('--name <name>', 'fleet name (containers are <name>-<event>)')
    .option('--image <repo>', 'image repository, e.g. ghcr.io/you/demo-id-headers')
    .addHelpText('after', '\nExample:\n  $ demo-fleet init --image ghcr.io/acme/demo-id-headers')
    .action(async (opts: { name?: string; image?: string }, cmd: Command) => {
      const { initFleet } = await import('../fleet/operations.js');
      const file = fleetPath(cmd);
      const rel = path.relative(process.cwd(), file) || file;
      if ((await initFleet(file, opts)) === 'identified')
        out.line(`added a fleet id to ${rel} (its containers are adopted on the next up)`);
      else out.line(`created ${rel}`);
    });
}
