/** Event names a command was given that the fleet file does not have: one error, one wording. */
import { UsageError } from '../errors.js';
import type { Fleet } from './schema.js';

export function unknownEvent(name: string): UsageError {
  return new UsageError(`event "${name}" is not in the fleet file (\`demo-fleet list\` shows the events)`);
}

/** Throws for the first name that is not an event of the fleet. */
export function requireEvents(fleet: Pick<Fleet, 'events'>, names: string[]): void {
  const missing = names.find((name) => !Object.hasOwn(fleet.events, name));
  if (missing !== undefined) throw unknownEvent(missing);
}
