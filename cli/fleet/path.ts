/** Where the fleet file is. Kept apart from file.ts so every command can know it without loading yaml/zod. */
import path from 'node:path';

export const DEFAULT_FLEET_FILE = 'fleet.yaml';

/** `--file`, else `DEMO_FLEET_FILE`, else ./fleet.yaml — made absolute against the run's working directory. */
export function resolveFleetPath(file: string | undefined, cwd: string, env: NodeJS.ProcessEnv): string {
  return path.resolve(cwd, file ?? env.DEMO_FLEET_FILE ?? DEFAULT_FLEET_FILE);
}

/** A path as messages show it: relative to the run's working directory (the path itself when that is it). */
export function shownPath(file: string, cwd: string): string {
  return path.relative(cwd, file) || file;
}
