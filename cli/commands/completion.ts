import { Argument, type Command } from 'commander';
import type { Cli } from './context.js';
import { EVENTS_COMMAND, SHELLS, type Shell } from '../ui/completion.js';
import { fleetPath } from './options.js';

export function register(program: Command, cli: Cli): void {
  program
    .command('completion')
    .description('print the shell completion script (commands, options, event names from the fleet file)')
    .addArgument(new Argument('<shell>', 'bash | zsh | fish').choices(SHELLS))
    .addHelpText(
      'after',
      '\nExamples:\n  $ source <(demo-fleet completion bash)      # in ~/.bashrc\n  $ source <(demo-fleet completion zsh)       # in ~/.zshrc, after compinit\n  $ demo-fleet completion fish > ~/.config/fish/completions/demo-fleet.fish',
    )
    .action(async (shell: Shell, _opts: unknown, cmd: Command) => {
      const { completionScript } = await import('../ui/completion.js');
      cli.io.stdout.write(completionScript(cmd.parent!, shell));
    });
  // What the scripts call for event names: the fleet file's events, one a line; nothing when there is none.
  program
    .command(EVENTS_COMMAND, { hidden: true })
    .description('event names of the fleet file, for shell completion')
    .action(async (_opts: unknown, cmd: Command) => {
      const { loadFleet } = await import('../fleet/file.js');
      const loaded = await loadFleet(fleetPath(cmd, cli.io)).catch(() => null);
      for (const event of Object.keys(loaded?.fleet.events ?? {})) cli.out.line(event);
    });
}
