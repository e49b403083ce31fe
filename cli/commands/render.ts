import type { Command } from 'commander';
import type { Cli } from './context.js';
import path from 'node:path';
import { shownPath } from '../fleet/path.js';
import { fleetPath } from './options.js';

export function register(program: Command, cli: Cli): void {
  program
    .command('render')
    .description('write compose/docker-compose.yml and 0600 secret env files from the fleet file')
    .option('-o, --out <dir>', 'output directory (default: compose/ beside the fleet file)')
    .option('--json', 'machine-readable summary (no secrets)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ demo-fleet render\n  $ demo-fleet render && docker-compose -f compose/docker-compose.yml config',
    )
    .action(async (opts: { out?: string; json?: boolean }, cmd: Command) => {
      const { renderFleetFile } = await import('../render/render.js');
      const { cwd, env } = cli.io;
      const result = await renderFleetFile(fleetPath(cmd, cli.io), opts.out && path.resolve(cwd, opts.out), { cwd, env });
      for (const w of result.warnings) cli.out.warn(w);
      if (opts.json) {
        return cli.out.json({
          composeFile: result.composeFile,
          services: result.services.map((s) => ({
            name: s.name,
            event: s.event,
            image: s.image,
            hostname: s.hostname,
            hasAuthKey: s.envFile !== null,
          })),
          warnings: result.warnings,
        });
      }
      cli.out.line(
        `wrote ${shownPath(result.composeFile, cwd)} (${result.services.length} service${result.services.length === 1 ? '' : 's'})`,
      );
    });
}
