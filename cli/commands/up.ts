import type { Command } from 'commander';
import type { Cli } from './context.js';
import type { ProgressFlag } from '../ui/progress-mode.js';
import { deploymentFor, positiveInt, progressFlag, progressOptions, waitSeconds } from './options.js';

interface UpFlags {
  baseImage?: string;
  dockerfile?: string;
  pull?: boolean;
  wait: boolean;
  waitTimeout: number;
  concurrency: number;
  dryRun?: boolean;
  forceUnlock?: boolean;
  canary: boolean;
  message?: string;
  prune?: boolean;
  json?: boolean;
  progress?: ProgressFlag;
  quiet?: boolean;
}

export function register(program: Command, cli: Cli): void {
  const command = program
    .command('up')
    .argument('[events...]', 'only these events (default: every event of the fleet file); the others are left as they are')
    .description('render, build once, and converge the engine: one container per event, each served on the tailnet')
    .option('--base-image <ref>', "base image (default: the fleet file's baseImage)")
    .option('--dockerfile <path>', 'Dockerfile to use instead of templates/Dockerfile')
    .option('--pull', 'run published images (<image>:<event>) instead of building')
    .option('--no-wait', 'do not wait for health checks')
    .option(
      '--wait-timeout <duration>',
      'how long each event may take to be served: seconds, or 90s, 5m, 1h (a real start installs the docker-mod first)',
      waitSeconds('--wait-timeout'),
      300,
    )
    .option('--concurrency <n>', 'events handled at once', positiveInt('--concurrency'), 8)
    .option('-m, --message <text>', 'why this deploy runs: shown to anyone who finds the lock taken (lock status)')
    .option('--no-canary', 're-create all changed events at once (default: one first, the rest only if it is served)')
    .option('--prune', 'allow removing every container of the fleet (when the fleet file has no events left)')
    .option('--dry-run', 'print the plan, change nothing')
    .option('--force-unlock', 'remove a deploy lock left by a deploy that died, then deploy')
    .option('--json', 'machine-readable result on stdout (progress stays on stderr)');
  progressOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ demo-fleet up
  $ demo-fleet up --dry-run
  $ demo-fleet up cleveland          # only cleveland; the other events are left as they are
  $ DOCKER_HOST=ssh://root@vps.example.com demo-fleet up --wait-timeout 300`,
    )
    .action(async (events: string[], opts: UpFlags, cmd: Command) => {
      const { up, assertConverged } = await import('../deploy/up.js');
      const { describeAction } = await import('../converge/plan.js');
      const { describeRecovery } = await import('../converge/recovery.js');
      const { withProgress } = await import('../ui/progress.js');
      const result = await withProgress(progressFlag(opts), cli.io, async (report) =>
        up(
          await deploymentFor(cmd, cli.io),
          {
            baseImage: opts.baseImage,
            dockerfile: opts.dockerfile,
            pull: opts.pull,
            wait: opts.wait,
            readyTimeoutMs: opts.waitTimeout * 1000,
            concurrency: opts.concurrency,
            dryRun: Boolean(opts.dryRun),
            forceUnlock: Boolean(opts.forceUnlock),
            canary: opts.canary,
            message: opts.message,
            prune: Boolean(opts.prune),
            events,
          },
          report,
        ),
      );
      if (opts.json) {
        cli.out.json({
          image: result.imageRef,
          imageId: result.imageId,
          built: result.built,
          recovery: result.plan.recovery.map((s) => ({
            event: s.event,
            step: s.kind,
            container: s.container.name,
            line: describeRecovery(s),
          })),
          plan: result.plan.actions.map((a) => ({ event: a.event, action: a.kind, line: describeAction(a) })),
          results: result.results,
        });
      } else if (opts.dryRun) {
        for (const s of result.plan.recovery) cli.out.line(describeRecovery(s));
        for (const a of result.plan.actions) cli.out.line(describeAction(a));
      } else {
        for (const r of result.results.filter((r) => !r.ok && r.logs)) {
          cli.io.stderr.write(`--- last log lines of ${r.event} ---\n${r.logs}\n---\n`);
        }
        const { upSummary } = await import('../ui/summary.js');
        cli.out.line(upSummary(result.results, cli.palette()));
      }
      assertConverged(result.results);
    });
}
