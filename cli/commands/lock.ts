import type { Command } from 'commander';
import type { Cli } from './context.js';
import { deploymentFor } from './options.js';

export function register(program: Command, cli: Cli): void {
  const lock = program.command('lock').description("the fleet's deploy lock (held on the engine host while up/down run)");
  lock
    .command('status')
    .description('who holds the deploy lock: holder, host, pid, since, message')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  $ demo-fleet lock status')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { lockStatus } = await import('../deploy/lock-commands.js');
      const state = await lockStatus(await deploymentFor(cmd, cli.io));
      if (opts.json) return cli.out.json(state);
      if (!state.holder) return cli.out.line(`fleet "${state.fleet}" is not locked`);
      const h = state.holder;
      const other = h.fleetId && h.fleetId !== state.fleetId ? ` (another fleet file of the same name: id ${h.fleetId})` : '';
      cli.out.line(
        `fleet "${state.fleet}" is locked by ${h.holder} (host ${h.host}, pid ${h.pid}) since ${h.since}${h.message ? `: ${h.message}` : ''}${other}`,
      );
    });
  lock
    .command('release')
    .description("remove this fleet file's deploy lock, whoever holds it (when its deploy died)")
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  $ demo-fleet lock status && demo-fleet lock release')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { lockRelease } = await import('../deploy/lock-commands.js');
      const state = await lockRelease(await deploymentFor(cmd, cli.io));
      if (opts.json) return cli.out.json(state);
      cli.out.line(
        state.holder
          ? `released the lock of fleet "${state.fleet}" held by ${state.holder.holder} since ${state.holder.since}`
          : `fleet "${state.fleet}" was not locked`,
      );
    });
}
