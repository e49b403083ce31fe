/** Where the fleet file is. Kept apart from file.ts so every command can know it without loading yaml/zod. */
import path from 'node:path';

export const DEFAULT_FLEET_FILE = 'fleet.yaml';

/** `--file`, else `DEMO_FLEET_FILE`, else ./fleet.yaml — made absolute. */
export function resolveFleetPath(file?: string): string {
  return path.resolve(file ?? process.env.DEMO_FLEET_FILE ?? DEFAULT_FLEET_FILE);
}
