import type { Command } from 'commander';
import type { Cli } from './context.js';
import { deploymentFor, positiveInt, waitSeconds } from './options.js';

interface RestartFlags {
  wait: boolean;
  waitTimeout: number;
  concurrency: number;
  forceUnlock?: boolean;
  json?: boolean;
}

export function register(program: Command, cli: Cli): void {
  program
    .command('restart')
    .description("restart event containers in place (all of the fleet's without arguments) and wait until each is served again")
    .argument('[events...]', 'events to restart')
    .option('--no-wait', 'do not wait until each is served')
    .option(
      '--wait-timeout <duration>',
      'how long each event may take to be served: seconds, or 90s, 5m, 1h',
      waitSeconds('--wait-timeout'),
      300,
    )
    .option('--concurrency <n>', 'containers restarted at once', positiveInt('--concurrency'), 8)
    .option('--force-unlock', 'remove a deploy lock left by a deploy that died, then restart')
    .option('--json', 'machine-readable result on stdout (progress stays on stderr)')
    .addHelpText('after', '\nExamples:\n  $ demo-fleet restart cleveland\n  $ demo-fleet restart            # every event of the fleet')
    .action(async (events: string[], opts: RestartFlags, cmd: Command) => {
      const { restart, assertRestarted } = await import('../deploy/restart.js');
      const results = await restart(
        await deploymentFor(cmd, cli.io),
        {
          events,
          wait: opts.wait,
          readyTimeoutMs: opts.waitTimeout * 1000,
          concurrency: opts.concurrency,
          forceUnlock: Boolean(opts.forceUnlock),
        },
        cli.reporter(),
      );
      if (opts.json) cli.out.json(results);
      else {
        for (const r of results.filter((r) => r.logs)) cli.io.stderr.write(`--- last log lines of ${r.event} ---\n${r.logs}\n---\n`);
        cli.out.table(
          results.map((r) => ({ ...r })),
          ['event', 'container', 'status'],
        );
      }
      assertRestarted(results);
    });
}
