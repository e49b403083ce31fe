import type { Command } from 'commander';
import type { Cli } from './context.js';
import type { ProgressFlag } from '../ui/progress-mode.js';
import { deploymentFor, positiveInt, progressFlag, progressOptions } from './options.js';

interface DownFlags {
  concurrency: number;
  forceUnlock?: boolean;
  withControlServer?: boolean;
  json?: boolean;
  progress?: ProgressFlag;
  quiet?: boolean;
}

export function register(program: Command, cli: Cli): void {
  const command = program
    .command('down')
    .description('stop and remove event containers (all of the fleet without arguments); state dirs are kept')
    .argument('[events...]', 'events to take down')
    .option('--concurrency <n>', 'containers stopped at once', positiveInt('--concurrency'), 8)
    .option('--force-unlock', 'remove a deploy lock left by a deploy that died')
    .option('--with-control-server', 'also the headscale accessory (controlServer:) and the network the fleet made; its state dir is kept')
    .option('--json', 'machine-readable result');
  progressOptions(command)
    .addHelpText('after', '\nExamples:\n  $ demo-fleet down cleveland\n  $ demo-fleet down            # the whole fleet')
    .action(async (events: string[], opts: DownFlags, cmd: Command) => {
      const { down } = await import('../deploy/down.js');
      const { withProgress } = await import('../ui/progress.js');
      const result = await withProgress(progressFlag(opts), cli.io, async (report) =>
        down(
          await deploymentFor(cmd, cli.io),
          {
            events,
            forceUnlock: Boolean(opts.forceUnlock),
            concurrency: opts.concurrency,
            withControlServer: Boolean(opts.withControlServer),
          },
          report,
        ),
      );
      if (opts.json) return cli.out.json(result);
      if (result.removed.length === 0) return cli.out.line('nothing to remove');
      const { downSummary } = await import('../ui/summary.js');
      cli.out.line(downSummary(result, cli.palette()));
    });
}
