import type { Command } from 'commander';
import type { Cli } from './context.js';
import { deploymentFor } from './options.js';

export function register(program: Command, cli: Cli): void {
  program
    .command('exec')
    .description("run a command inside an event's container; its output and exit code are the command's")
    .argument('<event>', "event name (or headscale: the fleet's own control server)")
    .argument('<command...>', 'the command (after --)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ demo-fleet exec cleveland -- tailscale status\n  $ demo-fleet exec cleveland -- tailscale serve status --json\n' +
        "  $ demo-fleet exec headscale -- headscale nodes list   # the fleet's own control server (controlServer:)",
    )
    .action(async (event: string, command: string[], _opts: unknown, cmd: Command) => {
      const { execInEvent } = await import('../deploy/exec.js');
      const r = await execInEvent(await deploymentFor(cmd, cli.io), { event, command });
      cli.io.stdout.write(r.stdout);
      cli.io.stderr.write(r.stderr);
      cli.exitCode = r.exitCode;
    });
}
