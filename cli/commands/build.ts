import type { Command } from 'commander';
import { out, reporter } from '../ui/output.js';
import { fleetPath } from './options.js';

export function register(program: Command): void {
  program
    .command('build')
    .description('build the app image once and tag it <image>:sha-<rev> and <image>:<event> for every event')
    .option('--base-image <ref>', "base image (default: the fleet file's baseImage)")
    .option('--dockerfile <path>', 'Dockerfile to use instead of templates/Dockerfile')
    .option('--force', 'build even when the image for this revision exists')
    .option('--json', 'machine-readable result')
    .addHelpText('after', '\nExamples:\n  $ demo-fleet build\n  $ demo-fleet build --base-image demo-fleet-test/base:fixture --json')
    .action(async (opts: { baseImage?: string; dockerfile?: string; force?: boolean; json?: boolean }, cmd: Command) => {
      const { buildFleetImage } = await import('../engine/image/build.js');
      const result = await buildFleetImage({ fleetFile: fleetPath(cmd), ...opts }, reporter());
      if (opts.json) return out.json(result);
      out.line(
        `${result.built ? 'built' : 'up to date'}: ${result.ref} (${result.id.slice(7, 19)}), tagged ${result.tags.length} event(s)`,
      );
    });
}
