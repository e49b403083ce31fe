import type { Command } from 'commander';
import type { Cli } from './context.js';
import { ago } from '../ui/duration.js';
import { deploymentFor } from './options.js';

export function register(program: Command, cli: Cli): void {
  program
    .command('revisions')
    .description(
      "the fleet's revisions on the engine, newest first: when built, which events run it, which a rollback goes to, the last deploy of it",
    )
    .option('--json', 'machine-readable output (full revisions, image IDs, tags)')
    .addHelpText('after', '\nExamples:\n  $ demo-fleet revisions\n  $ demo-fleet rollback --to 1a2b3c4-0123   # a revision as shown here')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { listRevisions } = await import('../deploy/revisions.js');
      const report = await listRevisions(await deploymentFor(cmd, cli.io));
      if (opts.json) return cli.out.json(report);
      if (report.auditUnread) cli.out.warn(`audit log not read (no deploy times): ${report.auditUnread}`);
      if (!report.revisions.length)
        return cli.out.line(`no revisions of ${report.image} on the engine (\`demo-fleet build\` or \`up\` makes one)`);
      cli.out.table(
        report.revisions.map((r) => ({
          revision: r.short,
          built: ago(r.built),
          runs: r.events.join(',') || '-',
          rollbackOf: r.rollbackOf.join(',') || '-',
          deployed: r.deployed ? `${r.deployed.command} ${ago(r.deployed.time)} by ${r.deployed.who}` : '-',
          image: r.imageId.replace(/^sha256:/, '').slice(0, 12),
        })),
        [
          'revision',
          { key: 'built', drop: 3 },
          { key: 'runs', min: 12 },
          { key: 'rollbackOf', header: 'rollback of', drop: 2, min: 12 },
          { key: 'deployed', drop: 1, min: 16 },
          { key: 'image', drop: 4 },
        ],
      );
    });
}
