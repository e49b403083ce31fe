import type { Command } from 'commander';
import type { Cli } from './context.js';
import { PreflightError } from '../errors.js';
import { fleetPath } from './options.js';

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

export function register(program: Command, cli: Cli): void {
  program
    .command('doctor')
    .description(
      'check what up needs (engine, Docker context, fleet file, auth keys, image, disk, tailnet): one line per finding with the fix',
    )
    .option('--json', 'machine-readable findings')
    .option('--no-tailnet', "skip reading each running node's tailnet state")
    .option('--base-image <ref>', "check the base image up --base-image <ref> would build on (default: the fleet file's baseImage)")
    .option('--pull', 'check the published images up --pull would run')
    .addHelpText(
      'after',
      '\nExamples:\n  $ demo-fleet doctor\n  $ demo-fleet doctor --base-image demo-fleet-test/base:local   # as `up --base-image` would build\n  $ DOCKER_CONTEXT=vps demo-fleet doctor --json | jq \'.findings[] | select(.status != "ok")\'',
    )
    .action(async (opts: { json?: boolean; tailnet: boolean; baseImage?: string; pull?: boolean }, cmd: Command) => {
      const { doctor } = await import('../doctor/doctor.js');
      const { baseImage, pull } = opts;
      const result = await doctor({ fleetFile: fleetPath(cmd, cli.io), tailnet: opts.tailnet, baseImage, pull });
      if (opts.json) cli.out.json(result);
      else for (const f of result.findings) cli.out.line(`${MARK[f.status]}  ${f.check}: ${f.message}${f.fix ? `; fix: ${f.fix}` : ''}`);
      const failed = result.findings.filter((f) => f.status === 'fail').length;
      if (failed > 0) throw new PreflightError(`${failed} problem(s) would make \`up\` fail (the FAIL lines above say how to fix each)`);
    });
}
