import type { Command } from 'commander';
import type { Cli } from './context.js';
import { deploymentFor, nonNegativeInt } from './options.js';

export function register(program: Command, cli: Cli): void {
  program
    .command('prune')
    .description("remove the images of this fleet's older revisions; never one a container uses")
    .option('--keep <n>', 'newest revisions kept besides those in use', nonNegativeInt('--keep'), 5)
    .option('--force-unlock', 'remove a deploy lock left by a deploy that died, then prune')
    .option('--json', 'machine-readable result')
    .addHelpText('after', '\nExamples:\n  $ demo-fleet prune\n  $ demo-fleet prune --keep 1')
    .action(async (opts: { keep: number; forceUnlock?: boolean; json?: boolean }, cmd: Command) => {
      const { prune } = await import('../deploy/prune.js');
      const result = await prune(
        await deploymentFor(cmd, cli.io),
        { keep: opts.keep, forceUnlock: Boolean(opts.forceUnlock) },
        cli.reporter(),
      );
      if (opts.json) return cli.out.json(result);
      cli.out.table(
        [
          ...result.kept.map((r) => ({ revision: r.revision, image: r.imageId.slice(7, 19), result: `kept (${r.why})` })),
          ...result.removed.map((r) => ({ revision: r.revision, image: r.imageId.slice(7, 19), result: 'removed' })),
        ],
        ['revision', 'image', 'result'],
      );
    });
}
