/**
 * The fleet-file commands' cores (`init`, `add`, `remove`, `list`): each one locked, validated edit or
 * read of the file. The commands parse options, call one of these and print.
 */
import path from 'node:path';
import { UsageError } from '../errors.js';
import { addEvent, ensureFleetId, initialFleetText, removeEvent, type EventFields } from './edit.js';
import { editFleet, loadFleet } from './file.js';
import { writeSchemaFile } from './schema-file.js';
import { eventSummaries, type EventSummary } from './summary.js';

/**
 * `init`: a new commented fleet file and fleet.schema.json beside it. An existing file is refused, unless
 * it has no fleet id yet (written by an earlier demo-fleet): then it gets one, and nothing else changes.
 */
export async function initFleet(
  file: string,
  options: { name?: string; image?: string },
  cwd = process.cwd(),
): Promise<'created' | 'identified'> {
  let outcome: 'created' | 'identified' = 'created';
  await editFleet(
    file,
    (current) => {
      if (!current) return initialFleetText(options);
      if (current.fleet.id) throw new UsageError(`${file}: a fleet file already exists (edit it, or use \`demo-fleet add\`)`);
      outcome = 'identified';
      return ensureFleetId(current.text);
    },
    cwd,
  );
  await writeSchemaFile(path.dirname(file));
  return outcome;
}

/** `add`: the event into the file (creating the file on first use). Returns whether the file was created. */
export async function addFleetEvent(
  file: string,
  event: string,
  fields: EventFields,
  options: { update?: boolean; cwd?: string },
): Promise<{ created: boolean }> {
  let created = false;
  await editFleet(
    file,
    (current) => {
      created = current === null;
      return addEvent(current ? ensureFleetId(current.text) : initialFleetText(), event, fields, { update: options.update });
    },
    options.cwd,
  );
  if (created) await writeSchemaFile(path.dirname(file));
  return { created };
}

/** `remove`: the event out of the file; its container goes on the next `up`. */
export async function removeFleetEvent(file: string, event: string, cwd = process.cwd()): Promise<void> {
  await editFleet(
    file,
    (current) => {
      if (!current) throw new UsageError(`${file}: no fleet file here (nothing to remove)`);
      return removeEvent(current.text, event);
    },
    cwd,
  );
}

/** `list`: the events as the file describes them (no engine). */
export async function listEvents(file: string, cwd = process.cwd()): Promise<EventSummary[]> {
  return eventSummaries((await loadFleet(file, cwd)).fleet);
}
