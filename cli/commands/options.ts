/**
 * Option parsing every command shares: the global --file, number arguments. Commands import their heavy modules (yaml, zod,
 * dockerode) inside their action, so `--help`, `--version` and each command load only what they use.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { resolveFleetPath } from '../fleet/path.js';

export function fleetPath(cmd: Command): string {
  return resolveFleetPath(cmd.optsWithGlobals<{ file?: string }>().file);
}

/** commander argParser for positive integers. */
export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}
