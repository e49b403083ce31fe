import type { Command } from 'commander';
import type { Cli } from './context.js';
import { deploymentFor } from './options.js';

interface RetireFlags {
  dryRun?: boolean;
  keepNode?: boolean;
  purge?: boolean;
  forceUnlock?: boolean;
  json?: boolean;
}

export function register(program: Command, cli: Cli): void {
  program
    .command('retire')
    .description(
      'after the conference: remove the container, delete the node from the tailnet, expire open keys and remove its key file, archive the state dir, drop the event from the fleet file',
    )
    .argument('<events...>', 'events to retire')
    .option('--dry-run', 'list every step, change nothing')
    .option('--keep-node', 'leave the node on the tailnet (no API call to delete it)')
    .option('--purge', 'delete the state dir instead of moving it to <appdata>/archive/')
    .option('--force-unlock', 'remove a deploy lock left by a deploy that died')
    .option('--json', 'machine-readable result: each step and its outcome')
    .addHelpText('after', '\nExamples:\n  $ demo-fleet retire cleveland --dry-run\n  $ demo-fleet retire cleveland berlin')
    .action(async (events: string[], opts: RetireFlags, cmd: Command) => {
      const { retire } = await import('../deploy/retire.js');
      const result = await retire(
        await deploymentFor(cmd, cli.io),
        {
          events,
          dryRun: Boolean(opts.dryRun),
          keepNode: Boolean(opts.keepNode),
          purge: Boolean(opts.purge),
          forceUnlock: Boolean(opts.forceUnlock),
        },
        cli.reporter(),
      );
      if (opts.json) return cli.out.json(result);
      for (const s of result.steps) cli.out.line(`${s.event}\t${s.step}\t${s.outcome}\t${s.detail}`);
    });
}
