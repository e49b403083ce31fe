import type { Command } from 'commander';
import type { Cli } from './context.js';
import { deploymentFor, positiveInt } from './options.js';

export function register(program: Command, cli: Cli): void {
  program
    .command('audit')
    .description('the audit log on the engine host: who ran up, down, rollback, prune, publish, when, with what outcome')
    .option('-n, --lines <n>', 'the last N entries', positiveInt('--lines'), 20)
    .option('--json', 'machine-readable output (the entries as recorded)')
    .addHelpText('after', '\nExamples:\n  $ demo-fleet audit\n  $ demo-fleet audit -n 5 --json')
    .action(async (opts: { lines: number; json?: boolean }, cmd: Command) => {
      const { readAudit } = await import('../deploy/audit.js');
      const log = await readAudit(await deploymentFor(cmd, cli.io), { lines: opts.lines });
      if (opts.json) return cli.out.json(log);
      if (!log.entries.length) return cli.out.line(`no audit entries for fleet "${log.fleet}" (in ${log.dir} on the engine host)`);
      for (const e of log.entries) {
        const events = e.events.map((x) => `${x.event}:${x.action}${x.ok ? '' : '!'}`).join(' ');
        const parts = [e.time, e.who, e.command, e.revision ?? '-', e.outcome, events, e.detail ?? ''];
        cli.out.line(parts.filter(Boolean).join('  '));
      }
    });
}
