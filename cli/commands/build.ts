import type { Command } from 'commander';
import type { Cli } from './context.js';
import type { ProgressFlag } from '../ui/progress-mode.js';
import { deploymentFor, progressFlag, progressOptions } from './options.js';

interface BuildFlags {
  baseImage?: string;
  dockerfile?: string;
  force?: boolean;
  pull?: boolean;
  json?: boolean;
  progress?: ProgressFlag;
  quiet?: boolean;
}

export function register(program: Command, cli: Cli): void {
  const command = program
    .command('build')
    .description('build the app image once and tag it <image>:sha-<rev> and <image>:<event> for every event')
    .option('--base-image <ref>', "base image (default: the fleet file's baseImage)")
    .option('--dockerfile <path>', 'Dockerfile to use instead of templates/Dockerfile')
    .option('--force', 'build even when the image for this revision exists')
    .option('--pull', 'pull the base image first (a re-published base tag is a new revision)')
    .option('--json', 'machine-readable result');
  progressOptions(command)
    .addHelpText('after', '\nExamples:\n  $ demo-fleet build\n  $ demo-fleet build --base-image demo-fleet-test/base:fixture --json')
    .action(async (opts: BuildFlags, cmd: Command) => {
      const { buildFleetImage } = await import('../deploy/build.js');
      const { withProgress } = await import('../ui/progress.js');
      const { baseImage, dockerfile, force, pull } = opts;
      const result = await withProgress(progressFlag(opts), cli.io, async (report) =>
        buildFleetImage(await deploymentFor(cmd, cli.io), { baseImage, dockerfile, force, pull }, report),
      );
      if (opts.json) return cli.out.json(result);
      cli.out.line(
        `${result.built ? 'built' : 'up to date'}: ${result.ref} (${result.id.slice(7, 19)}), tagged ${result.tags.length} event(s)`,
      );
    });
}
