import type { Command } from 'commander';
import type { Cli } from './context.js';
import { deploymentFor } from './options.js';

interface PublishFlags {
  repo?: string;
  latest?: boolean;
  dryRun?: boolean;
  baseImage?: string;
  dockerfile?: string;
  json?: boolean;
}

export function register(program: Command, cli: Cli): void {
  program
    .command('publish')
    .description('build (or reuse) the image for this revision and push it as sha-<rev> and <event> for every event')
    .option('--repo <registry/repo>', "target repository (default: the fleet file's image)")
    .option('--latest', 'also push the latest tag')
    .option('--dry-run', 'print the tags that would be pushed')
    .option('--base-image <ref>', "base image (default: the fleet file's baseImage)")
    .option('--dockerfile <path>', 'Dockerfile to use instead of templates/Dockerfile')
    .option('--json', 'machine-readable result')
    .addHelpText(
      'after',
      `
Credentials come from REGISTRY_USERNAME/REGISTRY_PASSWORD, GITHUB_ACTOR/GITHUB_TOKEN (ghcr.io) or your
docker config (~/.docker/config.json); they are never printed and never passed on a command line.

Examples:
  $ demo-fleet publish --dry-run
  $ REGISTRY_USERNAME=me REGISTRY_PASSWORD=... demo-fleet publish --repo ghcr.io/acme/demo-id-headers --latest`,
    )
    .action(async (opts: PublishFlags, cmd: Command) => {
      const { publish } = await import('../deploy/publish.js');
      const result = await publish(await deploymentFor(cmd, cli.io), opts, cli.reporter());
      if (opts.json) return cli.out.json(result);
      if (opts.dryRun) {
        for (const tag of result.tags) cli.out.line(`would push ${result.repo}:${tag}`);
        return;
      }
      for (const tag of result.tags) cli.out.line(`pushed ${result.repo}:${tag}`);
      cli.out.line(`digest ${result.digest}`);
    });
}
