/**
 * Option parsing every command shares: the global --file, number arguments. Commands import their heavy modules (yaml, zod,
 * dockerode) inside their action, so `--help`, `--version` and each command load only what they use.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Deployment } from '../deploy/deployment.js';
import type { CliIo } from './context.js';
import { resolveFleetPath } from '../fleet/path.js';
import { PROGRESS_FLAGS, type ProgressFlag } from '../ui/progress-mode.js';

export function fleetPath(cmd: Command, io: CliIo): string {
  return resolveFleetPath(cmd.optsWithGlobals<{ file?: string }>().file, io.cwd, io.env);
}

/** The deployment of the fleet file the command names: read, checked and given its target once. */
export async function deploymentFor(cmd: Command, io: CliIo): Promise<Deployment> {
  const { openDeployment } = await import('../deploy/deployment.js');
  return openDeployment(fleetPath(cmd, io), { cwd: io.cwd, env: io.env });
}

/** commander argParser for positive integers. */
export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

/** commander argParser for integers ≥ 0. */
export function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be 0 or a positive integer, got "${value}"`);
    return n;
  };
}

const WAIT_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 };

/** commander argParser for a wait in seconds: "300", "90s", "5m" or "1h" → seconds (> 0). */
export function waitSeconds(name: string) {
  return (value: string): number => {
    const m = /^(\d+)(s|m|h)?$/.exec(value.trim());
    const seconds = m ? Number(m[1]) * WAIT_UNITS[m[2] ?? '']! : 0;
    if (!seconds) throw new InvalidArgumentError(`${name} must be seconds or a duration like 90s, 5m or 1h, got "${value}"`);
    return seconds;
  };
}

const SINCE_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `--since`: "10m" / "2h" / "30s" ago, or an ISO date → UNIX seconds (what the engine's logs take). */
export function sinceTime(value: string, now = Date.now()): number {
  const ago = /^(\d+)(s|m|h)$/.exec(value);
  if (ago) return Math.floor(now / 1000) - Number(ago[1]) * SINCE_UNITS[ago[2]!]!;
  const at = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at))
    throw new InvalidArgumentError(
      `--since must be a duration like 10m, 2h or 30s, or an ISO date like 2026-12-01T09:00:00Z, got "${value}"`,
    );
  return Math.floor(at / 1000);
}

/** `--progress` and `-q` of the commands that do long work (up, down, build), as `docker compose` has them. */
export function progressOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--progress <mode>',
        'tty: a live line per event; plain: every line (CI logs); quiet: only the result; auto: tty on a terminal outside CI',
      )
        .choices(PROGRESS_FLAGS)
        .default('auto'),
    )
    .option('-q, --quiet', 'only the result (same as --progress quiet)');
}

/** The --progress flag a command was given (-q wins). */
export function progressFlag(opts: { progress?: ProgressFlag; quiet?: boolean }): ProgressFlag {
  return opts.quiet ? 'quiet' : (opts.progress ?? 'auto');
}
