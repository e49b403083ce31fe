import type { Command } from 'commander';
import type { Cli } from './context.js';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { EventFields } from '../fleet/edit.js';
import { fleetPath, positiveInt } from './options.js';

interface AddOptions {
  inviteLink?: string;
  funnel?: boolean;
  hostname?: string;
  year?: number;
  serveMode?: string;
  tz?: string;
  ssh?: boolean;
  authKeyEnv?: string;
  authKeyFile?: string;
  interactiveLogin?: boolean;
  update?: boolean;
}

export function register(program: Command, cli: Cli): void {
  program
    .command('add')
    .description('add an event to the fleet file (creates the file on first use)')
    .argument('<event>', 'event name: a DNS label, e.g. cleveland')
    .option('--invite-link <url>', 'tailnet invite link shown to strangers (DEMO_INVITE_LINK)')
    .option('--funnel', 'open the demo to the internet with Funnel')
    .option('--no-funnel', 'tailnet only')
    .option('--hostname <name>', 'tailnet hostname (default <event><year>)')
    .option('--year <year>', 'year of the event (default: the fleet year)', positiveInt('--year'))
    .option('--serve-mode <mode>', 'tailscale serve mode: https (needed for Funnel) | http (headscale)')
    .option('--tz <zone>', 'IANA time zone, e.g. America/New_York')
    .option('--ssh', 'enable Tailscale SSH')
    .option('--no-ssh', 'disable Tailscale SSH')
    .option('--auth-key-env <VAR>', 'environment variable holding the auth key at render time')
    .option('--auth-key-file <path>', 'file holding the auth key (relative to the fleet file); not with --auth-key-env')
    .option('--interactive-login', 'mint no key for its node (keys:/controlServer:): a person logs it in, e.g. through OIDC')
    .option('--no-interactive-login', 'mint a key for its node again')
    .option('--update', 'change an existing event instead of failing')
    .addHelpText(
      'after',
      `
Examples:
  $ demo-fleet add cleveland --invite-link https://login.tailscale.com/admin/invite/abc --funnel
  $ demo-fleet add berlin --auth-key-env TS_AUTHKEY_BERLIN --tz Europe/Berlin
  $ demo-fleet add cleveland --update --no-funnel`,
    )
    .action(async (event: string, opts: AddOptions, cmd: Command) => {
      const { addFleetEvent } = await import('../fleet/operations.js');
      const file = fleetPath(cmd, cli.io);
      if (opts.authKeyEnv !== undefined && opts.authKeyFile !== undefined) {
        throw new UsageError(
          `event ${event}: authKey: --auth-key-env and --auth-key-file both given, but an event takes one key source: pass only one of them`,
        );
      }
      const fields: EventFields = {
        inviteLink: opts.inviteLink,
        funnel: opts.funnel,
        hostname: opts.hostname,
        year: opts.year,
        serveMode: opts.serveMode as EventFields['serveMode'],
        tz: opts.tz,
        ssh: opts.ssh,
        interactiveLogin: opts.interactiveLogin,
        authKey:
          opts.authKeyEnv !== undefined
            ? { env: opts.authKeyEnv }
            : opts.authKeyFile !== undefined
              ? { file: opts.authKeyFile }
              : undefined,
      };
      const { created } = await addFleetEvent(file, event, fields, { update: opts.update, cwd: cli.io.cwd });
      cli.out.line(`${opts.update ? 'updated' : 'added'} ${event}${created ? ` (created ${path.basename(file)})` : ''}`);
    });
}
