import type { Command } from 'commander';
import type { Cli } from './context.js';
import { deploymentFor, positiveInt } from './options.js';

interface RollbackFlags {
  to?: string;
  wait: boolean;
  waitTimeout: number;
  concurrency: number;
  canary: boolean;
  forceUnlock?: boolean;
  json?: boolean;
}

export function register(program: Command, cli: Cli): void {
  program
    .command('rollback')
    .description("put events back on the revision they ran before (or --to one): each event's previous image, same path as up")
    .argument('[events...]', 'events to roll back (default: all)')
    .option(
      '--to <revision>',
      'the revision to go to, as `demo-fleet status` or `revisions` shows it (a unique start is enough), instead of each event’s previous one',
    )
    .option('--no-wait', 'do not wait for health checks')
    .option('--wait-timeout <seconds>', 'how long each event may take to be served', positiveInt('--wait-timeout'), 300)
    .option('--concurrency <n>', 'events handled at once', positiveInt('--concurrency'), 8)
    .option('--no-canary', 're-create all events at once (default: one first, the rest only if it is served)')
    .option('--force-unlock', 'remove a deploy lock left by a deploy that died, then roll back')
    .option('--json', 'machine-readable result on stdout (progress stays on stderr)')
    .addHelpText('after', '\nExamples:\n  $ demo-fleet rollback\n  $ demo-fleet rollback cleveland --to 1a2b3c4-0123')
    .action(async (events: string[], opts: RollbackFlags, cmd: Command) => {
      const { rollback } = await import('../deploy/rollback.js');
      const { assertConverged } = await import('../deploy/up.js');
      const result = await rollback(
        await deploymentFor(cmd, cli.io),
        {
          events,
          to: opts.to,
          wait: opts.wait,
          readyTimeoutMs: opts.waitTimeout * 1000,
          concurrency: opts.concurrency,
          canary: opts.canary,
          forceUnlock: Boolean(opts.forceUnlock),
        },
        cli.reporter(),
      );
      if (opts.json) cli.out.json(result);
      else {
        for (const r of result.results.filter((r) => !r.ok && r.logs)) {
          cli.io.stderr.write(`--- last log lines of ${r.event} ---\n${r.logs}\n---\n`);
        }
        cli.out.table(
          result.results.map((r) => ({
            event: r.event,
            revision: result.revisions[r.event] ?? '-',
            status: r.status,
            container: r.containerId?.slice(0, 12) ?? '-',
          })),
          ['event', 'revision', 'status', 'container'],
        );
      }
      assertConverged(result.results);
    });
}
